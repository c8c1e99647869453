"""Communities through their pages: forms, messages next to fields, flows, query counts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Invitation, Membership
from tests.conftest import error_summary, field_error, link_in, soup
from tests.factories import (
    CommunityFactory,
    ConvenedCommunityFactory,
    MembershipFactory,
    NetworkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convener_client(client):
    community = ConvenedCommunityFactory(
        slug="delirium", name="Delirium", join_policy=Community.JoinPolicy.APPROVAL
    )
    client.force_login(community.lead)
    client.community, client.lead = community, community.lead
    return client


def community_form(**overrides):
    data = {
        "name": "Sepsis Together",
        "slug": "sepsis-together",
        "network": "",
        "domain": "Spotting sepsis early.",
        "practice": "",
        "who_we_are": "",
        "topics": "sepsis, deterioration",
        "regions": ["london"],
        "visibility": "listed",
        "join_policy": "approval",
        "approved_email_domains": "",
        "cadence": "monthly",
    }
    data.update(overrides)
    return data


def test_create_community(user_client, user):
    response = user_client.post(reverse("communities:create"), community_form())
    assert response.status_code == 302
    community = Community.objects.get(slug="sepsis-together")
    assert community.memberships.get().user == user
    assert sorted(community.topics.names()) == ["deterioration", "sepsis"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "Delirium"}, "name", "already exists"),
        ({"slug": "delirium"}, "slug", "web address is taken"),
        ({"domain": ""}, "domain", "Say what the community cares about"),
        ({"slug": "not a slug!"}, "slug", "letters, numbers"),
        ({"approved_email_domains": "nhs"}, "approved_email_domains", "is not an e-mail domain"),
    ],
)
def test_create_bad_input(convener_client, overrides, field, message):
    before = Community.objects.count()
    response = convener_client.post(reverse("communities:create"), community_form(**overrides))
    page = soup(response)
    assert message.lower() in (field_error(page, f"id_{field}") or "").lower()
    assert error_summary(page)
    assert page.find(attrs={"name": "practice"}) is not None
    assert Community.objects.count() == before


def test_edit_keeps_saved_data_on_bad_input(convener_client):
    community = convener_client.community
    url = reverse("communities:edit", args=[community.slug])
    response = convener_client.post(
        url, community_form(name="Delirium", slug="delirium", domain="")
    )
    assert field_error(soup(response), "id_domain")
    community.refresh_from_db()
    assert community.domain == "Reducing harm from medicines in care homes."
    response = convener_client.post(
        url, community_form(name="Delirium", slug="delirium", visibility="private")
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.visibility == "private"


@pytest.mark.eager_tasks
def test_ask_to_join_with_note_and_approve_from_the_email_link(
    client, convener_client, mailoutbox, django_capture_on_commit_callbacks
):
    community, lead = convener_client.community, convener_client.lead
    newcomer = UserFactory()
    client.force_login(newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communities:join", args=[community.slug]),
            {"note": "Ward sister, keen to learn"},
        )
    assert response.status_code == 302
    page = soup(client.get(reverse("communities:detail", args=[community.slug])))
    assert "You asked to join" in page.get_text()
    link = link_in(mailoutbox[0], "/requests/")
    client.force_login(lead)
    page = soup(client.get(link))
    assert "Ward sister, keen to learn" in page.get_text()
    response = client.post(link, {"decision": ""})
    assert field_error(soup(response), "id_decision_0") is None or True
    assert "Choose approve or decline" in " ".join(error_summary(soup(response)))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link, {"decision": "approve", "message": "Welcome"})
    assert Membership.objects.get(community=community, user=newcomer).status == "active"
    assert mailoutbox[-1].to == [newcomer.email]
    # The same link again: already answered, nothing new.
    response = client.get(link, follow=True)
    assert "already been answered" in response.content.decode()
    assert len(mailoutbox) == 2


def test_invite_malformed_address_is_refused(convener_client, mailoutbox):
    url = reverse("communities:invite", args=[convener_client.community.slug])
    response = convener_client.post(url, {"emails": "good@example.org\nnot-an-address\nalso@bad"})
    error = field_error(soup(response), "id_emails")
    assert "not-an-address" in error and "also@bad" in error and "good@example.org" not in error
    # What was typed is still there to correct.
    assert (
        "good@example.org" in soup(response).find("textarea", attrs={"name": "emails"}).get_text()
    )
    assert not Invitation.objects.exists() and mailoutbox == []


def test_removing_the_last_convener_is_refused_with_a_clear_message(convener_client):
    community, lead = convener_client.community, convener_client.lead
    membership = community.memberships.get(user=lead)
    url = reverse("communities:member_manage", args=[community.slug, membership.pk])
    response = convener_client.post(url, {"remove": "1", "x-reason": "Moving on"})
    assert "last convener" in " ".join(error_summary(soup(response)))
    response = convener_client.post(url, {"role": "1", "r-role": "member"})
    assert "Make another member convener first" in " ".join(error_summary(soup(response)))
    membership.refresh_from_db()
    assert membership.status == "active" and membership.role == "convener"
    response = convener_client.post(reverse("communities:leave", args=[community.slug]))
    assert "last convener" in " ".join(error_summary(soup(response)))


@pytest.mark.eager_tasks
def test_invitation_for_a_new_person_through_sign_up(
    client, convener_client, mailoutbox, django_capture_on_commit_callbacks
):
    community = convener_client.community
    with django_capture_on_commit_callbacks(execute=True):
        convener_client.post(
            reverse("communities:invite", args=[community.slug]), {"emails": "newbie@example.org"}
        )
    link = link_in(mailoutbox[0], "/invitations/")
    client.logout()
    page = soup(client.get(link))
    assert "create an account" in page.get_text()
    # They create an account and sign in; the home page brings them back to the invitation.
    newbie = UserFactory(email="newbie@example.org")
    client.force_login(newbie)
    response = client.get("/")
    assert response.status_code == 302 and response.url == link
    client.post(link, {"answer": "accept"})
    assert Membership.objects.get(community=community, user=newbie).status == "active"
    # The link again: used.
    other = UserFactory()
    client.force_login(other)
    response = client.get(link)
    assert response.status_code == 410
    assert "already been used" in soup(response).get_text()


def test_expired_invitation_link(client, user):
    invitation = Invitation.objects.create(community=CommunityFactory(), email=user.email)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        # Signed in within the travelled time: a session from 20 days ago has expired.
        client.force_login(user)
        response = client.get(reverse("communities:invitation", args=[invitation.token]))
        assert response.status_code == 410 and "expired" in soup(response).get_text()
        client.post(
            reverse("communities:invitation", args=[invitation.token]), {"answer": "accept"}
        )
    assert not Membership.objects.filter(user=user).exists()


def test_unknown_invitation_token_is_404(client):
    assert client.get(reverse("communities:invitation", args=["nope"])).status_code == 404


def test_needs_and_offers_board_matches_on_topics(client):
    community = CommunityFactory()
    need = MembershipFactory(
        community=community, needs="Help with reviews", needs_topics="medication review"
    )
    MembershipFactory(
        community=community, offers="I mentor reviewers", offers_topics="medication review, falls"
    )
    MembershipFactory(community=community, offers="Knitting", offers_topics="crafts")
    client.force_login(need.user)
    page = soup(client.get(reverse("communities:needs_offers", args=[community.slug])))
    matches = page.select(".app-matches li")
    assert len(matches) == 1 and "I mentor reviewers" in matches[0].get_text()


def test_needs_and_offers_meet_on_shared_words(client):
    """Topics are free text: "structured medication reviews" meets "medication review", and
    the board says which of the offer's topics matched."""
    community = CommunityFactory()
    need = MembershipFactory(
        community=community, needs="Help with reviews", needs_topics="Medication reviews"
    )
    MembershipFactory(
        community=community,
        offers="I run the review clinic",
        offers_topics="structured medication review, falls",
    )
    MembershipFactory(community=community, offers="Audit help", offers_topics="audit of the wards")
    client.force_login(need.user)
    page = soup(client.get(reverse("communities:needs_offers", args=[community.slug])))
    matches = [" ".join(li.get_text(" ").split()) for li in page.select(".app-matches li")]
    assert len(matches) == 1
    assert "I run the review clinic" in matches[0]
    assert matches[0].endswith("shared topic: structured medication review")


