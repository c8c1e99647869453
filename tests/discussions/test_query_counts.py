"""The discussion list and a discussion's page run as many queries with a lot of data as
with a little: the same number, for a member and for a convener, whatever the posts hold
(pinned, answered, hidden, safe-space names, quotes, mentions, helpful marks, followers)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions import selectors, services
from discussions.models import Discussion, Reply
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = 4, 25  # the large list runs onto a second page


def members(place, start, stop):
    return [
        MembershipFactory(community=place.community, user=UserFactory(name=f"Member {i}")).user
        for i in range(start, stop)
    ]


def add_discussions(place, start, stop):
    """Discussions number start to stop of every sort, each by a different member."""
    for i, author in enumerate(members(place, start, stop), start):
        discussion = services.discussion_start(
            community=place.community,
            author=author,
            kind=Discussion.Kind.QUESTION if i % 2 else Discussion.Kind.IDEA,
            title=f"Deprescribing question {i}",
            body=f"What do you do, @[Ben]({place.member.pk})?",
            is_safe_space=i % 3 == 0,
            author_hidden=i % 3 == 0,
        )
        if i % 4 == 3:
            reply = services.reply_add(discussion=discussion, author=place.member, body="This.")
            services.answer_mark(discussion=discussion, reply=reply, actor=author)
        if i == 2:
            services.discussion_pin(discussion=discussion, actor=place.convener, pinned=True)
        if i == 5:
            Discussion.objects.filter(pk=discussion.pk).update(is_hidden=True)


def safe_space_question(place):
    return services.discussion_start(
        community=place.community,
        author=place.author,
        kind=Discussion.Kind.QUESTION,
        title="Near miss with insulin",
        body="What happened at handover?",
        is_safe_space=True,
        author_hidden=True,
    )


def add_replies(place, discussion, start, stop):
    """Replies number start to stop, by different members, some with hidden names, each
    mentioning the one before and marked helpful; some followers mute it. The second
    reply is the answer, the fourth is hidden; all quote the first."""
    replies = list(discussion.replies.order_by("pk"))
    for i, person in enumerate(members(place, start, stop), start):
        other = replies[-1].author if replies else place.author
        replies.append(
            services.reply_add(
                discussion=discussion,
                author=person,
                body=f"As @[{other.name}]({other.pk}) said, check the pen.",
                quote=replies[0] if replies else None,
                author_hidden=i % 2 == 0,
            )
        )
        services.helpful_toggle(reply=replies[-1], user=place.member)
        services.follow_set(discussion=discussion, user=other, state="mute" if i % 5 else "follow")
        if i == 1:
            services.answer_mark(discussion=discussion, reply=replies[-1], actor=place.author)
        if i == 3:
            Reply.objects.filter(pk=replies[-1].pk).update(is_hidden=True)


def queries(client, place, url):
    """The queries of the page for a member and for a convener, each the second time
    (a convener's first view of hidden names writes its audit entry once a day)."""
    counts = []
    for person in (place.member, place.convener):
        client.force_login(person)
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured))
    return counts


@pytest.mark.parametrize("query", ["", "?show=unanswered", "?page=2"])
def test_the_list_runs_the_same_queries_however_many_discussions(client, place, query):
    url = reverse("discussions:list", args=[place.community.slug]) + query
    add_discussions(place, 0, SMALL)
    small = queries(client, place, url)
    add_discussions(place, SMALL, LARGE)
    assert queries(client, place, url) == small


@pytest.mark.parametrize("query", ["", "?page=2"])
def test_a_discussion_runs_the_same_queries_however_many_replies(client, place, monkeypatch, query):
    monkeypatch.setattr(selectors, "REPLIES_PER_PAGE", 3)  # both sizes run onto pages
    discussion = safe_space_question(place)
    url = discussion.get_absolute_url() + query
    add_replies(place, discussion, 0, SMALL)
    small = queries(client, place, url)
    add_replies(place, discussion, SMALL, LARGE)
    assert discussion.replies.count() == LARGE
    assert queries(client, place, url) == small
