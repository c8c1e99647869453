"""Walk-ins at a meeting: conveners record any member present (registered or not) and a
guest without an account by name, organisation and e-mail; a guest who later verifies that
address on a new account finds the attendance on their record. Guests count once in every
attendance figure, are seen by conveners and staff only, exported, erased and retained."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import user_signed_up
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profession, User
from accounts.personal_data import HOLDERS, account_erase
from communities.models import Community
from dashboard.figures import headline
from meetings import selectors, services
from meetings.models import MeetingGuest, Registration
from tests.conftest import error_summary, field_error, link_in, soup
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
    meeting_scheduled,
)

pytestmark = pytest.mark.django_db


def held(community, *, hours_ago=2, title="Falls huddle"):
    start = timezone.now() - timedelta(hours=hours_ago)
    return services.meeting_record_past(
        actor=community.lead,
        community=community,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )


def record_guest(client, meeting, **data):
    return client.post(reverse("meetings:guest_new", args=[meeting.pk]), data)


def test_a_convener_records_an_unregistered_member_and_a_walk_in_guest(client, community):
    meeting = held(community)
    registered = MembershipFactory(community=community).user
    RegistrationFactory(meeting=meeting, user=registered, status="registered")
    unregistered = MembershipFactory(community=community, user__name="Uma Unregistered").user
    UserFactory(name="Otto Outsider")  # not a member: not offered in the list
    client.force_login(community.lead)

    page = soup(client.get(reverse("meetings:attendance", args=[meeting.pk])))
    offered = {
        label.get_text(strip=True)
        for label in page.select("#id_members label, label[for^=id_members_]")
    }
    assert "Uma Unregistered" in offered and "Otto Outsider" not in offered
    assert registered.name not in offered  # ticked in "Who attended" instead
    response = client.post(
        reverse("meetings:attendance", args=[meeting.pk]),
        {"members": [unregistered.pk], "walk_ins": ""},
    )
    assert response.status_code == 302
    walk_in = Registration.objects.get(meeting=meeting, user=unregistered)
    assert walk_in.attended and walk_in.walk_in

    response = record_guest(
        client,
        meeting,
        name="Gwen Guest",
        organisation="Example Care Home",
        email="Gwen@Example.org",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:attendance", args=[meeting.pk])
    guest = MeetingGuest.objects.get(meeting=meeting)
    assert (guest.name, guest.organisation, guest.email) == (
        "Gwen Guest",
        "Example Care Home",
        "gwen@example.org",
    )
    page = soup(client.get(reverse("meetings:attendance", args=[meeting.pk])))
    row = page.find("th", string="Gwen Guest").parent
    assert "Example Care Home" in row.get_text() and "gwen@example.org" in row.get_text()

    detail = soup(client.get(reverse("meetings:detail", args=[meeting.pk])))
    attended = detail.find("h3", string="Attended").find_next("p").get_text()
    assert "Uma Unregistered (walk-in)" in attended
    assert "Gwen Guest (Example Care Home, guest)" in attended
    counts = selectors.meeting_detail(meeting=meeting, user=community.lead)
    assert counts["attended_count"] == 2  # the unregistered member and the guest


def test_an_address_without_an_account_points_to_recording_a_guest(client, community):
    meeting = held(community)
    client.force_login(community.lead)
    page = soup(
        client.post(
            reverse("meetings:attendance", args=[meeting.pk]),
            {"walk_ins": "nobody@example.org"},
        )
    )
    assert field_error(page, "id_walk_ins") == (
        "No account has these addresses: nobody@example.org. Record each person as a guest "
        "instead, with their name and organisation"
    )
    assert page.find("a", string="Record a guest")["href"] == reverse(
        "meetings:guest_new", args=[meeting.pk]
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "id_name", "Enter the guest's name"),
        (
            {"name": "Gwen", "email": "not-an-address"},
            "id_email",
            "Enter an e-mail address in the correct format, like name@example.org",
        ),
    ],
)
def test_a_guest_needs_a_name_and_a_real_address(client, community, data, field, message):
    meeting = held(community)
    client.force_login(community.lead)
    page = soup(record_guest(client, meeting, **data))
    assert field_error(page, field) == message
    assert message in error_summary(page)
    assert not MeetingGuest.objects.exists()


def test_someone_with_an_account_is_a_walk_in_not_a_guest(client, community):
    meeting = held(community)
    member = MembershipFactory(community=community).user
    client.force_login(community.lead)
    page = soup(record_guest(client, meeting, name="Someone", email=member.email.upper()))
    assert field_error(page, "id_email") == (
        f"{member.email} belongs to an account: add them as a walk-in on the attendance page"
    )
    record_guest(client, meeting, name="Gwen Guest", email="gwen@example.org")
    page = soup(record_guest(client, meeting, name="Gwen again", email="gwen@example.org"))
    assert field_error(page, "id_email") == (
        "A guest with the address gwen@example.org is already recorded"
    )
    assert MeetingGuest.objects.count() == 1


def test_guests_are_recorded_only_once_the_meeting_has_started(client, community):
    meeting = meeting_scheduled(
        community=community, actor=community.lead, starts_in=timedelta(days=2), title="Next month"
    )
    client.force_login(community.lead)
    page = soup(record_guest(client, meeting, name="Too Early"))
    assert field_error(page, "id_name").startswith(
        "Attendance can be recorded once the meeting has started"
    )
    assert not MeetingGuest.objects.exists()


def test_only_the_meetings_conveners_record_or_remove_guests(client, community):
    meeting = held(community)
    guest = services.guest_record(meeting=meeting, actor=community.lead, name="Gwen Guest")
    member = MembershipFactory(community=community).user
    client.force_login(member)
    assert record_guest(client, meeting, name="Sneaky").status_code == 404
    remove = reverse("meetings:guest_remove", args=[meeting.pk, guest.pk])
    assert client.post(remove).status_code == 404
    other = CommunityFactory()
    other.lead = MembershipFactory(community=other, role="convener").user
    client.force_login(other.lead)
    assert client.get(remove).status_code == 404
    assert MeetingGuest.objects.count() == 1


def test_removing_a_guest_asks_first(client, community):
    meeting = held(community)
    guest = services.guest_record(meeting=meeting, actor=community.lead, name="Gwen Guest")
    client.force_login(community.lead)
    url = reverse("meetings:guest_remove", args=[meeting.pk, guest.pk])
    page = soup(client.get(url))
    assert page.find("h1").get_text(strip=True) == "Remove Gwen Guest from the guests?"
    assert MeetingGuest.objects.exists()
    response = client.post(url)
    assert response.status_code == 302 and not MeetingGuest.objects.exists()


def sign_up(client, email):
    organisation = OrganisationFactory()
    return client.post(
        reverse("account_signup"),
        {
            "name": "Gwen Guest",
            "email": email,
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "organisation": organisation.pk,
            "organisation_name": "",
            "profession": Profession.objects.get_or_create(name="Nurse")[0].pk,
            "region": "london",
        },
    )


@pytest.mark.eager_tasks
def test_a_guest_who_signs_up_finds_the_meeting_once_the_address_is_verified(
    client, community, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = held(community, hours_ago=30, title="Care homes huddle")
    services.guest_record(
        meeting=meeting, actor=community.lead, name="Gwen Guest", email="gwen@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_up(client, "GWEN@example.org").status_code == 302
    gwen = User.objects.get(email__iexact="gwen@example.org")
    # Not verified yet: anyone can type an address, so nothing is claimed.
    assert not Registration.objects.filter(user=gwen).exists()
    assert MeetingGuest.objects.get().user is None

    client.post(link_in(mailoutbox[-1], "/accounts/confirm-email/"))
    assert EmailAddress.objects.get(user=gwen).verified
    guest = MeetingGuest.objects.get()
    assert guest.user == gwen and guest.claimed_at is not None
    registration = Registration.objects.get(user=gwen, meeting=meeting)
    assert registration.attended and registration.walk_in

    client.force_login(gwen)
    page = soup(client.get(reverse("meetings:attended")))
    assert "Care homes huddle" in page.find("table").get_text()
    csv = client.get(reverse("meetings:attended") + "?format=csv").content.decode("utf-8-sig")
    assert "Care homes huddle" in csv
    # Counted once: as Gwen's registration now, no longer as a guest.
    assert selectors.meeting_detail(meeting=meeting, user=gwen)["attended_count"] == 1
    assert services.guests_claim(user=gwen, email="gwen@example.org") == 0  # once


def test_a_sign_up_with_an_address_verified_already_claims_at_once(community):
    meeting = held(community)
    services.guest_record(
        meeting=meeting, actor=community.lead, name="Sam Sso", email="sam@example.nhs.uk"
    )
    sam = UserFactory(email="sam@example.nhs.uk")  # verified, as single sign-on makes them
    user_signed_up.send(sender=User, request=None, user=sam)
    assert Registration.objects.get(user=sam, meeting=meeting).attended
    unverified = UserFactory(email="una@example.org", verified=False)
    services.guest_record(
        meeting=meeting, actor=community.lead, name="Una", email="una2@example.org"
    )
    user_signed_up.send(sender=User, request=None, user=unverified)
    assert not Registration.objects.filter(user=unverified).exists()


def test_guests_count_once_in_the_programme_figures(community):
    meeting = held(community, hours_ago=48)
    member = MembershipFactory(community=community).user
    services.attendance_record(
        meeting=meeting, actor=community.lead, attended_ids=[], walk_in_users=[member]
    )
    services.guest_record(meeting=meeting, actor=community.lead, name="Gwen", email="g@example.org")
    services.guest_record(meeting=meeting, actor=community.lead, name="Hal")
    since = timezone.now() - timedelta(days=30)
    qs = Community.objects.filter(pk=community.pk)

    def attendance():
        return headline([{"community": community}], qs, since=since)["attendance"]

    assert attendance() == 3
    gwen = UserFactory(email="g@example.org")
    services.guests_claim(user=gwen, email="g@example.org")
    assert attendance() == 3  # Gwen is counted as herself now, not twice


def test_a_claimed_guest_is_in_the_export_and_goes_with_the_account(community):
    meeting = held(community)
    services.guest_record(
        meeting=meeting,
        actor=community.lead,
        name="Gwen Guest",
        organisation="Example Care Home",
        email="gwen@example.org",
    )
    gwen = UserFactory(email="gwen@example.org")
    services.guests_claim(user=gwen, email="gwen@example.org")
    exported = HOLDERS["meetings"].export(gwen)["guest_attendance"]
    assert [(row["name"], row["organisation"], row["meeting__title"]) for row in exported] == [
        ("Gwen Guest", "Example Care Home", "Falls huddle")
    ]
    recorded = HOLDERS["meetings"].export(community.lead)["guests_you_recorded"]
    assert [row["meeting__title"] for row in recorded] == ["Falls huddle"]
    assert "name" not in recorded[0]  # the guest's details are the guest's
    account_erase(user=gwen, actor=None)
    assert not MeetingGuest.objects.exists()
    assert Registration.objects.get(meeting=meeting, user=gwen).attended  # still counted


def test_the_attendance_page_reads_the_same_queries_for_any_number_of_guests(
    client, community, django_assert_max_num_queries
):
    meeting = held(community)
    client.force_login(community.lead)
    url = reverse("meetings:attendance", args=[meeting.pk])

    def grow(n):
        for i in range(MeetingGuest.objects.count(), MeetingGuest.objects.count() + n):
            MembershipFactory(community=community)
            services.guest_record(
                meeting=meeting, actor=community.lead, name=f"Guest {i}", email=f"g{i}@example.org"
            )

    grow(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
        assert response.status_code == 200
    assert len(soup(response).select("tbody tr")) == 22


def test_staff_see_a_meetings_guests_in_the_admin(client, community):
    meeting = held(community)
    services.guest_record(
        meeting=meeting, actor=community.lead, name="Gwen Guest", email="gwen@example.org"
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert response.status_code == 200
    assert soup(response).find("input", attrs={"value": "Gwen Guest"}) is not None
