"""What the manual accessibility audit (WCAG 2.2 AA) found, each checked in the HTML a
person gets: status messages are announced, errors name their field, fields say what they
are for, tables say what they hold, and no group of fields is drawn empty."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.forms import ProfileForm
from accounts.models import User
from communities.forms import DecisionForm
from meetings.forms import MinutesForm
from tests.conftest import soup


@pytest.mark.parametrize(
    "level, text",
    [
        (constants.SUCCESS, "You are registered"),
        (constants.ERROR, "This meeting has already started: registration is closed"),
        (constants.INFO, "Your session expired: sign in again"),
        (constants.WARNING, "The cohort is full"),
    ],
)
def test_every_message_is_announced(level, text):
    html = render_to_string("components/messages.html", {"messages": [Message(level, text)]})
    banner = BeautifulSoup(html, "html.parser").select_one(".nhsuk-notification-banner")
    assert banner["role"] == "alert"
    assert "data-disable-auto-focus" not in banner.attrs
    assert text in banner.get_text()


def test_only_the_first_of_several_messages_takes_the_focus():
    messages = [Message(constants.ERROR, "First"), Message(constants.INFO, "Second")]
    html = render_to_string("components/messages.html", {"messages": messages})
    banners = BeautifulSoup(html, "html.parser").select(".nhsuk-notification-banner")
    assert [b.get("data-disable-auto-focus") for b in banners] == [None, "true"]


@pytest.mark.django_db
def test_an_empty_sign_in_says_which_field_is_missing(client):
    page = soup(client.post(reverse("account_login"), {"login": "", "password": ""}))
    summary = [a.get_text(strip=True) for a in page.select(".nhsuk-error-summary a")]
    assert summary == ["Enter your e-mail address", "Enter your password"]
    # One way to a new password, in the site's words.
    links = [a.get_text(strip=True) for a in page.select("main form a") if "Forgot" in a.get_text()]
    assert links == ["Forgotten your password?"]


@pytest.mark.django_db
def test_the_profile_form_says_what_its_fields_are_for():
    html = BeautifulSoup(str(ProfileForm()), "html.parser")
    assert html.select_one("#id_name")["autocomplete"] == "name"
    assert html.select_one("#id_job_title")["autocomplete"] == "organization-title"
    assert html.select_one("#id_organisation_name")["autocomplete"] == "organization"


@pytest.mark.django_db
def test_no_empty_group_of_checkboxes_when_there_is_nothing_to_close():
    form = MinutesForm(members=User.objects.none(), open_actions=[])
    html = BeautifulSoup(str(form), "html.parser")
    assert html.select("fieldset") == []
    assert html.select_one("#id_notes") is not None


def test_a_group_names_its_hint_and_error_only_when_it_has_them():
    clean = BeautifulSoup(str(DecisionForm()), "html.parser").select_one("fieldset")
    assert "aria-describedby" not in clean.attrs
    with_error = DecisionForm(data={})
    with_error.is_valid()
    fieldset = BeautifulSoup(str(with_error), "html.parser").select_one("fieldset")
    assert fieldset["aria-describedby"] == "id_decision_error"
