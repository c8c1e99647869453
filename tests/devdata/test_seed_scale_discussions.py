"""seed_scale's discussions at a tiny scale: the counts asked for, the figures the
discussions services keep, who wrote, marked, followed and was mentioned, the notifications
in the discussions app's own words, and the pages the benchmark opens."""

from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import Notification, User
from communities.models import Membership
from devdata.scale import SCALE_PASSWORD, Counts
from devdata.scale.counts import BIG_THREAD_REPLIES
from discussions import permissions, services
from discussions.mentions import mentioned_ids
from discussions.models import Discussion, Follow, Helpful, Mention, Reply
from discussions.search import search_page

pytestmark = pytest.mark.django_db

SCALE = "0.002"


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_scale", "--scale", SCALE, "--seed", "7", stdout=out)
    return out.getvalue()


def member_of(community, user_field):
    """An active membership of `user_field`'s person in `community` (expressions)."""
    return Membership.objects.filter(
        community=OuterRef(community), user=OuterRef(user_field), status="active"
    )


def test_counts_and_the_figures_the_services_keep(seeded):
    counts = Counts.for_scale(float(SCALE))
    assert Discussion.objects.count() == counts.discussions
    assert Reply.objects.count() == counts.replies
    # reply_count and last_activity_at as reply_add keeps them; helpful_count as
    # helpful_toggle keeps it.
    discussions = Discussion.objects.annotate(
        n=Count("replies"), latest=Coalesce(Max("replies__created_at"), F("created_at"))
    )
    assert not discussions.exclude(reply_count=F("n")).exists()
    assert not discussions.exclude(last_activity_at=F("latest")).exists()
    replies = Reply.objects.annotate(n=Count("helpful_marks"))
    assert not replies.exclude(helpful_count=F("n")).exists()
    assert Helpful.objects.exists()
    for stage in ("discussions", "discussion activity", "discussion notifications"):
        assert f"  {stage} " in seeded


def test_replies_are_numbered_in_time_order_across_threads(seeded):
    """As a live database numbers them, and stores them: a search or a feed of the last
    weeks reads the table's last pages, not pages spread over all of it."""
    times = list(Reply.objects.order_by("pk").values_list("created_at", flat=True))
    assert len(times) > 100
    assert times == sorted(times)
    # ...and not one thread after another: threads interleave.
    threads = list(Reply.objects.order_by("pk").values_list("discussion_id", flat=True))
    changes = sum(a != b for a, b in pairwise(threads))
    assert changes > len(set(threads))
    if connection.vendor == "postgresql":  # stored in that order too, after the vectors
        with connection.cursor() as cursor:
            for table in ("discussions_reply", "discussions_discussion"):
                cursor.execute(f"SELECT id FROM {table} ORDER BY ctid")  # noqa: S608
                stored = [pk for (pk,) in cursor.fetchall()]
                assert stored == sorted(stored), table


