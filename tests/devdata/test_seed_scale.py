"""seed_scale at a tiny scale: the counts asked for, the invariants the services keep, and
pages that render for the people it makes."""

from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from communities.models import Community, Membership, Network
from devdata.scale import EMAIL_DOMAIN, SCALE_PASSWORD, SLUG_PREFIX, Counts, scale_reset
from discussions.models import Discussion, Reply
from knowledge.models import Adoption, Resource, UsefulMark
from knowledge.selectors import resource_list
from meetings.models import CalendarFeed, Meeting, Registration
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SCALE = "0.002"


def seed(*args):
    out = StringIO()
    call_command("seed_scale", "--scale", SCALE, "--seed", "7", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed()


def largest_community():
    return (
        Community.objects.filter(slug__startswith=SLUG_PREFIX)
        .annotate(n=Count("memberships", filter=Q(memberships__status="active")))
        .order_by("-n")
        .first()
    )


def active_membership(**where):
    return Membership.objects.filter(status="active", **where)


def active_members(community):
    return community.memberships.filter(status="active").count()


def test_counts_are_those_asked_for(seeded):
    counts = Counts.for_scale(float(SCALE))
    assert User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).count() == counts.users
    assert Network.objects.filter(slug__startswith=SLUG_PREFIX).count() == counts.networks
    assert Community.objects.filter(slug__startswith=SLUG_PREFIX).count() == counts.communities
    assert Meeting.objects.count() == counts.meetings
    assert Resource.objects.count() == counts.resources
    assert Adoption.objects.count() == counts.adoptions
    # Memberships and registrations are bounded by who can belong and who may register.
    assert 0.8 * counts.memberships <= Membership.objects.count() <= counts.memberships
    assert 0.9 * counts.registrations <= Registration.objects.count() <= 1.05 * counts.registrations
    # Every stage reported itself, and the largest community is named.
    for stage in ("people", "memberships", "meetings", "registrations", "resources"):
        assert f"  {stage} " in seeded
    # The largest community it names is one with the most active members.
    named = seeded.split("Largest community: ")[1].split()[0]
    assert active_members(Community.objects.get(slug=named)) == active_members(largest_community())


def test_every_community_has_an_active_convener_and_members_joined_after_signing_up(seeded):
    communities = Community.objects.filter(slug__startswith=SLUG_PREFIX)
    assert not communities.exclude(
        memberships__role="convener", memberships__status="active"
    ).exists()
    assert not Membership.objects.filter(joined_at__lt=F("user__date_joined")).exists()
    assert not Membership.objects.filter(status="active", joined_at__isnull=True).exists()
    assert not Membership.objects.filter(status="requested", requested_at__isnull=True).exists()
    # Everyone can sign in: a verified, primary address (verification is mandatory).
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == User.objects.count()
    assert Network.managers.through.objects.exists()


def test_registrations_respect_capacity_and_the_waiting_list(seeded):
    meetings = Meeting.objects.annotate(
        registered=Count("registrations", filter=Q(registrations__status="registered")),
        waiting=Count("registrations", filter=Q(registrations__status="waiting")),
    )
    assert not meetings.filter(capacity__isnull=False, registered__gt=F("capacity")).exists()
    # A waiting list only when the meeting is full.
    assert not meetings.filter(waiting__gt=0, capacity__isnull=True).exists()
    assert not meetings.filter(waiting__gt=0, registered__lt=F("capacity")).exists()
    assert meetings.filter(waiting__gt=0).exists()
    assert not Registration.objects.filter(status="waiting", waiting_since__isnull=True).exists()
    # People register for meetings of communities they are active members of.
    member = active_membership(user=OuterRef("user"), community=OuterRef("meeting__community"))
    outsiders = Registration.objects.filter(meeting__community__isnull=False).exclude(
        Exists(member)
    )
    assert not outsiders.exists()
    # Attendance only for meetings that took place.
    now = timezone.now()
    assert not Registration.objects.filter(attended__isnull=False, meeting__ends_at__gt=now)
    # Meetings over the past year and the next three months.
    assert not Meeting.objects.filter(starts_at__lt=now - timedelta(days=366)).exists()
    assert not Meeting.objects.filter(starts_at__gt=now + timedelta(days=92)).exists()
    assert Meeting.objects.filter(starts_at__gt=now).exists()


def test_library_counters_and_search(seeded):
    resources = Resource.objects.annotate(
        n_adoptions=Count("adoptions", distinct=True), n_marks=Count("useful_marks", distinct=True)
    )
    assert not resources.exclude(adoption_count=F("n_adoptions")).exists()
    assert not resources.exclude(useful_count=F("n_marks")).exists()
    assert UsefulMark.objects.exists()
    # As adoption_record requires: an organisation or a community, and a community only
    # one the person is an active member of.
    assert not Adoption.objects.filter(organisation__isnull=True, community__isnull=True)
    member = active_membership(user=OuterRef("adopted_by"), community=OuterRef("community"))
    assert not Adoption.objects.filter(community__isnull=False).exclude(Exists(member)).exists()
    if connection.vendor == "postgresql":
        assert not Resource.objects.filter(search_vector__isnull=True).exists()
    member = Membership.objects.filter(status="active", role="member").first().user
    visible, _ = resource_list(user=member)
    common, _ = resource_list(user=member, q="medicines")
    assert common.count() > visible.count() / 2
    assert resource_list(user=member, q="zebra")[0].count() == 0


