"""Closing an account leaves no trace of who the person was, except where documented
(accounts.personal_data.KEPT_AFTER_ERASURE): the person's name, addresses, network address
and browser are planted everywhere they go, and looked for in every column afterwards."""

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from accounts.personal_data import KEPT_AFTER_ERASURE, account_erase
from communities import services as community_services
from communities.models import Community, Invitation, Report
from communities.moderation.services import content_report
from communities.selectors import community_activity
from core.models import AuditEntry
from core.services import audit_log
from knowledge.models import Comment, ResourceVersion, Story
from tests.factories import (
    PASSWORD,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NAME = "Quentin Plantwell"
EMAIL = "quentin.plantwell@example.nhs.uk"
OTHER_EMAIL = "q.plantwell@example.org"
IP = "198.51.100.23"
AGENT = "PlantBrowser/7.1"
TRACES = [NAME, EMAIL, OTHER_EMAIL, IP, AGENT]

TEXT_FIELDS = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.GenericIPAddressField,
)


def traces_left():
    """Every column of every model still holding one of the person's traces, as
    "app.Model.field" → the traces found there."""
    found = {}
    for model in apps.get_models():
        columns = [f.name for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not columns:
            continue
        for row in model.objects.values_list(*columns):
            for column, value in zip(columns, row, strict=True):
                text = json.dumps(value, ensure_ascii=False, default=str).lower()
                hits = {t for t in TRACES if t.lower() in text}
                if hits:
                    found.setdefault(f"{model._meta.label}.{column}", set()).update(hits)
    return found


def documented(column):
    label = column.rsplit(".", 1)[0]
    return column in KEPT_AFTER_ERASURE or f"{label}.*" in KEPT_AFTER_ERASURE


@pytest.fixture
def planted(django_capture_on_commit_callbacks):
    """The person, after a realistic life on the platform that wrote their name, their
    addresses, their network address and their browser into every place they go."""
    person, community, convener = _joined(django_capture_on_commit_callbacks)
    _signed_in(person, convener)
    _contributed(person, community, convener, django_capture_on_commit_callbacks)
    # Sanity: the planting reached the places the erasure must clean.
    left = traces_left()
    for column in [
        "accounts.EmailDelivery.to_address",
        "accounts.EmailDelivery.body_text",
        "core.AuditEntry.data",
        "core.AuditEntry.ip_address",
        "communities.Invitation.email",
        "communities.Membership.decision_message",
        "usersessions.UserSession.ip",
        "admin.LogEntry.object_repr",
        "knowledge.ResourceVersion.original_name",
        "communities.Report.reason",
    ]:
        assert column in left, column
    return person, community, convener


def _joined(django_capture_on_commit_callbacks):
    """The person with a second address, who asked to join a community (approved with a
    message) and accepted an invitation to another."""
    convener = UserFactory(name="Carys Example")
    community = CommunityFactory(join_policy=Community.JoinPolicy.APPROVAL)
    MembershipFactory(community=community, user=convener, role="convener")
    invited_to = CommunityFactory()
    MembershipFactory(community=invited_to, user=convener, role="convener")
    person = UserFactory(name=NAME, email=EMAIL, bio=f"I am {NAME}")
    EmailAddress.objects.create(user=person, email=OTHER_EMAIL, verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        membership = community_services.membership_join(
            community=community, user=person, note=f"{NAME} here, from the falls team"
        )
        community_services.membership_decide(
            membership=membership, actor=convener, approve=True, message=f"Welcome, {NAME}"
        )
        community_services.invitation_create(
            community=invited_to, actor=convener, emails=[EMAIL], message=f"Dear {NAME}"
        )
        community_services.invitation_accept(
            invitation=Invitation.objects.get(email=EMAIL), user=person
        )
    return person, community, convener


def _signed_in(person, convener):
    """Sign-ins (one failed), a profile change, a browser session and an admin's edit."""
    for action in ("auth.sign_in", "profile.update"):
        audit_log(actor=person, action=action, target=person, ip_address=IP, data={"agent": AGENT})
    audit_log(
        actor=None,
        action="auth.sign_in_failed",
        ip_address=IP,
        data={"login": EMAIL.upper(), "agent": AGENT},
    )
    UserSession.objects.create(user=person, ip=IP, session_key="p" * 32, user_agent=AGENT)
    LogEntry.objects.create(
        user=convener,
        content_type=ContentType.objects.get_for_model(person),
        object_id=str(person.pk),
        object_repr=NAME,
        action_flag=CHANGE,
        change_message="[]",
    )


def _contributed(person, community, convener, django_capture_on_commit_callbacks):
    """A resource with a named file, a comment, a story, a report of someone else's story
    and minutes that name the person."""
    resource = ResourceFactory(community=community, owner=person, title="Falls leaflet")
    ResourceVersion.objects.create(
        resource=resource,
        number=1,
        file="resources/random-name.pdf",
        original_name=f"{NAME} falls leaflet.pdf",
        content_type="application/pdf",
        size=10,
        uploaded_by=person,
    )
    Comment.objects.create(resource=resource, author=person, body=f"{NAME} wrote this")
    Story.objects.create(
        community=community, author=person, title="Our story", what_happened=f"{NAME} led it"
    )
    # A report of someone else's story, in the person's words.
    told = Story.objects.create(
        community=community, author=convener, title="Told", what_happened="."
    )
    with django_capture_on_commit_callbacks(execute=True):  # the conveners' e-mail goes
        content_report(target=told, reporter=person, reason=f"{NAME} thinks it names a patient")
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(community=community, title="Review", starts_at=start)
    MinutesFactory(meeting=meeting, notes=f"{NAME} presented the audit.")


@pytest.mark.eager_tasks
@pytest.mark.parametrize("remove_contributions", [False, True])
def test_no_trace_survives_but_what_is_documented(planted, remove_contributions):
    person, community, convener = planted
    account_erase(user=person, actor=person, remove_contributions=remove_contributions)

    left = traces_left()
    assert {c: t for c, t in left.items() if not documented(c)} == {}
    # The places a data-protection officer found the person, one by one.
    assert not {c for c in left if c.startswith("accounts.")}  # outbox and audit
    assert "communities.Invitation.email" not in left
    activity = list(community_activity(community=community))
    assert activity and {e.actor.name for e in activity if e.actor_id == person.pk} == {
        "Former member"
    }
    if remove_contributions:
        assert not {c for c in left if c.startswith("knowledge.")}
        assert "communities.Report.reason" not in left
        assert not Report.objects.filter(reporter=person).exists()
    else:
        assert Report.objects.get(reporter=person).reporter.name == "Former member"
        (version,) = ResourceVersion.objects.filter(uploaded_by=person)
        assert version.original_name == f"resource-{version.resource_id}-v1.pdf"
    # What happened is still there; only who it was has gone.
    assert AuditEntry.objects.filter(action="auth.sign_in", actor=person).exists()
    assert EmailDelivery.objects.filter(recipient=person).exists()


def test_a_sign_in_attempt_after_closure_does_not_store_the_address(client, planted):
    person, *_ = planted
    account_erase(user=person, actor=person)
    client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert traces_left().keys() <= {c for c in traces_left() if documented(c)}
    failed = AuditEntry.objects.filter(action="auth.sign_in_failed").latest("created_at")
    assert failed.data["login"] == "" and failed.data["login_digest"]
    # The same address tried again reads as the same digest.
    client.post(reverse("account_login"), {"login": EMAIL.upper(), "password": PASSWORD})
    again = AuditEntry.objects.filter(action="auth.sign_in_failed").latest("created_at")
    assert again.pk != failed.pk and again.data["login_digest"] == failed.data["login_digest"]


def test_a_failed_sign_in_to_an_account_keeps_the_address():
    person = UserFactory(email="rowan@example.org")
    entry = audit_log(actor=None, action="auth.sign_in_failed", data={"login": "Rowan@example.org"})
    assert entry.data == {"login": "Rowan@example.org"}
    assert person.is_active


def test_a_legal_hold_keeps_the_audit_trail(planted):
    person, *_ = planted
    account_erase(user=person, actor=None, audit_hold=True)
    entry = AuditEntry.objects.filter(action="auth.sign_in", actor=person).get()
    assert (entry.ip_address, entry.data["agent"]) == (IP, AGENT)
    closed = AuditEntry.objects.get(action="account.erase")
    assert closed.data["audit_hold"] is True and closed.data["by"] == "staff"
