"""Single sign-on end to end in Chromium, against a real OpenID Connect provider process
(tests/oidc: panva's oidc-provider) on a loopback port: the site sends the person there,
they sign in on its page, and it sends them back. axe-core checks every page of the site
they visit."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import current_totp
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.oidc import PROVIDER_ID, PROVIDER_NAME, start_provider

pytestmark = JOURNEY


@pytest.fixture
def oidc(settings, live_server, tmp_path):
    provider = start_provider(settings, site_url=live_server.url, workdir=tmp_path)
    yield provider
    provider.stop()


@pytest.fixture
def trusted_oidc(settings, live_server, tmp_path):
    provider = start_provider(
        settings, site_url=live_server.url, workdir=tmp_path, trust_email=True
    )
    yield provider
    provider.stop()


def heading(page):
    return page.get_by_role("heading", level=1)


def sso_sign_in(page, provider, email):
    """From the sign-in page, through the provider's own page (when it does not know the
    person yet), back to the site."""
    page.goto("/accounts/login/")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(heading(page)).to_have_text(f"Sign in with {PROVIDER_NAME}")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    sign_in_at_provider_page(page, provider, email)


def sign_in_at_provider_page(page, provider, email):
    def back_on_site(url):
        return url.startswith(provider.site_url) and "/accounts/oidc/" not in url

    page.wait_for_url(
        lambda url: url.startswith(f"{provider.issuer}/interaction/") or back_on_site(url)
    )
    if page.url.startswith(provider.issuer):
        expect(heading(page)).to_have_text("Sign in to Example Trust")
        page.get_by_label("Work e-mail address").fill(email)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(back_on_site)


def sign_in(page, email):
    """With the password (the sign-in page also offers the organisation's sign-in)."""
    page.goto("/accounts/login/")
    password_sign_in(page, email)


def password_sign_in(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def confirm_password(page):
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))


# --- (a) someone new ---------------------------------------------------------------------


def test_new_person_signs_in_with_their_organisation(page, oidc):
    OrganisationFactory(name="Example Community Trust")
    oidc.add_account(sub="sam-1", email="sam.new@example.nhs.uk", name="Sam New")
    sso_sign_in(page, oidc, "sam.new@example.nhs.uk")

    # Asked once for what sign-up asks, with the provider's address and name filled in.
    expect(heading(page)).to_have_text("Finish creating your account")
    assert_accessible(page)
    expect(page.get_by_label("E-mail address")).to_have_value("sam.new@example.nhs.uk")
    expect(page.get_by_label("Full name")).to_have_value("Sam New")
    page.get_by_label("Profession").select_option(label="Pharmacist")
    page.get_by_role("button", name="Create account").click()
    # What is missing is said in the summary and next to the field.
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose your organisation")
    expect(page.locator("#id_region").locator("xpath=..")).to_contain_text("Choose your region")
    assert_accessible(page)
    page.get_by_label("Organisation", exact=True).select_option(label="Example Community Trust")
    page.get_by_label("Region").select_option(label="South West")
    page.get_by_role("button", name="Create account").click()

    expect(heading(page)).to_have_text("Welcome, Sam")
    assert_accessible(page)
    person = User.objects.get(email="sam.new@example.nhs.uk")
    assert person.organisation.name == "Example Community Trust"

    # Not asked again: the next sign-in goes straight in.
    sign_out(page)
    sso_sign_in(page, oidc, "sam.new@example.nhs.uk")
    expect(heading(page)).to_have_text("Welcome, Sam")
    assert User.objects.count() == 1


# --- (b) someone who already has an account -----------------------------------------------


