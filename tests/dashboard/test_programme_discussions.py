"""Discussions on the programme dashboard: started per month in the trends, unanswered
questions per community with a flag at 14 days, both in the downloads; counts only, never
a title, whatever the community."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from communities.moderation.services import content_hide
from dashboard import figures
from discussions import services
from discussions.models import Discussion
from tests.conftest import soup
from tests.dashboard.test_programme_dashboard import healthy, row_for
from tests.factories import DiscussionFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def ask(community, *, days_ago, **fields):
    return DiscussionFactory(
        community=community, created_at=timezone.now() - timedelta(days=days_ago), **fields
    )


def test_unanswered_questions_are_counted_and_flagged_at_14_days(network):
    community = healthy(network)
    ask(community, days_ago=13)
    row = row_for(community)
    assert row["unanswered_questions"] == 1
    assert not row["flags"]["question_unanswered"]
    ask(community, days_ago=14)
    row = row_for(community)
    assert row["unanswered_questions"] == 2
    assert row["flags"]["question_unanswered"] and row["flag_count"] == 1


def test_what_is_not_an_unanswered_question_is_not_counted(network):
    community = healthy(network)
    convener = community.memberships.get(role="convener").user
    ask(community, days_ago=20, kind=Discussion.Kind.IDEA)
    ask(community, days_ago=20, is_closed=True)
    hidden = ask(community, days_ago=20)
    content_hide(target=hidden, actor=convener, reason="Off topic")
    answered = ask(community, days_ago=20)
    reply = services.reply_add(discussion=answered, author=answered.author, body="This works.")
    services.answer_mark(discussion=answered, reply=reply, actor=convener)
    row = row_for(community)
    assert row["unanswered_questions"] == 0
    assert not row["flags"]["question_unanswered"]
    # A safe-space question counts like any other: a number, never its words.
    ask(community, days_ago=20, is_safe_space=True, title="Near miss zebrafinch")
    assert row_for(community)["flags"]["question_unanswered"]


@time_machine.travel(datetime(2026, 6, 20, 12, 0, tzinfo=UTC), tick=False)
def test_discussions_started_per_month_in_the_trends(network):
    community = healthy(network)
    now = timezone.now()
    for _ in range(2):
        ask(community, days_ago=0)
    hidden = ask(community, days_ago=0)
    Discussion.objects.filter(pk=hidden.pk).update(is_hidden=True)
    ask(community, days_ago=400)  # before the twelve months
    series = {s["name"]: s["points"] for s in figures.trends([community.pk], now=now)}
    points = series["Discussions started"]
    assert points[-1] == (now.date().replace(day=1), 2)
    assert sum(n for _, n in points) == 2


def test_the_page_and_downloads_give_counts_and_never_titles(client, network):
    private = healthy(network, name="Closed Group", visibility="private")
    ask(private, days_ago=15, title="Zebrafinch covert medication")
    ask(private, days_ago=1, title="Kestrel near miss", is_safe_space=True)
    client.force_login(network.manager)
    response = client.get(reverse("dashboard:programme"))
    assert response.status_code == 200
    page = soup(response)
    text = page.get_text(" ")
    assert "Zebrafinch" not in text and "Kestrel" not in text
    headers = [th.get_text() for th in page.select(".app-dashboard-table thead th")]
    row = page.select_one(".app-dashboard-table tbody tr")
    cells = [c.get_text(" ").strip() for c in row.find_all(["th", "td"])]
    assert cells[headers.index("Unanswered questions")] == "2"  # the safe space's counted
    assert "A question unanswered for 14 days or more" in cells[1]

    table = client.get(reverse("dashboard:export_communities")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert rows[0]["Unanswered questions"] == "2"
    assert rows[0]["A question unanswered for 14 days or more"] == "yes"
    trends = client.get(reverse("dashboard:export_trends")).content.decode("utf-8-sig")
    months = list(csv.DictReader(io.StringIO(trends)))
    assert sum(int(m["Discussions started"]) for m in months) == 2
    for body in (table, trends):
        assert "Zebrafinch" not in body and "Kestrel" not in body


def test_a_new_question_is_on_the_next_view(client, network):
    community = healthy(network)
    client.force_login(network.manager)

    def unanswered():
        page = soup(client.get(reverse("dashboard:programme")))
        headers = [th.get_text() for th in page.select(".app-dashboard-table thead th")]
        cells = page.select_one(".app-dashboard-table tbody tr").find_all(["th", "td"])
        return cells[headers.index("Unanswered questions")].get_text().strip()

    assert unanswered() == "0"
    member = MembershipFactory(community=community).user
    services.discussion_start(
        community=community, author=member, kind="question", title="Who checks?", body="Text"
    )
    assert unanswered() == "1"


@pytest.mark.parametrize("size", [3, 25])
def test_the_dashboard_reads_them_in_constant_queries(client, network, get_within, size):
    for _ in range(size):
        community = healthy(network)
        ask(community, days_ago=20)
        ask(community, days_ago=2, kind=Discussion.Kind.IDEA)
    client.force_login(network.manager)
    response = get_within(reverse("dashboard:programme"), 42)
    assert len(soup(response).select(".app-dashboard-table tbody tr")) == size


def test_a_manager_of_another_network_sees_none_of_them(client, network):
    ask(healthy(network, name="Mine"), days_ago=20)
    other = NetworkFactory()
    manager = UserFactory()
    other.managers.add(manager)
    healthy(other, name="Theirs")
    client.force_login(manager)
    page = soup(client.get(reverse("dashboard:programme")))
    assert "Mine" not in page.get_text()
    table = client.get(reverse("dashboard:export_communities")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(r["Community"], r["Unanswered questions"]) for r in rows] == [("Theirs", "0")]
