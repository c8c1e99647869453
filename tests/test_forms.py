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

from cop_platform.forms import DateInput, DateTimeInput
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