def test_pages_render_for_a_seeded_member(client, seeded):
    community = largest_community()
    person = (
        Membership.objects.filter(community=community, status="active", role="member").first().user
    )
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": SCALE_PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("home")
    meeting = community.meetings.filter(starts_at__gt=timezone.now()).first()
    feed = CalendarFeed.objects.filter(user__email__endswith="@" + EMAIL_DOMAIN).first()
    for url in [
        reverse("home"),
        reverse("communities:list"),
        reverse("communities:detail", args=[community.slug]),
        reverse("communities:members", args=[community.slug]),
        reverse("knowledge:search") + "?q=medicines",
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:personal_feed", args=[feed.token]),
    ]:
        assert client.get(url).status_code == 200, url
    manager = Network.objects.filter(slug__startswith=SLUG_PREFIX).first().managers.first()
    client.force_login(manager)
    assert client.get(reverse("dashboard:programme")).status_code == 200


def test_refuses_a_second_run_and_reset_removes_only_scale_data():
    other = UserFactory(email="someone@example.org")
    MembershipFactory(community=CommunityFactory(slug="not-scale"), user=other)
    seed()
    names = sorted(Community.objects.filter(slug__startswith=SLUG_PREFIX).values_list("name"))
    with pytest.raises(CommandError, match="--reset"):
        seed()
    seed("--reset")
    # The same seed makes the same data; what was there before stays.
    assert (
        sorted(Community.objects.filter(slug__startswith=SLUG_PREFIX).values_list("name")) == names
    )
    assert User.objects.filter(pk=other.pk).exists()
    assert Community.objects.filter(slug="not-scale").exists()
    scale_reset()
    assert not User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).exists()
    assert not Community.objects.filter(slug__startswith=SLUG_PREFIX).exists()
    assert not Registration.objects.exists()
    assert not Discussion.objects.exists() and not Reply.objects.exists()
    assert not Notification.objects.exists()
    assert Membership.objects.filter(user=other).count() == 1


def test_the_communities_copies_are_right_after_seeding(seeded):
    """seed_scale writes memberships around the services: it rebuilds the figures each
    community page shows and the member names the member list is ordered by."""
    from communities.models import CommunityFigures
    from communities.selectors import community_figures_compute

    ids = list(Community.objects.values_list("pk", flat=True))
    stored = {
        row["community_id"]: row["member_count"]
        for row in CommunityFigures.objects.values("community_id", "member_count")
    }
    fresh = community_figures_compute(ids)
    assert stored == {pk: fresh[pk]["member_count"] for pk in ids}
    assert not Membership.objects.exclude(member_name=F("user__name")).exists()


def test_the_seeded_data_keeps_the_owning_apps_invariants(seeded):
    """Checked with each owning app's own code: the stored figures, the search vectors,
    each adoption's copy of its resource's community and the waiting lists' order."""
    from communities.models import CommunityFigures
    from communities.selectors import community_figures_compute
    from knowledge.services import search_vector_update
    from meetings.selectors import meeting_detail
    from meetings.services import registration_cancel

    ids = list(Community.objects.values_list("pk", flat=True))
    fresh = community_figures_compute(ids)
    fields = sorted(fresh[ids[0]])
    stored = {row["community_id"]: row for row in CommunityFigures.objects.values()}
    assert {pk: {f: stored[pk][f] for f in fields} for pk in ids} == fresh

    vectors = dict(Resource.objects.values_list("pk", "search_vector"))
    search_vector_update(resource_ids=list(vectors))
    assert dict(Resource.objects.values_list("pk", "search_vector")) == vectors

    copies = list(Adoption.objects.values_list("resource_community_id", "resource__community_id"))
    assert copies and all(copy == source for copy, source in copies)
    assert any(source is None for _, source in copies)  # a network's resource: no community

    waiting = Registration.objects.filter(status="waiting").select_related("user", "meeting")
    meetings = {r.meeting for r in waiting}
    assert meetings
    for meeting in meetings:
        # Positions follow the meetings app's order: first come, first served.
        queue = sorted(meeting.registrations.filter(status="waiting"), key=lambda r: r.created_at)
        positions = [
            meeting_detail(meeting=meeting, user=r.user)["waiting_position"] for r in queue
        ]
        assert positions == list(range(1, len(queue) + 1))
    upcoming = next(m for m in meetings if m.starts_at > timezone.now())
    first = min(upcoming.registrations.filter(status="waiting"), key=lambda r: r.created_at)
    registration_cancel(registration=upcoming.registrations.filter(status="registered").first())
    first.refresh_from_db()
    assert first.status == "registered"
