"""Wiring: health check, settings modes, demo data, error pages, the default path."""

import json
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import override_settings
from django.urls import reverse

from accounts.models import Organisation, User
from communities.models import Community, Invitation, Membership, Network
from communities.selectors import needs_offers_board
from devdata.demo import seed_demo
from tests.conftest import ROOT, soup

PY = sys.executable


def run(args, env_extra, cwd=ROOT, timeout=180):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(env_extra)
    return subprocess.run(
        [PY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.django_db
def test_healthz_reports_each_component(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client):
    with mock.patch("core.health._database", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: OperationalError"


@pytest.mark.django_db
def test_healthz_reports_a_broker_that_is_down(client):
    with mock.patch("core.health._broker", return_value="error: OperationalError"):
        response = client.get("/healthz")
    assert response.status_code == 200  # the platform degrades, it does not stop
    assert response.json()["checks"]["broker"].startswith("error")


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    first = seed_demo()
    counts = (
        User.objects.count(),
        Organisation.objects.count(),
        Network.objects.count(),
        Community.objects.count(),
        Membership.objects.count(),
    )
    seed_demo()
    assert counts == (
        User.objects.count(),
        Organisation.objects.count(),
        Network.objects.count(),
        Community.objects.count(),
        Membership.objects.count(),
    )
    assert first["networks"] == 2 and first["communities"] == 9 and first["organisations"] == 14
    assert 55 <= User.objects.count() <= 65
    assert User.objects.values("profession").distinct().count() >= 8
    assert User.objects.filter(is_staff=True, email="admin@example.org").exists()
    assert (
        Network.objects.get(slug="north-coast-patient-safety")
        .managers.filter(email="manager@example.nhs.uk")
        .exists()
    )
    conveners = Membership.objects.filter(role="convener", user__email="convener@example.nhs.uk")
    assert conveners.filter(community__status="active").count() == 2
    # The life of communities: every phase, history, charter versions, requests, an
    # invitation, needs that meet offers, and an archived community merged into another.
    assert set(Community.objects.values_list("phase", flat=True)) == {
        p.value for p in Community.Phase
    }
    care_homes = Community.objects.get(slug="care-homes-medicines")
    assert care_homes.charter_versions.count() == 2
    assert care_homes.memberships.filter(status="requested").count() == 3
    assert Community.objects.get(slug="care-homes-county-pilot").merged_into == care_homes
    assert Invitation.objects.filter(status="pending").exists()
    board = needs_offers_board(community=care_homes)
    assert any(row["matches"] for row in board["rows"])
    # Meetings: past ones with minutes, a full one with a waiting list, a series, actions.
    from meetings.models import ActionItem, Meeting, Registration

    assert Meeting.objects.filter(community=care_homes, minutes__status="published").count() == 3
    assert Registration.objects.filter(status="waiting").exists()
    assert Meeting.objects.filter(series__isnull=False).count() >= 5
    assert set(ActionItem.objects.values_list("status", flat=True)) == {"open", "done"}
    assert Meeting.objects.filter(network__isnull=False).exists()
    # Programmes: one recruiting with an application in every state, one running.
    from conveners.models import Application, LeadershipProgramme
    from conveners.selectors import meetings_convened

    recruiting = LeadershipProgramme.objects.get(slug="convener-leadership-2027")
    assert set(recruiting.applications.values_list("status", flat=True)) == set(
        Application.Status.values
    )
    participant = Application.objects.get(
        programme__slug="convener-leadership-2026", status="accepted"
    )
    assert participant.journal.count() == 2
    assert meetings_convened(application=participant).count() >= 1
    assert all(c.memberships.filter(role="convener").exists() for c in Community.objects.all())
    # Invented people only: every address is on an example domain.
    assert not User.objects.exclude(email__regex=r"@example\.(org|nhs\.uk)$").exists()


@pytest.mark.django_db
def test_demo_accounts_can_sign_in(client):
    seed_demo()
    for email in [
        "admin@example.org",
        "manager@example.nhs.uk",
        "convener@example.nhs.uk",
        "member@example.org",
    ]:
        response = client.post(
            reverse("account_login"), {"login": email, "password": "demo-community-2026"}
        )
        assert response.status_code == 302 and response.url == "/", email
        client.logout()


@pytest.mark.django_db
def test_home_for_visitor_and_member(client, user):
    page = soup(client.get("/"))
    assert page.find("h1").get_text(strip=True).startswith("Improve practice together")
    assert page.select_one("a.nhsuk-skip-link")["href"] == "#maincontent"
    assert page.find(id="maincontent") is not None
    footer = page.find("footer")
    assert footer.find("a", string="Accessibility statement") and footer.find(
        "a", string="Privacy notice"
    )
    client.force_login(user)
    page = soup(client.get("/"))
    assert "You are not a member of any community yet" in page.get_text()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_home_query_count_does_not_grow(client, user, django_assert_max_num_queries, size):
    from tests.factories import MembershipFactory

    for _ in range(size):
        MembershipFactory(user=user)
    client.force_login(user)
    with django_assert_max_num_queries(25):
        response = client.get("/")
    assert response.status_code == 200
    page = soup(response)
    assert len(page.select(".app-home-communities li")) == size


@pytest.mark.django_db
def test_404_page_in_the_design(client):
    with override_settings(DEBUG=False):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = soup(response)
    assert page.find("h1").get_text(strip=True) == "Page not found"
    assert page.select_one("header.nhsuk-header")


def test_500_page_renders_without_a_request():
    from django.template.loader import render_to_string

    page = soup(type("R", (), {"content": render_to_string("500.html").encode()})())
    assert page.find("h1").get_text(strip=True) == "Sorry, there is a problem with the service"


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    scripts = soup(response).find_all("script")
    assert scripts and all(s.get("nonce") == nonce for s in scripts)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(
        ["manage.py", "check"],
        {"DJANGO_ENV": "production", "ALLOWED_HOSTS": "cop.example.org", "VAR_DIR": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_check_deploy_reports_nothing(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 20 + "-Zq8!rT3#vW6&yB1^nM4*pL7(sD0)fG2_hJ5+kX9",
        "ALLOWED_HOSTS": "cop.example.org",
        "VAR_DIR": str(tmp_path),
    }
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_default_path_fresh_sqlite_migrate_seed_twice_and_serve(tmp_path):
    """The embedded defaults, as `make run` uses them: no DATABASE_URL, no REDIS_URL."""
    env = {"VAR_DIR": str(tmp_path)}
    for args in (
        ["manage.py", "migrate", "--no-input"],
        ["manage.py", "seed_demo"],
        ["manage.py", "seed_demo"],
    ):
        result = run(args, env)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "admin@example.org" in result.stdout
    assert (tmp_path / "db.sqlite3").exists()
    script = (
        "import django, json; django.setup();"
        "from django.test import Client; c = Client();"
        "h = c.get('/'); z = c.get('/healthz');"
        "print(json.dumps([h.status_code, z.status_code, z.json()]))"
    )
    env["ALLOWED_HOSTS"] = "testserver"
    result = run(["-c", script], env | {"DJANGO_SETTINGS_MODULE": "cop_platform.settings"})
    assert result.returncode == 0, result.stderr
    home, health, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert (home, health) == (200, 200)
    assert body["checks"]["database"] == "ok" and body["broker_transport"] == "filesystem"


def test_select_options_are_escaped_grouped_and_marked_selected():
    """Selects write their options in Python (core.templatetags.ui.select_options): the
    same markup as Django's own template, values and labels escaped, groups and choices kept."""
    from bs4 import BeautifulSoup
    from django import forms

    class Form(forms.Form):
        one = forms.ChoiceField(
            choices=[("", "Any"), ('a"<b>', "A & <B>"), ("Group <1>", [("c", "C"), ("d", "D")])],
            required=False,
        )
        many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)

    form = Form({"one": "d", "many": ["x", "y"]})
    assert form.is_valid()
    assert str(form["one"]) == (
        '<select name="one" class="nhsuk-select" id="id_one">\n'
        '  <option value="">Any</option>\n'
        '  <option value="a&quot;&lt;b&gt;">A &amp; &lt;B&gt;</option>\n'
        '  <optgroup label="Group &lt;1&gt;">\n'
        '  <option value="c">C</option>\n'
        '  <option value="d" selected>D</option>\n'
        "  </optgroup>\n"
        "</select>"
    )
    many = BeautifulSoup(str(form["many"]), "html.parser")
    assert [o["value"] for o in many.select("option[selected]")] == ["x", "y"]
    assert many.select_one("select").has_attr("multiple")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field"),
    [("knowledge.Resource", "external_url"), ("meetings.Meeting", "joining_link")],
)
def test_link_fields_in_the_admin_assume_https_as_the_site_forms_do(rf, model, field):
    from django.apps import apps
    from django.contrib import admin

    from core.forms import HttpsURLField
    from tests.factories import UserFactory

    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form = admin.site._registry[apps.get_model(model)].get_form(request)
    assert isinstance(form.base_fields[field], HttpsURLField)
    assert form.base_fields[field].clean("example.org/agenda") == "https://example.org/agenda"


def test_every_committing_test_puts_the_database_back_as_it_found_it():
    """A test that commits (transaction=True) without serialized_rollback ends with a flush
    that makes the content types again under new keys: the next test that restores the
    database then fails on them, depending on the order the tests run in."""
    from pathlib import Path

    root = Path(__file__).resolve().parent
    bare = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "django_db(" in line
        and "transaction=True" in line
        and "serialized_rollback=True" not in line
    ]
    assert bare == []
