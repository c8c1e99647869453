"""Discussions in the member's home and the digest: new ones and those with new replies,
grouped by community like the other news, named by their title only; never a safe-space
or hidden discussion, never a hidden reply counted; and their place in the subject."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.notifications.models import Notification
from communities.moderation.services import content_hide
from dashboard.digest import digest_send
from dashboard.feed import FeedActive, FeedDiscussion, FeedMeeting, FeedMinutes, FeedResource
from dashboard.updates import headline, updates_for
from discussions import services
from discussions.models import Discussion
from tests.conftest import soup
from tests.dashboard.test_digest_order import feed_with
from tests.discussions.conftest import place_of
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # a Monday, the weekly digest's hour
BEFORE = NOW - timedelta(days=40)  # before any period the digest or the home page covers
IN_PERIOD = NOW - timedelta(days=2)


def start(place, title, *, at, body="The text of it", **kwargs):
    with time_machine.travel(at, tick=False):
        return services.discussion_start(
            community=place.community,
            author=place.author,
            kind=Discussion.Kind.QUESTION,
            title=title,
            body=body,
            **kwargs,
        )


def reply(discussion, person, *, at, body="A reply"):
    with time_machine.travel(at, tick=False):
        return services.reply_add(discussion=discussion, author=person, body=body)


@pytest.fixture
def discussed(db):
    """A community with, in the period: a new discussion, an older one with two new
    replies (and a hidden third), a safe-space one with replies, a hidden one; and a reader
    who has the weekly digest."""
    place = place_of("private")
    reader = place.member
    reader.digest_frequency = "weekly"
    reader.save(update_fields=["digest_frequency"])
    start(place, "Night-time covert medication", at=IN_PERIOD, body="Zebrafinch body text")
    older = start(place, "Deprescribing statins", at=BEFORE)
    reply(older, place.author, at=BEFORE + timedelta(hours=1))  # before the period
    reply(older, place.convener, at=IN_PERIOD)
    reply(older, place.author, at=IN_PERIOD + timedelta(hours=1))
    hidden_reply = reply(older, place.convener, at=IN_PERIOD + timedelta(hours=2))
    safe = start(
        place, "Wrong bag near miss", at=BEFORE, is_safe_space=True, body="Kestrel details"
    )
    start(place, "Another safe near miss", at=IN_PERIOD, is_safe_space=True)
    reply(safe, place.convener, at=IN_PERIOD, body="Kestrel reply")
    hidden = start(place, "Off-topic advert", at=IN_PERIOD)
    with time_machine.travel(IN_PERIOD + timedelta(hours=3), tick=False):
        content_hide(target=hidden_reply, actor=place.convener, reason="Off topic")
        content_hide(target=hidden, actor=place.convener, reason="Off topic")
    return place


NEVER = ("Wrong bag", "Another safe", "Kestrel", "Off-topic advert", "Zebrafinch")


def test_the_home_page_lists_new_and_active_discussions(client, discussed):
    with time_machine.travel(NOW, tick=False):
        client.force_login(discussed.member)
        page = soup(client.get(reverse("home")))
    news = page.select_one(".app-home-new")
    lines = [" ".join(li.get_text(" ").split()) for li in news.select("li")]
    assert lines == [
        "New discussion: Night-time covert medication",
        "Active: 2 new replies in Deprescribing statins",
    ]
    assert discussed.community.name in news.get_text()
    links = [a["href"] for a in news.select("li a")]
    assert links == [
        d.get_absolute_url()
        for d in Discussion.objects.filter(
            title__in=["Night-time covert medication", "Deprescribing statins"]
        ).order_by("-created_at")
    ]
    summary = page.select_one(".app-home-communities").get_text(" ")
    assert "1 discussion" in summary and "2 replies" in summary
    for words in NEVER:
        assert words not in page.get_text(), words


def test_the_digest_carries_them_and_nothing_from_a_safe_space(
    discussed, mailoutbox, django_capture_on_commit_callbacks
):
    # The notification centre's own section of the digest (what each post told whom, when
    # it was written) is tested with it: here, the news alone.
    Notification.objects.all().delete()
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        digest_send(frequency="weekly")
    message = next(m for m in mailoutbox if m.to == [discussed.member.email])
    html = message.alternatives[0][0]
    for part in (message.body, html, message.subject):
        for words in NEVER:
            assert words not in part, words
    assert "- New discussion: Night-time covert medication: http://testserver/" in message.body
    assert "- Active: 2 new replies in Deprescribing statins: http://testserver/" in message.body
    older = Discussion.objects.get(title="Deprescribing statins")
    assert f'href="http://testserver{older.get_absolute_url()}"' in html
    assert message.subject == "New discussion: Night-time covert medication — and 1 more update"


def test_each_reader_answers_a_discussion_from_the_digest_with_their_own_address(
    discussed, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    from accounts.inbound.tokens import token_of_address, token_read

    colleague = MembershipFactory(community=discussed.community, user__name="Cy Colleague").user
    User = type(colleague)
    User.objects.filter(pk=colleague.pk).update(digest_frequency="weekly")
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        digest_send(frequency="weekly")
    expected = {
        d.pk
        for d in Discussion.objects.filter(
            title__in=["Night-time covert medication", "Deprescribing statins"]
        )
    }
    for reader in (discussed.member, colleague):
        message = next(m for m in mailoutbox if m.to == [reader.email])
        found = re.findall(r"Reply by e-mail to (\S+)", message.body)
        html = re.findall(r'href="mailto:([^"]+)"', message.alternatives[0][0])
        news = [a for a in found if token_read(token_of_address(a)).handler == "discussion"]
        tokens = [token_read(token_of_address(address)) for address in news]
        assert {t.user_id for t in tokens} == {reader.pk}
        assert {t.object_id for t in tokens} >= expected
        assert set(news) <= set(html)


def test_a_safe_space_alone_brings_no_news():
    place = place_of()
    safe = start(place, "Wrong bag near miss", at=BEFORE, is_safe_space=True)
    start(place, "Another safe near miss", at=IN_PERIOD, is_safe_space=True)
    reply(safe, place.convener, at=IN_PERIOD)
    member = place.member
    feeds = updates_for([member], since_by_user={member.pk: NOW - timedelta(days=7)}, now=NOW)
    assert feeds[member.pk]["groups"] == []
    (group,) = feeds[member.pk]["communities"]
    assert (group.discussions, group.active, group.replies, group.total) == (0, 0, 0, 0)


def test_only_members_of_the_community_get_its_discussions(
    mailoutbox, django_capture_on_commit_callbacks
):
    place = place_of()
    elsewhere = UserFactory(digest_frequency="weekly")
    other = CommunityFactory()
    MembershipFactory(community=other, user=elsewhere)
    start(place, "Night-time covert medication", at=IN_PERIOD)
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        digest_send(frequency="weekly")
    assert all(m.to != [elsewhere.email] for m in mailoutbox)


def test_replies_count_from_each_persons_own_moment(client, discussed):
    """A reader who came home after the first new reply sees one new reply, not two."""
    reader = discussed.member
    reader.last_home_visit = IN_PERIOD + timedelta(minutes=30)
    reader.save(update_fields=["last_home_visit"])
    with time_machine.travel(NOW, tick=False):
        client.force_login(reader)
        page = soup(client.get(reverse("home")))
    lines = [" ".join(li.get_text(" ").split()) for li in page.select(".app-home-new li")]
    assert lines == ["Active: 1 new reply in Deprescribing statins"]


def _cases():
    falls = CommunityFactory.build(name="Falls", slug="falls")
    at = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    minutes = FeedMinutes(1, FeedMeeting(2, falls, "Falls review", at, at), at)
    huddle = FeedMeeting(1, falls, "Falls masterclass", at, at)
    asked = FeedDiscussion(3, falls, "Covert medication", at)
    active = FeedActive(4, falls, "Deprescribing statins", 5, at)
    toolkit = FeedResource(1, falls, "Falls toolkit", at)
    return [
        ([toolkit, active, asked, huddle, minutes], "Minutes published: Falls review"),
        ([toolkit, active, asked, huddle], "New meeting: Falls masterclass, Thu 10 Dec"),
        ([toolkit, active, asked], "New discussion: Covert medication"),
        ([toolkit, active], "Active: 5 new replies in Deprescribing statins"),
        ([toolkit], "New resource: Falls toolkit"),
    ]


@pytest.mark.parametrize("index", range(5))
def test_discussions_take_their_place_in_the_subject(index):
    news, expected = _cases()[index]
    assert headline(feed_with(news=news), today=NOW.date()) == expected


def test_one_new_reply_reads_in_the_singular():
    falls = CommunityFactory.build(name="Falls", slug="falls")
    active = FeedActive(4, falls, "Deprescribing statins", 1, NOW)
    assert headline(feed_with(news=[active]), today=NOW.date()) == (
        "Active: 1 new reply in Deprescribing statins"
    )


def test_an_archived_community_brings_no_discussion(client, discussed):
    discussed.community.status = "archived"
    discussed.community.save(update_fields=["status"])
    with time_machine.travel(NOW, tick=False):
        client.force_login(discussed.member)
        page = soup(client.get(reverse("home")))
    assert page.select_one(".app-home-new") is None