def test_existing_person_signs_in_with_password_connects_then_uses_sso(page, oidc):
    robin = UserFactory(email="robin@example.nhs.uk", name="Robin Example")
    oidc.add_account(sub="robin-1", email="robin@example.nhs.uk", name="Robin Example")

    # Not silently linked, not a dead end: told what to do.
    sso_sign_in(page, oidc, "robin@example.nhs.uk")
    expect(heading(page)).to_have_text("You already have an account")
    expect(page.locator("main")).to_contain_text("robin@example.nhs.uk")
    assert_accessible(page)
    assert not SocialAccount.objects.filter(user=robin).exists()

    # Signed in with the password, they land on their account page and connect.
    page.get_by_role("button", name="Sign in with your password").click()
    password_sign_in(page, robin.email)
    expect(heading(page)).to_have_text("Your account")
    assert_accessible(page)
    page.get_by_role("button", name=f"Connect your {PROVIDER_NAME} sign-in").click()
    # The provider remembers them; the site asks for the password once more before
    # adding a way into the account.
    sign_in_at_provider_page(page, oidc, robin.email)
    confirm_password(page)
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(heading(page)).to_have_text("Your account")
    expect(page.locator(".nhsuk-summary-list__row", has_text=PROVIDER_NAME)).to_contain_text(
        robin.email
    )
    assert_accessible(page)

    # From now on the organisation's sign-in signs them straight in.
    sign_out(page)
    sso_sign_in(page, oidc, robin.email)
    expect(heading(page)).to_have_text("Welcome, Robin")


def test_trusted_provider_connects_a_verified_address_at_once(page, trusted_oidc):
    UserFactory(email="kim@example.nhs.uk", name="Kim Example")
    trusted_oidc.add_account(sub="kim-1", email="kim@example.nhs.uk", name="Kim Example")
    sso_sign_in(page, trusted_oidc, "kim@example.nhs.uk")
    expect(heading(page)).to_have_text("Welcome, Kim")
    assert SocialAccount.objects.filter(user__email="kim@example.nhs.uk", uid="kim-1").exists()


# --- (c) two-factor authentication ---------------------------------------------------------


def test_sso_still_asks_for_the_authenticator_code(page, oidc):
    drew = UserFactory(email="drew@example.nhs.uk", name="Drew Example")
    secret = generate_totp_secret()
    TOTP.activate(drew, secret)
    SocialAccount.objects.create(user=drew, provider=PROVIDER_ID, uid="drew-1")
    oidc.add_account(sub="drew-1", email=drew.email, name="Drew Example")

    sso_sign_in(page, oidc, drew.email)
    expect(heading(page)).to_have_text("Two-Factor Authentication")
    assert_accessible(page)
    page.goto("/accounts/settings/")  # not in yet: back to the code
    expect(heading(page)).to_have_text("Two-Factor Authentication")
    page.get_by_label("Code", exact=True).fill(current_totp(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(heading(page)).to_have_text("Welcome, Drew")
    assert Authenticator.objects.filter(user=drew).count() == 1


# --- (d) connected sign-ins on the account page -------------------------------------------


def test_connected_sign_in_is_listed_and_removed_after_confirming(page, oidc):
    robin = UserFactory(email="robin@example.nhs.uk", name="Robin Example")
    SocialAccount.objects.create(user=robin, provider=PROVIDER_ID, uid="robin-1")
    sign_in(page, robin.email)
    page.goto("/accounts/settings/")
    page.get_by_role("link", name=f"Remove {PROVIDER_NAME} sign-in").click()
    expect(heading(page)).to_have_text("Remove a sign-in")
    assert_accessible(page)
    expect(page.get_by_label(f"{PROVIDER_NAME} (robin-1)")).to_be_checked()
    page.get_by_role("button", name="Remove sign-in").click()
    confirm_password(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(heading(page)).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text("No sign-in of your organisation is connected")
    assert not SocialAccount.objects.filter(user=robin).exists()


def test_the_only_way_to_sign_in_is_not_removed(page, oidc):
    OrganisationFactory(name="Example Community Trust")
    oidc.add_account(sub="sam-1", email="sam.new@example.nhs.uk", name="Sam New")
    sso_sign_in(page, oidc, "sam.new@example.nhs.uk")
    page.get_by_label("Organisation", exact=True).select_option(label="Example Community Trust")
    page.get_by_label("Profession").select_option(label="Pharmacist")
    page.get_by_label("Region").select_option(label="London")
    page.get_by_role("button", name="Create account").click()
    expect(heading(page)).to_have_text("Welcome, Sam")

    page.goto("/accounts/settings/")
    page.get_by_role("link", name=f"Remove {PROVIDER_NAME} sign-in").click()
    page.get_by_role("button", name="Remove sign-in").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("set a password first")
    assert_accessible(page)
    assert SocialAccount.objects.filter(user__email="sam.new@example.nhs.uk").exists()
