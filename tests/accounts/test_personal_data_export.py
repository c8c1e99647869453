"""The download of one's data: complete by construction, and it says what it holds."""

import io
import json
import zipfile

import pytest
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.outbox.delivery import email_queue_rendered
from accounts.personal_data import HOLDERS, covered_fields, export_archive
from core.services import audit_log
from knowledge.models import UsefulMark
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    ResourceFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _person_fields():
    """Every relation from a model of any installed app to a person."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is user_model:
                yield model._meta.label, field.name


def test_every_relation_to_a_person_is_in_some_apps_export():
    missing = sorted(set(_person_fields()) - covered_fields())
    assert missing == [], f"register these in an app's personal_data export: {missing}"


def test_the_check_notices_a_relation_no_export_reads(monkeypatch):
    knowledge = HOLDERS["knowledge"]
    parts = tuple(p for p in knowledge.export.parts if p.model != "knowledge.UsefulMark")
    monkeypatch.setattr(knowledge.export, "parts", parts)
    assert ("knowledge.UsefulMark", "user") in set(_person_fields()) - covered_fields()


def _archive(person):
    archive = zipfile.ZipFile(io.BytesIO(export_archive(person)))
    return archive, json.loads(archive.read("data.json"))


def test_the_export_holds_what_was_missing():
    person = UserFactory(name="Nia Example", email="nia@example.nhs.uk")
    community = CommunityFactory(name="Wound care")
    MembershipFactory(community=community, user=person)
    resource = ResourceFactory(
        community=community,
        owner=person,
        licence="CC BY 4.0",
        review_date=timezone.localdate(),
        title="Dressing guide",
    )
    resource.topics.add("wounds", "dressings")
    UsefulMark.objects.create(resource=ResourceFactory(title="Someone's leaflet"), user=person)
    StoryFactory(
        community=community,
        author=person,
        how_applied="On every ward round",
        reframed_success="Fewer readmissions",
    )
    audit_log(
        actor=person,
        action="auth.sign_in",
        target=person,
        ip_address="192.0.2.10",
        data={"agent": "ExampleBrowser/1.0"},
    )
    audit_log(
        actor=None,
        action="auth.sign_in_failed",
        ip_address="192.0.2.11",
        data={"login": "NIA@example.nhs.uk", "agent": "ExampleBrowser/2.0"},
    )
    audit_log(actor=person, action="membership.join", target=community, data={"user": person.pk})
    UserSession.objects.create(
        user=person, ip="192.0.2.12", session_key="k" * 32, user_agent="ExampleBrowser/3.0"
    )
    email_queue_rendered(
        recipient=person,
        to_address=person.email,
        purpose="test:welcome",
        subject="Welcome",
        text="Hello Nia, welcome to wound care.",
    )

    archive, data = _archive(person)

    assert data["knowledge"]["useful_marks"][0]["resource__title"] == "Someone's leaflet"
    (res,) = data["knowledge"]["resources"]
    assert (res["community"], res["licence"], res["topics"]) == (
        "Wound care",
        "CC BY 4.0",
        ["dressings", "wounds"],
    )
    assert res["review_date"] == timezone.localdate().isoformat()
    (story,) = data["knowledge"]["stories"]
    assert story["how_applied"] == "On every ward round"
    assert story["reframed_success"] == "Fewer readmissions"
    history = data["account"]["sign_in_history"]
    assert {(h["action"], h["ip_address"], h["browser"]) for h in history} == {
        ("auth.sign_in", "192.0.2.10", "ExampleBrowser/1.0"),
        ("auth.sign_in_failed", "192.0.2.11", "ExampleBrowser/2.0"),
    }
    (session,) = data["account"]["active_sessions"]
    assert (session["ip"], session["user_agent"]) == ("192.0.2.12", "ExampleBrowser/3.0")
    (mail,) = data["account"]["emails_sent_to_you"]
    assert mail["body_text"] == "Hello Nia, welcome to wound care."
    joined = next(a for a in data["account"]["your_actions"] if a["action"] == "membership.join")
    assert joined["target"] == f"community {community.pk}"

    readme = archive.read("README.txt").decode()
    for holder in HOLDERS.values():
        for part in holder.export.parts:
            assert f"{part.key}: {part.about}" in readme
    assert "files/knowledge/" in readme


def test_another_persons_sign_ins_and_mail_stay_out():
    person = UserFactory(email="nia@example.nhs.uk")
    other = UserFactory(email="other@example.org")
    audit_log(actor=other, action="auth.sign_in", target=other, ip_address="192.0.2.99")
    audit_log(actor=None, action="auth.sign_in_failed", data={"login": "other@example.org"})
    email_queue_rendered(
        recipient=other, to_address=other.email, purpose="test:x", subject="For other", text="x"
    )
    _archive_, data = _archive(person)
    assert data["account"]["sign_in_history"] == []
    assert data["account"]["emails_sent_to_you"] == []


def test_the_download_page_gives_the_zip_with_its_readme(client):
    person = UserFactory()
    client.force_login(person)
    response = client.post(reverse("accounts:personal_data"))
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names[:2] == ["README.txt", "data.json"]
