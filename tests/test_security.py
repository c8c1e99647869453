"""Security behaviours: headers, session time-outs, MFA for the privileged,
re-authentication, the audit of sign-ins, and an audit log nobody can edit."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from tests.factories import PASSWORD, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def test_permissions_policy_header(client):
    assert "camera=()" in client.get("/")["Permissions-Policy"]


def test_idle_time_out(client, user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    sign_in(client, user)
    assert client.get(reverse("accounts:overview")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        assert client.get(reverse("accounts:overview")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=55)):
        response = client.get(reverse("accounts:overview"))
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
        assert client.get(reverse("accounts:overview")).status_code == 302  # really signed out


def test_absolute_time_out_even_when_active(client, user, settings):
    settings.SESSION_IDLE_TIMEOUT = 60 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 3 * 60 * 60
    sign_in(client, user)
    start = timezone.now()
    for minutes in (50, 100, 150):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get(reverse("accounts:overview")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=190)):
        assert client.get(reverse("accounts:overview")).status_code == 302


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_mfa_required_for_staff_and_programme_managers(client, settings, role):
    settings.MFA_REQUIRED_FOR_PRIVILEGED = True
    person = UserFactory(is_staff=role == "staff")
    if role == "manager":
        NetworkFactory().managers.add(person)
    client.force_login(person)
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/").status_code == 200


def test_mfa_not_forced_on_members_or_when_off(client, user, settings):
    settings.MFA_REQUIRED_FOR_PRIVILEGED = True
    client.force_login(user)
    assert client.get("/").status_code == 200
    settings.MFA_REQUIRED_FOR_PRIVILEGED = False
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/").status_code == 200


def test_changing_email_asks_for_the_password_again(client, user):
    sign_in(client, user)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "new@example.org"}
        )
    assert response.status_code == 302 and "/reauthenticate/" in response.url
    assert not user.emailaddress_set.filter(email="new@example.org").exists()


def test_sign_ins_and_failures_are_audited(client, user):
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": "wrong password"},
        REMOTE_ADDR="192.0.2.7",
    )
    failed = AuditEntry.objects.get(action="auth.sign_in_failed")
    assert failed.data["login"] == user.email and failed.ip_address == "192.0.2.7"
    sign_in(client, user)
    assert AuditEntry.objects.filter(action="auth.sign_in", actor=user).exists()


def test_audit_log_cannot_be_edited_in_the_admin(client):
    entry = AuditEntry.objects.create(action="test.entry")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert (
        client.post(
            reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