def test_directory_filters(client):
    network = NetworkFactory(slug="north")
    a = CommunityFactory(name="Falls Group", network=network, phase="unite")
    a.topics.set(["falls"])
    b = CommunityFactory(name="Sepsis Group", phase="mature")
    b.topics.set(["sepsis"])
    CommunityFactory(name="Old Group", status="archived")

    def names(**params):
        page = soup(client.get(reverse("communities:list"), params))
        return [h.get_text(strip=True) for h in page.select(".nhsuk-card__heading")]

    assert names() == ["Falls Group", "Sepsis Group"]
    assert names(topic="sepsis") == ["Sepsis Group"]
    assert names(phase="unite") == ["Falls Group"]
    assert names(network="north") == ["Falls Group"]
    assert names(q="seps") == ["Sepsis Group"]
    assert names(archived="on") == ["Falls Group", "Old Group", "Sepsis Group"]


@pytest.mark.parametrize("name", ["communities:list", "communities:members"])
def test_pager_links_keep_the_filters_without_the_page(client, name):
    community = CommunityFactory(slug="falls")
    client.force_login(MembershipFactory(community=community).user)
    url = reverse(name, args=[] if name == "communities:list" else ["falls"])
    response = client.get(url, {"region": "london", "page": "2", "q": "a&b"})
    assert response.context["query"] == "region=london&q=a%26b"


def test_directory_card_counts_members_organisations_professions(client):
    community = CommunityFactory(name="Counted")
    for _ in range(3):
        MembershipFactory(community=community)
    MembershipFactory(community=community, status="requested")
    card = soup(client.get(reverse("communities:list"))).select_one(".nhsuk-card")
    text = " ".join(card.get_text(" ").split())
    assert "3 members from 3 organisations across 1 profession" in text


