import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.conftest import link_in, soup
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OIDC_APP = {
    "provider_id": "example-trust",
    "name": "Example Trust",
    "client_id": "client-id",
    "secret": "client-secret",
    "settings": {"server_url": "https://login.example.org/tenant/v2.0"},
}


def test_no_single_sign_on_button_unless_configured(client):
    page = soup(client.get(reverse("account_login")))
    assert not page.find(string=re.compile("Sign in with"))


def test_openid_connect_button_appears_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [OIDC_APP]}}
    page = soup(client.get(reverse("account_login")))
    button = page.find("a", string=re.compile("Sign in with Example Trust"))
    assert button is not None
    assert "/accounts/oidc/example-trust/login/" in button["href"]


@pytest.mark.eager_tasks
def test_change_email_sends_verification_to_the_new_address(
    client, user, mailoutbox, django_capture_on_commit_callbacks
):
    # Changing the address asks for the password again first.
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "new.address@example.org"}
    )
    assert "/reauthenticate/" in response.url
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    user_client = client
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            reverse("account_email"), {"action_add": "", "email": "new.address@example.org"}
        )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["new.address@example.org"]]
    link = link_in(mailoutbox[0], "/accounts/confirm-email/")
    user_client.post(link)
    user.refresh_from_db()
    assert user.email == "new.address@example.org"
    assert EmailAddress.objects.get(user=user).email == "new.address@example.org"
