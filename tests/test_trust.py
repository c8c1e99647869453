"""Trust features of the whole platform: application rate limits, breached passwords,
sign out everywhere, sessions ended when an account is disabled, and failed access attempts
in the audit log with who, what and from where."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.passwords import BreachedPasswordValidator
from communities import services as community_services
from communities.models import Community
from core.models import AuditEntry
from meetings.models import Meeting
from tests.conftest import error_summary, soup
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user, address="198.51.100.4"):
    """A browser of its own that signed in through the sign-in page."""
    browser = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=f"Browser at {address}")
    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return browser


# --- rate limits -------------------------------------------------------------------------------


def test_join_requests_are_rate_limited_per_person(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join": "2/h"}
    person = UserFactory()
    client.force_login(person)
    communities = CommunityFactory.create_batch(
        3, join_policy=Community.JoinPolicy.APPROVAL, visibility=Community.Visibility.PUBLIC
    )
    for community in communities[:2]:
        url = reverse("communities:join", args=[community.slug])
        assert client.post(url, {"note": "I work on a care home ward."}).status_code == 302
    refused = client.post(reverse("communities:join", args=[communities[2].slug]), {"note": ""})
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "too many times" in refused.content.decode()
    assert not communities[2].memberships.filter(user=person).exists()
    entry = AuditEntry.objects.get(action="access.rate_limited")
    assert entry.actor == person and entry.data["path"].endswith("/join/")
    # Someone else is not affected, and reading the page is not counted.
    other = UserFactory()
    client.force_login(other)
    assert client.get(reverse("communities:join", args=[communities[2].slug])).status_code == 200
    assert (
        client.post(reverse("communities:join", args=[communities[2].slug]), {}).status_code == 302
    )


def test_invitations_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite": "1/h"}
    convener = MembershipFactory(role="convener").user
    community = convener.memberships.get().community
    client.force_login(convener)
    url = reverse("communities:invite", args=[community.slug])
    first = client.post(url, {"emails": "ana@example.org", "message": ""})
    assert first.status_code == 302
    second = client.post(url, {"emails": "ben@example.org", "message": ""})
    assert second.status_code == 429
    assert not community.invitations.filter(email="ben@example.org").exists()


def test_uploads_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": "1/h"}
    client.force_login(UserFactory())
    url = reverse("knowledge:resource_create")
    client.post(url, {"title": ""})  # a refused form still counts as an upload attempt
    assert client.post(url, {"title": ""}).status_code == 429
    assert client.get(url).status_code == 200


def test_searches_are_rate_limited_but_browsing_is_not(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "2/m"}
    url = reverse("knowledge:search")
    assert client.get(url, {"q": "falls"}).status_code == 200
    assert client.get(url, {"q": "sepsis"}).status_code == 200
    assert client.get(url, {"q": "delirium"}).status_code == 429
    for _ in range(3):
        assert client.get(reverse("knowledge:library")).status_code == 200
    # Anonymous searches are counted per address: another address may still search.
    assert client.get(url, {"q": "falls"}, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_limits_let_requests_through_when_the_cache_fails(client, settings, monkeypatch):
    """With Redis down the limiter cannot count; the site keeps answering."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m"}
    from django.core.cache import cache

    monkeypatch.setattr(cache, "add", lambda *a, **k: None)
    monkeypatch.setattr(cache, "incr", lambda *a, **k: None)
    for _ in range(3):
        assert client.get(reverse("knowledge:search"), {"q": "falls"}).status_code == 200


# --- breached passwords --------------------------------------------------------------------------


def test_sign_up_refuses_a_breached_password(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.org",
            "password1": "password1234",
            "password2": "password1234",
        },
    )
    assert response.status_code == 200
    assert any("data breach" in message for message in error_summary(soup(response)))


def test_breached_list_from_a_file_of_hashes(settings, tmp_path):
    listed = tmp_path / "breached.txt"
    digest = hashlib.sha1(b"Ward-7-handover!", usedforsecurity=False).hexdigest().upper()
    listed.write_text(f"{digest}:5123\nsomeplainpassword\n")
    settings.BREACHED_PASSWORDS_FILE = str(listed)
    validator = BreachedPasswordValidator()
    from django.core.exceptions import ValidationError

    for password in ("Ward-7-handover!", "SomePlainPassword"):
        with pytest.raises(ValidationError, match="data breach"):
            validator.validate(password)
    validator.validate("ward-7-handover!")  # hashes are exact
    validator.validate("a quiet harbour at dusk")


# --- sessions ---------------------------------------------------------------------------------


