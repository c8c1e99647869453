"""Dates on every form round-trip: what the browser is given is what it sends back.

A browser's <input type="date"> accepts only an ISO value (2027-08-03); given the locale's
03/08/2027 it shows the field empty, and saving the unchanged form loses the date."""

import importlib
import inspect
from datetime import date, timedelta

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from core.forms import DateInput, DateTimeInput
from tests.conftest import as_the_browser_sends_it, soup
from tests.factories import CommunityFactory, MembershipFactory, ResourceFactory

PROJECT_APPS = [
    a
    for a in apps.get_app_configs()
    if a.path.startswith(str(settings.BASE_DIR)) and ".venv" not in a.path
]


def _project_forms():
    for app in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_date_field_of_every_form_uses_the_iso_widgets():
    checked, wrong = 0, []
    for form_class in _project_forms():
        for name, field in form_class.base_fields.items():
            expected = (
                DateTimeInput
                if isinstance(field, forms.DateTimeField)
                else DateInput
                if isinstance(field, forms.DateField)
                else None
            )
            if expected is None:
                continue
            checked += 1
            if not isinstance(field.widget, expected):
                wrong.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert checked >= 8  # the forms of meetings, the library and the programmes have dates
    assert wrong == []


def test_the_widgets_write_iso_values():
    assert 'value="2027-08-03"' in DateInput().render("d", date(2027, 8, 3))
    assert 'type="date"' in DateInput().render("d", None)
    from datetime import datetime

    rendered = DateTimeInput().render("t", datetime(2027, 8, 3, 9, 30))
    assert 'value="2027-08-03T09:30"' in rendered and 'type="datetime-local"' in rendered


@pytest.mark.django_db
def test_editing_a_resource_keeps_its_review_date(client):
    community = CommunityFactory()
    owner = MembershipFactory(community=community).user
    review = date.today() + timedelta(days=240)
    resource = ResourceFactory(community=community, owner=owner, review_date=review)
    client.force_login(owner)
    url = reverse("knowledge:resource_edit", args=[resource.pk])
    form = soup(client.get(url)).select_one("main form[method=post]")
    assert form.select_one("input[name=review_date]")["value"] == review.isoformat()
    response = client.post(url, as_the_browser_sends_it(form))
    assert response.status_code == 302, soup(response).select(".nhsuk-error-message")
    resource.refresh_from_db()
    assert resource.review_date == review


# --- Error messages that name their field ---------------------------------------------------
# An error summary of "This field is required." twice links to two fields and says nothing
# of either; "Ensure this value is greater than or equal to 0." speaks of a "value". Every
# form of the project (and allauth's, through ACCOUNT_FORMS and MFA_FORMS) says which field
# and what to do.

DJANGO_REQUIRED = str(forms.Field.default_error_messages["required"])
LIMIT_CODES = ("min_value", "max_value")
# Forms that allauth builds in the middle of a flow, from state a test cannot stand up on its
# own: their messages are checked where the flow is (tests/accounts/test_sso.py).
BUILT_MID_FLOW = {"SocialSignupForm", "SignInRemoveForm"}


def _build(form_class, samples):
    """An unbound instance, given what its constructor asks for (keyword arguments it names,
    or pops from **kwargs: allauth's style)."""
    signature = inspect.signature(form_class.__init__)
    kwargs = {
        name: samples[name]
        for name, p in signature.parameters.items()
        if name in samples and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    }
    for _ in range(5):
        try:
            return form_class(**kwargs)
        except KeyError as missing:
            kwargs[missing.args[0]] = samples[missing.args[0]]
    raise AssertionError(f"Cannot build {form_class.__name__}")


def _form_classes():
    from django.conf import settings as django_settings
    from django.utils.module_loading import import_string

    classes = {c for c in _project_forms() if c.__name__ not in BUILT_MID_FLOW}
    for path in [*django_settings.ACCOUNT_FORMS.values(), *django_settings.MFA_FORMS.values()]:
        classes.add(import_string(path))
    return sorted(classes, key=lambda c: (c.__module__, c.__name__))


def _field_message_faults(form):
    faults = []
    for name, field in form.fields.items():
        where = f"{type(form).__module__}.{type(form).__name__}.{name}"
        if field.required and str(field.error_messages["required"]) == DJANGO_REQUIRED:
            faults.append(f"{where}: Django's required message")
        for validator in field.validators:
            if validator.code in LIMIT_CODES and validator.code not in field.error_messages:
                faults.append(f"{where}: Django's {validator.code} message")
    return faults


@pytest.mark.django_db
def test_every_field_of_every_form_has_its_own_messages(rf, programme):
    from allauth.core import context
    from django.contrib.sessions.backends.db import SessionStore

    from communities.extensions import HOLDINGS
    from communities.models import Community, Network
    from meetings.models import Registration
    from tests.factories import UserFactory

    user = UserFactory()
    community = CommunityFactory()
    request = rf.get("/")
    request.user, request.session = user, SessionStore()
    samples = {
        "user": user,
        "request": request,
        "community": community,
        "communities": Community.objects.none(),
        "networks": Network.objects.none(),
        "targets": Community.objects.none(),
        "figures": {"organisation_ids": [], "profession_ids": []},
        "registrations": Registration.objects.none(),
        "members": user.__class__.objects.none(),
        "open_actions": [],
        "criteria": ["Passion for the domain"],
        "programme": programme,
        "destination": None,
        "entry": None,  # a new journal entry
        # What a split may take, as the apps above declare it (communities.extensions).
        "holdings": [(h, [(1, "A choice")]) for h in HOLDINGS if h.choices],
    }
    checked, faults = 0, []
    with context.request_context(request):
        for form_class in _form_classes():
            form = _build(form_class, samples)
            checked += 1
            faults += _field_message_faults(form)
    assert checked >= 50
    assert faults == [], "\n".join(faults)


def test_the_check_finds_django_s_default_messages():
    class Careless(forms.Form):
        name = forms.CharField()
        capacity = forms.IntegerField(min_value=0, required=False)

    assert _field_message_faults(Careless()) == [
        "tests.test_forms.Careless.name: Django's required message",
        "tests.test_forms.Careless.capacity: Django's min_value message",
    ]