def test_the_long_thread_is_in_the_largest_community_and_named(seeded):
    thread = Discussion.objects.order_by("-reply_count").first()
    assert thread.reply_count >= BIG_THREAD_REPLIES
    assert not thread.is_hidden and not thread.is_safe_space
    largest = (
        Membership.objects.filter(status="active")
        .values("community")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert largest["n"] == thread.community.memberships.filter(status="active").count()
    assert reverse("discussions:detail", args=[thread.pk]) in seeded


def test_everyone_who_takes_part_is_an_active_member(seeded):
    checks = [
        Discussion.objects.exclude(Exists(member_of("community", "author"))),
        Reply.objects.exclude(Exists(member_of("discussion__community", "author"))),
        Helpful.objects.exclude(Exists(member_of("reply__discussion__community", "user"))),
        Follow.objects.exclude(Exists(member_of("discussion__community", "user"))),
        Mention.objects.exclude(Exists(member_of("discussion__community", "user"))),
    ]
    for outsiders in checks:
        assert not outsiders.exists(), outsiders.model
    assert not Helpful.objects.filter(user=F("reply__author")).exists()
    # The author and every replier follow, as starting and replying do.
    follows = Follow.objects.filter(discussion=OuterRef("discussion"), user=OuterRef("author"))
    assert not Reply.objects.exclude(Exists(follows)).exists()
    follows = Follow.objects.filter(discussion=OuterRef("pk"), user=OuterRef("author"))
    assert not Discussion.objects.exclude(Exists(follows)).exists()


def test_safe_spaces_hidden_names_and_answers(seeded):
    safe = Discussion.objects.filter(is_safe_space=True)
    assert 0 < safe.count() < Discussion.objects.count() / 5
    assert safe.filter(author_hidden=True).exists()
    assert Reply.objects.filter(author_hidden=True).exists()
    # A name is hidden from members only in a safe space.
    assert not Discussion.objects.filter(is_safe_space=False, author_hidden=True).exists()
    assert not Reply.objects.filter(discussion__is_safe_space=False, author_hidden=True).exists()
    answered = Discussion.objects.filter(answer__isnull=False)
    assert answered.exists()
    # The answer is a shown reply of its own question (answer_mark's rules).
    assert not answered.exclude(kind=Discussion.Kind.QUESTION).exists()
    assert not answered.exclude(answer__discussion=F("pk")).exists()
    assert not answered.filter(answer__is_hidden=True).exists()
    quoted = Reply.objects.filter(quote__isnull=False)
    assert quoted.exists()
    assert not quoted.exclude(quote__discussion=F("discussion")).exists()


def test_mentions_point_at_members_who_may_see_and_are_in_the_text(seeded):
    mentions = list(Mention.objects.select_related("reply", "user", "discussion__community"))
    assert mentions
    replies = Reply.objects.count()
    assert 0.02 * replies <= len({m.reply_id for m in mentions}) <= 0.1 * replies
    for mention in mentions:
        assert mention.reply is not None
        assert mention.user_id in mentioned_ids(mention.reply.body)
        assert mention.user_id != mention.reply.author_id
        assert permissions.can_view_discussion(mention.user, mention.discussion)


def test_notifications_are_those_the_discussions_app_sends(seeded):
    rows = Notification.objects.filter(group_key__startswith="discussion:")
    assert rows.filter(kind="followed_reply").exists() and rows.filter(kind="mention").exists()
    assert rows.filter(read_at__isnull=True).exists() and rows.filter(read_at__isnull=False)
    # Nobody is told of their own reply; a safe space names nobody and no title.
    assert not rows.filter(actor=F("recipient")).exists()
    safe_keys = [
        f"discussion:{pk}"
        for pk in Discussion.objects.filter(is_safe_space=True).values_list("pk", flat=True)
    ]
    safe = rows.filter(group_key__in=safe_keys)
    assert not safe.filter(actor__isnull=False).exists()
    assert not safe.exclude(group_title__startswith="A discussion in ").exists()
    assert not rows.exclude(group_key__in=safe_keys).filter(
        group_title__startswith="A discussion in "
    )
    # A new reply through the service tells the same kind of people in the same words (a
    # safe space's too, when this small world's last week has a reply in one: how many do
    # depends on the order the database hands rows to the planner).
    followed = rows.filter(kind="followed_reply")
    samples = [followed.exclude(pk__in=safe).first(), followed.filter(pk__in=safe).first()]
    for sample in filter(None, samples):
        discussion = Discussion.objects.get(pk=sample.group_key.split(":")[1])
        assert discussion.is_safe_space is (sample.group_title.startswith("A discussion in "))
        Discussion.objects.filter(pk=discussion.pk).update(is_closed=False)
        discussion.refresh_from_db()
        replier = (
            Membership.objects.filter(community=discussion.community, status="active")
            .exclude(user_id=discussion.author_id)
            .first()
            .user
        )
        reply = services.reply_add(discussion=discussion, author=replier, body="Thank you.")
        fresh = Notification.objects.filter(dedupe=f"reply:{reply.pk}", kind="followed_reply")
        assert fresh.exists()
        for row in fresh:
            assert (row.group_key, row.group_title, row.text, row.channel) == (
                sample.group_key,
                sample.group_title,
                sample.text,
                sample.channel,
            )


def test_the_search_vectors_are_the_discussions_apps_and_find_posts(seeded):
    discussions = dict(Discussion.objects.values_list("pk", "search_vector"))
    replies = dict(Reply.objects.values_list("pk", "search_vector"))
    services.search_vectors_update(discussion_ids=list(discussions), reply_ids=list(replies))
    assert dict(Discussion.objects.values_list("pk", "search_vector")) == discussions
    assert dict(Reply.objects.values_list("pk", "search_vector")) == replies
    if connection.vendor == "postgresql":
        assert None not in discussions.values() and None not in replies.values()
    thread = Discussion.objects.order_by("-reply_count").first()
    member = thread.community.memberships.filter(status="active", role="member").first().user
    found = search_page(user=member, q="pharmacist")
    assert found.paginator.count > 0


def test_the_benchmarked_pages_render(client, seeded):
    thread = Discussion.objects.order_by("-reply_count").first()
    reader = (
        Membership.objects.filter(community=thread.community, status="active", role="member")
        .first()
        .user
    )
    response = client.post(
        reverse("account_login"), {"login": reader.email, "password": SCALE_PASSWORD}
    )
    assert response.status_code == 302
    list_url = reverse("discussions:list", args=[thread.community.slug])
    page = client.get(list_url)
    assert page.status_code == 200
    assert reverse("discussions:detail", args=[thread.pk]) in page.content.decode()
    assert client.get(thread.get_absolute_url()).status_code == 200
    notified = (
        User.objects.annotate(n=Count("notifications", filter=Q(notifications__read_at=None)))
        .order_by("-n")
        .first()
    )
    assert notified.n > 0
    client.force_login(notified)
    page = client.get(reverse("accounts:notifications"))
    assert page.status_code == 200
    latest = notified.notifications.order_by("-created_at", "-pk").first()
    assert reverse("accounts:notification_open", args=[latest.pk]) in page.content.decode()
