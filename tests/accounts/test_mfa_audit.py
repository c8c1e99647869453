"""Two-factor authentication leaves an audit trail: turned on, turned off, recovery codes
regenerated or used, and wrong codes; never a secret or a code."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from core.models import AuditEntry
from tests.conftest import soup
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _code(secret):
    counter = list(yield_hotp_counters_from_time())[1]
    return format_hotp_value(hotp_value(secret, counter))


def _actions(user):
    return list(
        AuditEntry.objects.filter(target_id=str(user.pk), action__startswith="mfa.")
        .order_by("pk")
        .values_list("action", "data__kind")
    )


def _sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_turning_two_factor_on_and_off_and_every_code_is_audited(
    client, django_capture_on_commit_callbacks
):
    def post(url, data=None):
        # allauth sends its signals once the change commits.
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    user = UserFactory(email="drew@example.org")
    _sign_in(client, user)
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:  # turning it on asks for the password again
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    page = soup(response)
    secret = page.select_one("#authenticator_secret")["value"]
    response = post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert ("mfa.added", "totp") in _actions(user)

    client.get(reverse("mfa_generate_recovery_codes"))
    post(reverse("mfa_generate_recovery_codes"))
    assert ("mfa.recovery_codes_reset", "recovery_codes") in _actions(user)
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()

    client.post(reverse("account_logout"))
    _sign_in(client, user)  # the password: now the second step
    wrong = post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert ("mfa.code_refused", None) in [(a, None) for a, _ in _actions(user)]
    assert post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert ("mfa.recovery_code_used", "recovery_codes") in _actions(user)

    response = post(reverse("mfa_deactivate_totp"))
    if "reauthenticate" in response["Location"]:
        # Turning it off asks for the password again, then carries on with the request.
        response = post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type="totp").exists()
    assert ("mfa.removed", "totp") in _actions(user)
    # No secret and no code is ever written down.
    for data in AuditEntry.objects.filter(action__startswith="mfa.").values_list("data", flat=True):
        text = str(data)
        assert secret not in text and codes[0] not in text and codes[1] not in text
