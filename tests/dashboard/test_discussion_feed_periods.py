"""New replies when the people of one digest batch have different periods: each counts the
replies after their own moment, before or after the others' moments alike (a reply at the
moment itself is not new, one at the end of the period is), never a hidden reply nor one
after the end; a discussion started between two people's moments is new to one of them
and, with replies since, active for the other."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from communities.moderation.services import content_hide
from dashboard.updates import updates_for
from tests.dashboard.test_discussion_feed import reply, start
from tests.discussions.conftest import place_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=7)
DAY = timedelta(days=1)


def news(feed):
    return [
        (item.kind, item.title, getattr(item, "replies", None))
        for group in feed["groups"]
        for item in group.items
    ]


def test_each_person_of_a_batch_counts_from_their_own_moment():
    place = place_of()
    older = start(place, "Deprescribing statins", at=NOW - timedelta(days=40))
    reply(older, place.author, at=WEEK_AGO)  # at the first moment: new to nobody
    for days in (1, 2, 3, 4):
        reply(older, place.author, at=WEEK_AGO + days * DAY)
    hidden = reply(older, place.convener, at=WEEK_AGO + 2.5 * DAY)
    reply(older, place.convener, at=NOW)  # at the end of the period: new to everyone
    reply(older, place.convener, at=NOW + timedelta(minutes=1))  # after it: to nobody
    newer = start(place, "Night-time covert medication", at=WEEK_AGO + 1.5 * DAY)
    last_newer_reply = reply(newer, place.author, at=WEEK_AGO + 3.5 * DAY)
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        content_hide(target=hidden, actor=place.convener, reason="Off topic")
    first, second, third = (
        MembershipFactory(community=place.community, user=UserFactory()).user for _ in range(3)
    )
    since = {
        first.pk: WEEK_AGO,
        second.pk: WEEK_AGO + 2 * DAY,  # a reply's own moment
        third.pk: WEEK_AGO + 4 * DAY,  # the last moment of the batch, a reply's too
    }

    with time_machine.travel(NOW, tick=False):
        feeds = updates_for([first, second, third], since_by_user=since, now=NOW)

    assert news(feeds[first.pk]) == [
        ("discussion", "Night-time covert medication", None),
        ("active", "Deprescribing statins", 5),
    ]
    assert news(feeds[second.pk]) == [
        ("active", "Deprescribing statins", 3),
        ("active", "Night-time covert medication", 1),
    ]
    assert news(feeds[third.pk]) == [("active", "Deprescribing statins", 1)]
    (group,) = feeds[second.pk]["groups"]
    assert (group.discussions, group.active, group.replies) == (0, 2, 4)
    newest = {item.title: item.created_at for item in group.items}
    assert newest == {
        "Deprescribing statins": NOW,
        "Night-time covert medication": last_newer_reply.created_at,
    }