def test_sign_out_everywhere_else(user):
    laptop, phone = signed_in(user, "198.51.100.4"), signed_in(user, "198.51.100.5")
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "198.51.100.4" in text and "198.51.100.5" in text and "This browser" in text
    response = laptop.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert laptop.get(reverse("accounts:overview")).status_code == 200
    gone = phone.get(reverse("accounts:overview"))
    assert gone.status_code == 302 and reverse("account_login") in gone.url


def test_disabling_an_account_in_the_admin_ends_its_sessions(user):
    browser = signed_in(user)
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    form = admin.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert form.status_code == 200
    data = {
        "email": user.email,
        "name": user.name,
        "job_title": user.job_title,
        "organisation": user.organisation_id or "",
        "bio": "",
        "timezone": user.timezone,
        "digest_frequency": user.digest_frequency,
        "region": user.region,
        "profession": user.profession_id or "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        # is_active left out: the box is unticked
    }
    response = admin.post(reverse("admin:accounts_user_change", args=[user.pk]), data)
    assert response.status_code == 302, soup(response).select(".errorlist")
    user.refresh_from_db()
    assert not user.is_active
    from allauth.usersessions.models import UserSession

    assert not UserSession.objects.filter(user=user).exists()
    assert browser.get(reverse("accounts:overview")).status_code == 302
    change = AuditEntry.objects.get(action="admin.user.change")
    assert change.actor == staff and "is_active" in change.data["changed"]


def test_changing_the_password_signs_out_the_other_sessions(user):
    laptop, phone = signed_in(user, "198.51.100.4"), signed_in(user, "198.51.100.5")
    laptop.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a quiet harbour at dusk",
            "password2": "a quiet harbour at dusk",
        },
    )
    assert response.status_code == 302, error_summary(soup(response))
    assert laptop.get(reverse("accounts:overview")).status_code == 200
    assert phone.get(reverse("accounts:overview")).status_code == 302


# --- failed access attempts --------------------------------------------------------------


def test_refused_access_is_answered_404_and_audited(client):
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    outsider = UserFactory()
    client.force_login(outsider)
    response = client.get(
        reverse("communities:detail", args=[private.slug]), REMOTE_ADDR="203.0.113.50"
    )
    assert response.status_code == 404
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == outsider
    assert entry.ip_address == "203.0.113.50"
    assert entry.data["path"] == reverse("communities:detail", args=[private.slug])
    # A page that does not exist is just missing: nothing to record.
    assert client.get(reverse("communities:detail", args=["no-such-community"])).status_code == 404
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


def test_a_meeting_asked_by_the_rule_is_refused_and_audited_the_same_way(client):
    """The meeting page fetches, then asks meetings.permissions.can_view
    (core.access.get_allowed_or_404): refused as a missing page and recorded; a meeting
    that does not exist is only missing."""
    start = timezone.now() + timedelta(days=2)
    meeting = Meeting.objects.create(
        community=CommunityFactory(visibility=Community.Visibility.LISTED),
        title="Members only",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        visibility=Meeting.Visibility.MEMBERS,
    )
    outsider = UserFactory()
    client.force_login(outsider)
    response = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert response.status_code == 404
    assert "Members only" not in response.content.decode()
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == outsider
    assert entry.data["path"] == reverse("meetings:detail", args=[meeting.pk])
    MembershipFactory(community=meeting.community, user=outsider)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("meetings:detail", args=[meeting.pk + 1])).status_code == 404
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


def test_anonymous_refusals_are_audited_without_an_actor(client):
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    assert client.get(reverse("communities:members", args=[private.slug])).status_code in (302, 404)
    assert (
        client.get(reverse("knowledge:community_library", args=[private.slug])).status_code == 404
    )
    entry = AuditEntry.objects.filter(action="access.denied").latest("created_at")
    assert entry.actor is None and entry.ip_address == "127.0.0.1"


def test_privileged_changes_record_where_they_came_from(client):
    membership = MembershipFactory(role="convener")
    community = membership.community
    community.join_policy = Community.JoinPolicy.APPROVAL
    community.save()
    applicant = UserFactory()
    request = community_services.membership_join(community=community, user=applicant, note="")
    client.force_login(membership.user)
    client.post(
        reverse("communities:request", args=[community.slug, request.pk]),
        {"decision": "approve", "reason": ""},
        REMOTE_ADDR="192.0.2.44",
    )
    request.refresh_from_db()
    assert request.is_active
    entry = AuditEntry.objects.filter(actor=membership.user).latest("created_at")
    assert entry.ip_address == "192.0.2.44"