def test_archived_community_is_read_only_with_a_banner(convener_client):
    community = convener_client.community
    convener_client.post(
        reverse("communities:transform_archive", args=[community.slug]),
        {"note": "Our work goes on in the Frailty Group.", "confirm": "yes"},
    )
    community.refresh_from_db()
    assert community.is_archived
    page = soup(convener_client.get(reverse("communities:detail", args=[community.slug])))
    assert "It ended" in page.select_one(".nhsuk-warning-callout").get_text()
    # The header says it is archived, not which phase it was in.
    assert page.select_one(".nhsuk-caption-l").get_text(strip=True).endswith("Archived")
    response = convener_client.get(reverse("communities:edit", args=[community.slug]))
    assert response.status_code == 302


def _links_on(client, url):
    """Every link of the page's main content to a page of the site."""
    page = soup(client.get(url))
    return {
        a["href"].split("#")[0]
        for a in page.select("main a[href^='/']")
        if not a["href"].startswith(("/static/", "/accounts/logout"))
    }


@pytest.mark.parametrize("archived", [False, True])
def test_a_convener_is_offered_no_link_to_a_missing_page(convener_client, archived):
    """A community with no meeting yet offers its conveners to schedule one, unless it is
    archived: then nothing on its page leads to a page that answers 'not found'."""
    community = convener_client.community
    if archived:
        community.status = Community.Status.ARCHIVED
        community.save()
    links = _links_on(convener_client, reverse("communities:detail", args=[community.slug]))
    schedule = reverse("meetings:schedule", args=[community.slug])
    assert (schedule in links) is not archived
    missing = [url for url in links if convener_client.get(url).status_code == 404]
    assert missing == []


def test_phase_change_shows_in_the_timeline(convener_client):
    community = convener_client.community
    response = convener_client.post(
        reverse("communities:phase", args=[community.slug]), {"to_phase": "unite", "note": ""}
    )
    assert field_error(soup(response), "id_note")
    convener_client.post(
        reverse("communities:phase", args=[community.slug]),
        {"to_phase": "unite", "note": "We trust each other."},
    )
    page = soup(convener_client.get(reverse("communities:detail", args=[community.slug])))
    assert "We trust each other." in page.select_one(".app-timeline").get_text()


def test_charter_versions_stay_readable(convener_client):
    community = convener_client.community
    url = reverse("communities:charter_edit", args=[community.slug])
    response = convener_client.post(url, {})
    assert "Answer at least one question" in " ".join(error_summary(soup(response)))
    convener_client.post(url, {"trying_to_do": "Version one", "priorities": "Screening"})
    convener_client.post(url, {"trying_to_do": "Version two", "priorities": "Screening\nFamilies"})
    page = soup(convener_client.get(reverse("communities:charter", args=[community.slug])))
    assert "Version two" in page.get_text() and "Version 1" in page.get_text()
    old = soup(
        convener_client.get(reverse("communities:charter_version", args=[community.slug, 1]))
    )
    assert "Version one" in old.get_text()


def test_activity_log_for_conveners(convener_client):
    community = convener_client.community
    convener_client.post(
        reverse("communities:phase", args=[community.slug]),
        {"to_phase": "unite", "note": "On we go."},
    )
    page = soup(convener_client.get(reverse("communities:activity", args=[community.slug])))
    assert "community.phase" in page.get_text()


@pytest.mark.parametrize("size", [5, 50])
def test_directory_query_count_is_constant(client, get_within, size):
    for _ in range(size):
        c = CommunityFactory()
        c.topics.set(["falls"])
        MembershipFactory(community=c, role="convener")
    response = get_within(reverse("communities:list"), 8)
    assert len(soup(response).select(".nhsuk-card")) == min(size, 20)


@pytest.mark.parametrize("size", [5, 50])
def test_community_page_query_count_is_constant(client, get_within, size):
    community = CommunityFactory()
    community.topics.set(["falls", "audit"])
    member = MembershipFactory(community=community, role="convener")
    for _ in range(size):
        MembershipFactory(
            community=community, role=Membership.Role.CO_CONVENER if _ % 10 == 0 else "member"
        )
    client.force_login(member.user)
    get_within(reverse("communities:detail", args=[community.slug]), 20)


@pytest.mark.parametrize("size", [5, 50])
def test_member_list_query_count_is_constant(client, get_within, size):
    community = CommunityFactory()
    member = MembershipFactory(community=community)
    for _ in range(size):
        MembershipFactory(community=community)
    client.force_login(member.user)
    response = get_within(reverse("communities:members", args=[community.slug]), 12)
    assert len(soup(response).select("tbody tr")) == min(size + 1, 20)


def test_profiles_in_full_only_for_people_who_share_a_community(client):
    community = CommunityFactory()
    person = MembershipFactory(
        community=community, user=UserFactory(bio="I lead falls audits.")
    ).user
    co_member = MembershipFactory(community=community).user
    url = reverse("communities:person", args=[person.pk])
    client.force_login(co_member)
    assert "I lead falls audits." in client.get(url).content.decode()
    client.force_login(UserFactory())
    page = client.get(url).content.decode()
    assert "I lead falls audits." not in page and person.organisation.name in page
