"""The demo shows what the platform does: a year of meetings, trends that move, a member
with an attendance record, and a fading community that raises every health flag."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import User
from dashboard import figures
from devdata.demo import FADING, seed_demo
from meetings.models import ActionItem, Meeting, Registration
from tests.conftest import soup

pytestmark = pytest.mark.django_db


def _export(client, name):
    response = client.get(reverse("dashboard:programme") + f"?export={name}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_demo_has_a_year_of_history_and_a_fading_community(client):
    seed_demo()
    counts = (Meeting.objects.count(), Registration.objects.count(), ActionItem.objects.count())
    seed_demo()  # still idempotent
    assert counts == (
        Meeting.objects.count(),
        Registration.objects.count(),
        ActionItem.objects.count(),
    )

    client.force_login(User.objects.get(email="manager@example.nhs.uk"))
    rows = {r["Community"]: r for r in _export(client, "communities")}
    fading = next(r for name, r in rows.items() if name.startswith("Delirium"))
    assert FADING == "delirium"
    assert {label: fading[label] for label in figures.FLAGS.values()} == dict.fromkeys(
        figures.FLAGS.values(), "yes"
    )
    healthy = [r for r in rows.values() if r is not fading]
    assert all(int(r["Meetings in 90 days"]) >= 2 for r in healthy)
    trends = _export(client, "trends")
    held = [int(month["Meetings held"]) for month in trends]
    assert sum(1 for n in held if n) >= 10, held  # meetings in most months of the year
    assert len({month["New members"] for month in trends}) > 2  # people joined across it

    client.force_login(User.objects.get(email="member@example.org"))
    attended = soup(client.get(reverse("meetings:attended")))
    assert len(attended.select("tbody tr")) >= 6
    open_actions = ActionItem.objects.filter(status="open").count()
    assert open_actions and ActionItem.objects.filter(status="done").count() > open_actions


def test_the_demo_has_conversations_and_a_safe_space(client):
    from discussions.models import Discussion, Reply

    seed_demo()
    counts = (Discussion.objects.count(), Reply.objects.count())
    seed_demo()  # still idempotent
    assert counts == (Discussion.objects.count(), Reply.objects.count())
    assert counts[0] >= 5

    member = User.objects.get(email="member@example.org")
    client.force_login(member)
    page = soup(client.get(reverse("discussions:list", args=["medicines-safety"])))
    titles = [a.get_text(strip=True) for a in page.select("main h2 a, main h3 a")]
    assert any("Covert medication" in t for t in titles), titles
    answered = Discussion.objects.get(title__startswith="Covert medication")
    assert answered.answer is not None and answered.answer.author == member
    assert answered.reply_count == answered.replies.count() == 2
    assert member.notifications.filter(read_at=None).count() == 2

    near_miss = Discussion.objects.get(is_safe_space=True)
    shown = soup(client.get(near_miss.get_absolute_url())).select_one("main").get_text(" ")
    assert near_miss.author.name not in shown and "A member" in shown
