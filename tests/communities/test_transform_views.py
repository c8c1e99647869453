"""Archive, merge and split through their screens: each says what will happen, asks for a
confirmation before anything changes, and is for the community's conveners and staff."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import Community, Membership
from knowledge.models import Resource
from meetings.models import ActionItem, Meeting, Minutes
from tests.conftest import field_error, soup
from tests.factories import (
    ActionItemFactory,
    CommunityFactory,
    ConvenedCommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def text(node):
    return " ".join(node.get_text(" ").split())


@pytest.fixture
def falls(client):
    """Falls Group, convened by the signed-in client, with members, a future meeting, two
    resources and an open action point; and Frailty Group, which the client also convenes."""
    community = ConvenedCommunityFactory(name="Falls Group", slug="falls", members=3)
    lead = community.lead
    start = timezone.now() + timedelta(days=9)
    meeting = MeetingFactory(community=community, title="Falls huddle", starts_at=start)
    past = MeetingFactory(
        community=community,
        title="Last huddle",
        starts_at=start - timedelta(days=60),
        ends_at=start - timedelta(days=60, hours=-1),
    )
    ActionItemFactory(meeting=past, description="Audit falls")
    resources = [ResourceFactory(community=community, title=t) for t in ("Guide", "Poster")]
    target = ConvenedCommunityFactory(name="Frailty Group", slug="frailty", lead=lead)
    client.force_login(lead)
    client.community, client.lead, client.target = community, lead, target
    client.members, client.meeting, client.resources = community.members, meeting, resources
    return client


def url(name, community):
    return reverse(f"communities:{name}", args=[community.slug])


def test_the_transform_page_offers_three_screens(falls):
    page = soup(falls.get(url("transform", falls.community)))
    links = [a["href"] for a in page.select("main .nhsuk-card__link")]
    assert links == [
        url("transform_archive", falls.community),
        url("transform_merge", falls.community),
        url("transform_split", falls.community),
    ]
    assert (
        "4 members, 1 future meeting, 2 resources, 0 discussions and 1 open action point"
        in text(page)
    )
    assert page.select("main form") == []  # a choice, not a form of every field at once


def test_archive_says_what_will_happen_then_asks_to_confirm(falls):
    community = falls.community
    page = soup(falls.get(url("transform_archive", community)))
    assert "1 future meeting is cancelled" in text(page.select_one(".app-outcome"))

    page = soup(falls.post(url("transform_archive", community), {"note": ""}))
    assert field_error(page, "id_note") == "Say what becomes of the community"

    page = soup(falls.post(url("transform_archive", community), {"note": "Ended well."}))
    assert page.select_one("h1").get_text() == "Archive Falls Group?"
    assert "Ended well." in text(page.select_one(".app-answers"))
    community.refresh_from_db()
    assert not community.is_archived  # nothing happens before the confirmation

    response = falls.post(
        url("transform_archive", community), {"note": "Ended well.", "confirm": "yes"}
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.is_archived and community.archive_note == "Ended well."


def test_change_your_answers_goes_back_to_the_form_with_them(falls):
    page = soup(
        falls.post(url("transform_archive", falls.community), {"note": "Draft", "change": "yes"})
    )
    assert page.select_one("textarea[name=note]").get_text().strip() == "Draft"
    falls.community.refresh_from_db()
    assert not falls.community.is_archived


def test_merge_needs_no_note_and_names_what_moves_where(falls):
    community, target = falls.community, falls.target
    page = soup(falls.post(url("transform_merge", community), {"into": target.pk, "note": ""}))
    assert page.select_one("h1").get_text() == "Merge Falls Group into Frailty Group?"
    outcome = text(page.select_one(".app-outcome"))
    assert (
        "4 members, 1 future meeting, 2 resources, 0 discussions and 1 open action point will move to "
        "Frailty Group" in outcome
    )
    assert not Community.objects.get(pk=community.pk).is_archived

    response = falls.post(
        url("transform_merge", community), {"into": target.pk, "note": "", "confirm": "yes"}
    )
    assert response.url == reverse("communities:detail", args=[target.slug])
    community.refresh_from_db()
    assert community.merged_into == target
    assert Resource.objects.filter(community=target).count() == 2


def test_merge_only_into_a_community_the_convener_convenes(falls):
    other = CommunityFactory(name="Sepsis Group")
    MembershipFactory(community=other, user=falls.lead)  # a member, not its convener
    page = soup(falls.get(url("transform_merge", falls.community)))
    options = [o.get_text() for o in page.select("select[name=into] option")]
    assert options == ["Choose a community", "Frailty Group"]
    page = soup(
        falls.post(
            url("transform_merge", falls.community),
            {"into": other.pk, "note": "", "confirm": "yes"},
        )
    )
    assert field_error(page, "id_into") == "Choose one of the communities you convene"
    falls.community.refresh_from_db()
    assert not falls.community.is_archived


def test_staff_may_merge_into_any_active_community(client, falls):
    staff = UserFactory(is_staff=True)
    other = CommunityFactory(name="Sepsis Group")
    client.force_login(staff)
    response = client.post(
        url("transform_merge", falls.community), {"into": other.pk, "confirm": "yes"}
    )
    assert response.status_code == 302
    falls.community.refresh_from_db()
    assert falls.community.merged_into == other


def test_split_lets_the_convener_choose_members_meetings_and_resources(falls, mailoutbox):
    community = falls.community
    page = soup(falls.get(url("transform_split", community)))
    members = [text(label) for label in page.select("label[for^=id_members_]")]
    assert sorted(name.split(",")[0] for name in members) == sorted(
        m.name for m in falls.members
    )  # everyone but the convener, who convenes the new one
    assert [text(label) for label in page.select("label[for^=id_resources_]")] == [
        "Guide",
        "Poster",
    ]
    assert len(page.select("input[name=meetings]")) == 1

    chosen, guide = falls.members[0], falls.resources[0]
    data = {
        "new_name": "Hip Fracture Group",
        "new_slug": "hip-fracture",
        "new_domain": "Recovery after a hip fracture.",
        "note": "",
        "members": [chosen.pk],
        "meetings": [falls.meeting.pk],
        "resources": [guide.pk],
    }
    page = soup(falls.post(url("transform_split", community), data))
    answers = text(page.select_one(".app-answers"))
    assert chosen.name in answers and "Guide" in answers and "Poster" not in answers
    assert not Community.objects.filter(slug="hip-fracture").exists()

    response = falls.post(url("transform_split", community), {**data, "confirm": "yes"})
    new = Community.objects.get(slug="hip-fracture")
    assert response.url == reverse("communities:detail", args=[new.slug])
    assert list(new.invitations.values_list("email", flat=True)) == [chosen.email]
    assert Meeting.objects.get(pk=falls.meeting.pk).community == new
    assert Resource.objects.get(pk=guide.pk).community == new
    assert Resource.objects.get(pk=falls.resources[1].pk).community == community


def test_split_refuses_a_taken_address_next_to_the_field(falls):
    page = soup(
        falls.post(
            url("transform_split", falls.community),
            {"new_name": "New", "new_slug": "frailty", "new_domain": "x", "confirm": "yes"},
        )
    )
    assert field_error(page, "id_new_slug") == "This web address is taken: choose another one"
    page = soup(
        falls.post(
            url("transform_split", falls.community),
            {"new_name": "New", "new_slug": "hip fracture", "new_domain": "x"},
        )
    )
    assert field_error(page, "id_new_slug") == (
        "Use only letters, numbers and hyphens in the web address"
    )


@pytest.mark.parametrize("role", [Membership.Role.MEMBER, Membership.Role.CORE])
def test_only_conveners_see_the_screens(client, falls, role):
    person = MembershipFactory(community=falls.community, role=role).user
    client.force_login(person)
    for name in ("transform", "transform_archive", "transform_merge", "transform_split"):
        assert client.get(url(name, falls.community)).status_code == 404, name


def test_an_archived_community_offers_no_transform(falls):
    services.community_archive(community=falls.community, actor=falls.lead, note="Ended.")
    for name in ("transform", "transform_archive", "transform_merge", "transform_split"):
        response = falls.get(url(name, falls.community))
        assert response.url == reverse("communities:detail", args=["falls"]), name


# --- an archived community's pages ------------------------------------------------------------


@pytest.fixture
def merged(falls):
    services.community_merge(community=falls.community, into=falls.target, actor=falls.lead)
    return falls


@pytest.mark.parametrize(
    "name, to",
    [
        ("communities:detail", "/communities/frailty/"),
        ("communities:members", "/communities/frailty/members/"),
        ("communities:charter", "/communities/frailty/charter/"),
        ("meetings:community_list", "/communities/frailty/meetings/"),
        ("knowledge:community_library", "/communities/frailty/library/"),
        ("knowledge:story_create", "/communities/frailty/stories/new/"),
    ],
)
def test_a_merged_communitys_pages_lead_to_the_target(merged, name, to):
    response = merged.get(reverse(name, args=["falls"]) + "?page=2")
    assert response.status_code == 302 and response.url == f"{to}?page=2"


def test_a_former_member_of_a_private_merged_community_is_led_on(client, falls):
    Community.objects.filter(pk=falls.community.pk).update(visibility="private")
    falls.community.refresh_from_db()
    member = falls.members[0]
    services.community_merge(community=falls.community, into=falls.target, actor=falls.lead)
    client.force_login(member)
    assert client.get("/communities/falls/").url == "/communities/frailty/"
    # Someone who never belonged learns nothing of it.
    client.force_login(UserFactory())
    assert client.get("/communities/falls/").status_code == 404


def test_who_cannot_see_the_target_sees_the_archived_record(client, falls):
    Community.objects.filter(pk=falls.target.pk).update(visibility="private")
    services.community_merge(community=falls.community, into=falls.target, actor=falls.lead)
    client.logout()
    response = client.get("/communities/falls/")
    assert response.status_code == 200
    caption = text(soup(response).select_one(".nhsuk-caption-l"))
    assert caption.endswith("Archived: merged into Frailty Group")
    assert "phase" not in caption


def test_an_archived_community_says_so_instead_of_a_story_form(client, falls):
    services.community_archive(community=falls.community, actor=falls.lead, note="Ended.")
    client.force_login(falls.members[0])
    response = client.get(reverse("knowledge:story_create", args=["falls"]))
    page = soup(response)
    assert response.status_code == 200 and page.select("main form") == []
    assert "Falls Group is archived" in text(page.select_one("main"))


def test_an_archived_community_says_so_before_anyone_joins(client, falls):
    services.community_archive(community=falls.community, actor=falls.lead, note="Ended.")
    client.force_login(UserFactory())
    for response in (
        client.get(url("join", falls.community)),
        client.post(url("join", falls.community), {"note": "Let me in"}),
    ):
        page = soup(response)
        assert page.select("main form") == [] and "is archived" in text(page.select_one("main"))
    assert not Membership.objects.filter(community=falls.community, status="requested").exists()


@pytest.mark.parametrize(
    "name", ["transform", "transform_archive", "transform_merge", "transform_split"]
)
def test_the_screens_add_no_query_per_member_meeting_or_resource(falls, name):
    """The screens count, and the split lists members, meetings and resources: none of them
    asks the database once per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert falls.get(url(name, falls.community)).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    start = timezone.now() + timedelta(days=20)
    for n in range(5):
        MembershipFactory(community=falls.community)
        ResourceFactory(community=falls.community)
        MeetingFactory(
            community=falls.community,
            title=f"Huddle {n}",
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, hours=1),
        )
    assert queries() == few


def test_the_merged_record_stays_readable_to_the_members_it_moved(client, falls):
    """Past meetings stay with the merged community; the people who moved still read them,
    and the action points carried into the target from their minutes."""
    past = Meeting.objects.get(title="Last huddle")
    MinutesFactory(meeting=past, status=Minutes.Status.PUBLISHED, published_at=timezone.now())
    owner = falls.members[0]
    ActionItem.objects.filter(meeting=past).update(owner=owner)
    services.community_merge(community=falls.community, into=falls.target, actor=falls.lead)
    client.force_login(owner)
    assert client.get(reverse("meetings:detail", args=[past.pk])).status_code == 200
    assert "Audit falls" in text(soup(client.get(reverse("meetings:my_actions"))))
    client.force_login(UserFactory())
    assert client.get(reverse("meetings:detail", args=[past.pk])).status_code == 404
