"""Organisations typed by people wait for staff: listed to no one else until confirmed, or
merged into the organisation they duplicate, every record moved and the duplicate gone."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Organisation, Profession
from accounts.selectors import organisation_choices
from accounts.services import (
    organisation_confirm,
    organisation_get_or_create,
    organisation_merge,
)
from communities.models import CommunityFigures, Membership
from communities.selectors import community_figures
from conveners.models import Application
from core.models import AuditEntry
from tests.conftest import soup
from tests.conveners.conftest import application_data
from tests.factories import (
    AdoptionFactory,
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PENDING = Organisation.Status.PENDING
CONFIRMED = Organisation.Status.CONFIRMED


@pytest.fixture
def listed():
    return OrganisationFactory(name="Riverside Care Home")


@pytest.fixture
def typed():
    return organisation_get_or_create(name="  Riverside  Care Home Ltd ")


@pytest.fixture
def staff(client):
    person = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(person)
    return person


def option_labels(page, name):
    return [
        o.get_text(strip=True) for o in page.find("select", attrs={"name": name}).find_all("option")
    ]


# --- services and selectors ----------------------------------------------------------------


def test_a_typed_organisation_waits_and_a_listed_one_is_found_in_any_case(listed, typed):
    assert (typed.name, typed.status) == ("Riverside Care Home Ltd", PENDING)
    assert organisation_get_or_create(name="RIVERSIDE care home") == listed
    assert organisation_get_or_create(name="riverside care home ltd") == typed
    assert Organisation.objects.count() == 2


def test_only_confirmed_organisations_are_offered_but_ones_own_is_kept(listed, typed):
    assert list(organisation_choices()) == [listed]
    assert list(organisation_choices(keep=typed.pk)) == [listed, typed]
    assert list(organisation_choices(keep=typed)) == [listed, typed]


def test_confirming_lists_it_once_with_an_audit_entry(typed, staff):
    assert typed not in organisation_choices()
    assert organisation_confirm(organisation=typed, actor=staff) is True
    assert organisation_confirm(organisation=typed, actor=staff) is False
    typed.refresh_from_db()
    assert typed.status == CONFIRMED
    assert typed in organisation_choices()
    (entry,) = AuditEntry.objects.filter(action="organisation.confirm")
    assert (entry.actor, entry.target) == (staff, typed)


def test_merging_moves_every_reference_and_deletes_the_duplicate(listed, typed, staff, programme):
    community = CommunityFactory()
    people = [UserFactory(organisation=typed) for _ in range(2)]
    for person in people:
        MembershipFactory(community=community, user=person, status=Membership.Status.ACTIVE)
    stays = UserFactory(organisation=listed)
    adoption = AdoptionFactory(organisation=typed)
    application = Application.objects.create(
        programme=programme,
        applicant=people[0],
        organisation=typed,
        **{k: v for k, v in application_data().items() if k != "region"},
    )
    assert (
        typed.pk
        in community_figures(community_ids=[community.pk])[community.pk]["organisation_ids"]
    )

    moved = organisation_merge(duplicate=typed, into=listed, actor=staff)

    assert moved == {"accounts.user": 2, "knowledge.adoption": 1, "conveners.application": 1}
    assert not Organisation.objects.filter(pk=typed.pk).exists()
    for record in (*people, stays, adoption, application):
        record.refresh_from_db()
        assert record.organisation == listed
    # The copy each community keeps of its members' organisations follows.
    figures = CommunityFigures.objects.get(community=community)
    assert (figures.organisation_ids, figures.organisation_count) == ([listed.pk], 1)
    (entry,) = AuditEntry.objects.filter(action="organisation.merge")
    assert (entry.actor, entry.target) == (staff, listed)
    assert entry.data == {
        "merged": typed.pk,
        "merged_name": "Riverside Care Home Ltd",
        "moved": moved,
    }


def test_merging_into_itself_or_into_an_unconfirmed_one_is_refused(listed, typed, staff):
    other = organisation_get_or_create(name="Riverside Home")
    before = Organisation.objects.count()
    for duplicate, into in ((typed, typed), (typed, other)):
        with pytest.raises(ValidationError):
            organisation_merge(duplicate=duplicate, into=into, actor=staff)
    assert Organisation.objects.count() == before
    assert not AuditEntry.objects.filter(action="organisation.merge").exists()


# --- the staff queue in the admin ----------------------------------------------------------


def test_staff_see_the_organisations_waiting_for_confirmation(client, staff, listed, typed):
    UserFactory(organisation=typed)
    url = reverse("admin:accounts_organisation_changelist")
    everything = soup(client.get(url))
    assert "Waiting for confirmation" in [a.get_text(strip=True) for a in everything.find_all("a")]
    queue = soup(client.get(url, {"status__exact": "pending"}))
    rows = [
        " ".join(tr.get_text(" ", strip=True).split())
        for tr in queue.select("#result_list tbody tr")
    ]
    assert len(rows) == 1
    assert "Riverside Care Home Ltd" in rows[0] and "Waiting for confirmation" in rows[0]
    assert " 1 " in f" {rows[0]} "  # the one person who typed it


def test_staff_confirm_from_the_queue(client, staff, typed):
    response = client.post(
        reverse("admin:accounts_organisation_changelist"),
        {"action": "confirm", "_selected_action": [typed.pk]},
    )
    assert response.status_code == 302
    typed.refresh_from_db()
    assert typed.status == CONFIRMED
    assert AuditEntry.objects.filter(action="organisation.confirm", actor=staff).count() == 1


def test_staff_merge_after_a_confirmation_screen(client, staff, listed, typed):
    person = UserFactory(organisation=typed)
    url = reverse("admin:accounts_organisation_changelist")
    chosen = {"action": "merge_into", "_selected_action": [typed.pk]}

    page = soup(client.post(url, chosen))
    assert page.find("h1").get_text(strip=True) == "Merge these organisations?"
    assert "Riverside Care Home Ltd (waiting for confirmation; 1 person)" in page.get_text()
    # Only confirmed organisations, never the one being merged, are offered.
    offered = option_labels(page, "into")
    assert "Riverside Care Home" in offered and "Riverside Care Home Ltd" not in offered
    assert Organisation.objects.filter(pk=typed.pk).exists()  # nothing done yet

    refused = soup(client.post(url, {**chosen, "confirmed": "yes", "into": ""}))
    assert "Choose the organisation to merge them into" in refused.get_text()
    assert Organisation.objects.filter(pk=typed.pk).exists()

    response = client.post(url, {**chosen, "confirmed": "yes", "into": listed.pk})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=typed.pk).exists()
    person.refresh_from_db()
    assert person.organisation == listed
    assert AuditEntry.objects.get(action="organisation.merge").actor == staff


def test_status_is_changed_only_through_the_audited_actions(client, staff, typed):
    url = reverse("admin:accounts_organisation_change", args=[typed.pk])
    page = soup(client.get(url))
    assert page.find(attrs={"name": "status"}) is None


# --- what people see ----------------------------------------------------------------------


def signup_data(**overrides):
    return {
        "name": "Jo Example",
        "email": "jo@example.nhs.uk",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        "organisation": "",
        "organisation_name": "Hillside Surgery",
        "profession": Profession.objects.get(name="Nurse").pk,
        "region": "london",
        **overrides,
    }


def test_a_typed_organisation_is_kept_for_its_person_and_listed_once_confirmed(
    client, listed, staff
):
    client.logout()
    signup_url = reverse("account_signup")
    assert client.post(signup_url, signup_data()).status_code == 302
    jo = Organisation.objects.get(name="Hillside Surgery").people.get()
    hillside = jo.organisation
    assert hillside.status == PENDING

    # Not in the list the next person picks from...
    client.logout()
    assert "Hillside Surgery" not in option_labels(soup(client.get(signup_url)), "organisation")
    # ...nor in the member filter of a community Jo belongs to.
    community = CommunityFactory()
    MembershipFactory(community=community, user=jo, status=Membership.Status.ACTIVE)
    member = UserFactory(organisation=listed)
    MembershipFactory(community=community, user=member, status=Membership.Status.ACTIVE)
    client.force_login(member)
    members = soup(client.get(reverse("communities:members", args=[community.slug])))
    assert option_labels(members, "organisation") == ["Any organisation", "Riverside Care Home"]

    # Jo's own profile shows it, says it waits, and saving the form keeps it.
    client.force_login(jo)
    overview = soup(client.get(reverse("accounts:overview"))).get_text(" ")
    assert "Hillside Surgery (new: listed for others once staff have checked it)" in " ".join(
        overview.split()
    )
    form = soup(client.get(reverse("accounts:profile")))
    select = form.find("select", attrs={"name": "organisation"})
    assert select.find("option", selected=True).get_text(strip=True) == "Hillside Surgery"
    response = client.post(
        reverse("accounts:profile"),
        {
            "name": "Jo Example",
            "job_title": "Practice nurse",
            "organisation": hillside.pk,
            "organisation_name": "",
            "profession": jo.profession_id,
            "region": "london",
            "bio": "",
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 302
    jo.refresh_from_db()
    assert jo.organisation == hillside

    # Staff confirm it: now everyone may pick it.
    organisation_confirm(organisation=hillside, actor=staff)
    client.logout()
    assert "Hillside Surgery" in option_labels(soup(client.get(signup_url)), "organisation")


def test_the_leadership_application_offers_the_applicants_own_waiting_organisation(
    listed, typed, programme
):
    from conveners.forms import ApplicationForm

    applicant = UserFactory(organisation=typed)
    offered = ApplicationForm(user=applicant, programme=programme).fields["organisation"].queryset
    assert listed in offered and typed in offered
    assert (
        typed
        not in ApplicationForm(user=UserFactory(), programme=programme)
        .fields["organisation"]
        .queryset
    )
