"""The journeys a person makes with their account, end to end in Chromium, with an
axe-core check on every page they visit."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.conftest import link_in
from tests.factories import PASSWORD, OrganisationFactory, UserFactory

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]


def sign_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_up_and_confirm(page, mailoutbox, name, email, *, organisation="", new_organisation=""):
    """Create an account as a pharmacist in the South West, with the passphrase
    "a-long-unusual-passphrase", and confirm the address from the e-mail (the first in
    mailoutbox). The organisation is chosen from the list, or typed as not in it."""
    page.goto("/accounts/signup/")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase")
    page.get_by_label("Password again").fill("a-long-unusual-passphrase")
    if organisation:
        page.get_by_label("Organisation", exact=True).select_option(label=organisation)
    if new_organisation:
        page.get_by_label("Organisation not in the list").fill(new_organisation)
    page.get_by_label("Profession").select_option(label="Pharmacist")
    page.get_by_label("Region").select_option(label="South West")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    page.goto(link_in(mailoutbox[0], "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()


def test_sign_up_verify_sign_in_edit_profile_sign_out(page, mailoutbox):
    OrganisationFactory(name="Example Community Pharmacy")
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)

    # A first try with a missing organisation: the error summary and the field say so.
    page.get_by_label("Full name").fill("Robin Example")
    page.get_by_label("E-mail address").fill("robin@example.nhs.uk")
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase")
    page.get_by_label("Password again").fill("a-long-unusual-passphrase")
    page.get_by_label("Profession").select_option(label="Pharmacist")
    page.get_by_label("Region").select_option(label="South West")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose your organisation")
    assert_accessible(page)
    # The error summary links to the field, and what was typed is still there.
    page.locator(".nhsuk-error-summary a").first.click()
    expect(page.locator("#id_organisation")).to_be_focused()
    expect(page.get_by_label("Full name")).to_have_value("Robin Example")

    page.get_by_label("Organisation", exact=True).select_option(label="Example Community Pharmacy")
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase")
    page.get_by_label("Password again").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    assert_accessible(page)

    assert len(mailoutbox) == 1
    page.goto(link_in(mailoutbox[0], "/accounts/confirm-email/"))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    sign_in(page, "robin@example.nhs.uk", "a-long-unusual-passphrase")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Robin")
    assert_accessible(page)

    page.get_by_role("link", name="Edit your profile").click()
    assert_accessible(page)
    page.get_by_label("Job title").fill("Community pharmacist")
    page.get_by_label("Short bio").fill("Medicines use reviews for care-home residents.")
    # Keyboard only: submit the form from the last field with Enter.
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("Job title").press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Your profile has been saved."
    )
    assert_accessible(page)
    user = User.objects.get(email="robin@example.nhs.uk")
    assert user.job_title == "Community pharmacist"

    page.get_by_role("button", name="Sign out").click()
    # allauth asks to confirm sign-out when reached by GET; a POST from the header signs out at once.
    if page.get_by_role("button", name="Sign Out").count():
        assert_accessible(page)
        page.get_by_role("button", name="Sign Out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    assert_accessible(page)


def test_password_reset_end_to_end(page, mailoutbox):
    UserFactory(email="casey@example.org", name="Casey Example")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    assert_accessible(page)
    page.get_by_label("Email").fill("casey@example.org")
    page.get_by_role("button", name="Reset My Password").click()
    assert_accessible(page)
    assert len(mailoutbox) == 1
    page.goto(link_in(mailoutbox[0], "/accounts/password/reset/key/"))
    assert_accessible(page)
    page.get_by_label("New Password", exact=True).fill("another-long-passphrase")
    page.get_by_label("New Password (again)").fill("another-long-passphrase")
    page.get_by_role("button", name="Change Password").click()
    assert_accessible(page)
    sign_in(page, "casey@example.org", "another-long-passphrase")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Casey")


def current_totp(secret):
    counter = list(yield_hotp_counters_from_time())[1]  # the middle one: now
    return format_hotp_value(hotp_value(secret, counter))


def test_enrol_authenticator_app_and_sign_in_with_it(page):
    UserFactory(email="drew@example.org", name="Drew Example")
    sign_in(page, "drew@example.org")
    page.goto("/accounts/settings/")
    assert_accessible(page)
    page.get_by_role("link", name="Two-factor authentication").click()
    assert_accessible(page)
    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # enabling MFA asks for the password again
        assert_accessible(page)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    assert_accessible(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(current_totp(secret))
    page.get_by_role("button", name="Activate").click()
    assert Authenticator.objects.filter(user__email="drew@example.org", type="totp").exists()
    # Recovery codes are offered after activation.
    page.goto("/accounts/2fa/recovery-codes/")
    assert_accessible(page)
    expect(page.locator("body")).to_contain_text("recovery codes")

    page.get_by_role("button", name="Sign out").click()
    if page.get_by_role("button", name="Sign Out").count():
        page.get_by_role("button", name="Sign Out").click()
    sign_in(page, "drew@example.org")
    # The second step asks for the code.
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.get_by_label("Code", exact=True).fill(current_totp(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Drew")


def test_an_organisation_typed_at_sign_up_waits_for_staff_and_stays_on_the_profile(
    page, mailoutbox
):
    OrganisationFactory(name="Example Community Pharmacy")
    sign_up_and_confirm(
        page,
        mailoutbox,
        "Alex Example",
        "alex@example.nhs.uk",
        new_organisation="Harbourside Hospice",
    )
    sign_in(page, "alex@example.nhs.uk", "a-long-unusual-passphrase")

    page.goto("/accounts/settings/")
    expect(page.locator("main")).to_contain_text(
        "Harbourside Hospice (new: listed for others once staff have checked it)"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Edit your profile").click()
    organisation = page.get_by_label("Organisation", exact=True)
    expect(organisation.locator("option:checked")).to_have_text("Harbourside Hospice")
    assert_accessible(page)

    # Someone else signing up is not offered it until staff have confirmed it.
    page.get_by_role("button", name="Sign out").click()
    if page.get_by_role("button", name="Sign Out").count():
        page.get_by_role("button", name="Sign Out").click()
    page.goto("/accounts/signup/")
    options = page.get_by_label("Organisation", exact=True).locator("option").all_inner_texts()
    assert "Example Community Pharmacy" in options and "Harbourside Hospice" not in options
