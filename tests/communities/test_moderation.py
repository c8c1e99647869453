"""The one moderation path (communities.moderation): report, hide, show again, dismiss, for
stories and comments alike, with their audit entries and e-mails."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from accounts.models import EmailDelivery
from accounts.outbox.preferences import PREFERENCES
from communities.models import Community, Membership, Report
from communities.moderation.registry import KINDS
from communities.moderation.selectors import open_reports
from communities.moderation.services import (
    ModerationError,
    content_hide,
    content_report,
    content_unhide,
    report_dismiss,
)
from core.models import AuditEntry
from knowledge import services as knowledge_services
from knowledge.permissions import stories_visible_to
from tests.conftest import soup
from tests.factories import (
    CommentFactory,
    CommunityFactory,
    ConvenedCommunityFactory,
    MembershipFactory,
    ResourceFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    community = ConvenedCommunityFactory(members=2)
    author, reader = community.members
    co_convener = MembershipFactory(community=community, role=Membership.Role.CO_CONVENER).user
    conveners = [community.lead, co_convener]
    story = StoryFactory(community=community, author=author, title="Our falls audit")
    return community, author, reader, conveners, story


def audit(action, community):
    return AuditEntry.objects.filter(
        action=action,
        target_type=ContentType.objects.get_for_model(Community),
        target_id=str(community.pk),
    )


@pytest.mark.eager_tasks
def test_a_report_tells_each_convener_once(place, django_capture_on_commit_callbacks):
    community, _, reader, conveners, story = place
    for person in conveners:  # a report is not a notice they can switch off
        person.membership_notices = False
        person.save()
    with django_capture_on_commit_callbacks(execute=True):
        report = content_report(target=story, reporter=reader, reason="  It names a patient. ")
    assert (report.kind, report.object_id, report.community) == ("story", story.pk, community)
    assert report.reason == "It names a patient." and report.is_open
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in conveners)
    message = mail.outbox[0]
    assert "Our falls audit" in message.subject or "Our falls audit" in message.body
    assert "It names a patient." in message.body
    assert reader.name not in message.body  # the conveners' queue names the reporter, not mail
    assert reverse("communities:moderation", args=[community.slug]) in message.body
    assert set(EmailDelivery.objects.values_list("preference", flat=True)) == {""}
    assert audit("story.report", community).get().data == {"story": story.pk, "report": report.pk}


def test_reporting_twice_is_refused_and_sends_nothing_more(place):
    _, _, reader, _, story = place
    content_report(target=story, reporter=reader, reason="Not true.")
    sent = EmailDelivery.objects.count()
    with pytest.raises(ModerationError, match="already reported"):
        content_report(target=story, reporter=reader, reason="Still not true.")
    assert Report.objects.count() == 1 and EmailDelivery.objects.count() == sent


def test_a_report_needs_a_reason_and_a_story_the_reporter_may_see(place):
    _, _, reader, _, story = place
    with pytest.raises(ModerationError) as refused:
        content_report(target=story, reporter=reader, reason="   ")
    assert refused.value.message_dict == {
        "reason": ["Say what is wrong: the conveners will read it"]
    }
    private = StoryFactory(community=CommunityFactory(visibility="private"))
    with pytest.raises(ModerationError, match="cannot be reported"):
        content_report(target=private, reporter=reader, reason="Spam")
    assert not Report.objects.exists()


@pytest.mark.eager_tasks
def test_hiding_tells_the_author_once_as_an_account_notice(
    place, django_capture_on_commit_callbacks
):
    community, author, reader, conveners, story = place
    # Every preference off: the notice still goes, and under none of them.
    for preference in PREFERENCES.values():
        setattr(author, preference.field, preference.off_value)
    author.save()
    content_report(target=story, reporter=reader, reason="It names a patient.")
    content_report(target=story, reporter=conveners[1], reason="Agreed.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        content_hide(target=story, actor=conveners[0], reason="It names a patient: rewrite it.")
        content_hide(target=story, actor=conveners[1], reason="Twice")  # changes nothing
    story.refresh_from_db()
    assert story.is_hidden and story.hidden_reason == "It names a patient: rewrite it."
    assert story.hidden_by == conveners[0] and story.hidden_at is not None
    assert [m.to[0] for m in mail.outbox] == [author.email]
    assert "It names a patient: rewrite it." in mail.outbox[0].body
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    delivery = EmailDelivery.objects.get(recipient=author)
    assert delivery.preference == "" and delivery.purpose.startswith(f"story-hidden:{story.pk}:")
    # Both open reports are answered by the hiding.
    assert set(Report.objects.values_list("outcome", "resolved_by")) == {
        (Report.Outcome.HIDDEN, conveners[0].pk)
    }
    assert audit("story.hide", community).get().data == {"story": story.pk, "reports": 2}
    assert not stories_visible_to(reader).filter(pk=story.pk).exists()
    assert not stories_visible_to(author).filter(pk=story.pk).exists()  # out of every list


def test_only_conveners_and_staff_hide_and_a_reason_is_needed(place):
    _, author, reader, conveners, story = place
    for person in (author, reader):
        with pytest.raises(ModerationError, match="Only the conveners"):
            content_hide(target=story, actor=person, reason="Mine to hide")
    with pytest.raises(ModerationError) as refused:
        content_hide(target=story, actor=conveners[0], reason="")
    assert "reason" in refused.value.message_dict
    content_hide(target=story, actor=UserFactory(is_staff=True), reason="Staff may")
    story.refresh_from_db()
    assert story.is_hidden


def test_showing_again_clears_the_reason_and_is_audited(place):
    community, _, reader, conveners, story = place
    content_hide(target=story, actor=conveners[0], reason="Names a patient")
    with pytest.raises(ModerationError):
        content_unhide(target=story, actor=reader)
    content_unhide(target=story, actor=conveners[0])
    story.refresh_from_db()
    assert not story.is_hidden and story.hidden_reason == "" and story.hidden_by is None
    assert stories_visible_to(reader).filter(pk=story.pk).exists()
    assert audit("story.unhide", community).count() == 1


def test_dismissing_a_report_closes_it_only(place):
    community, _, reader, conveners, story = place
    report = content_report(target=story, reporter=reader, reason="Boring")
    with pytest.raises(ModerationError):
        report_dismiss(report=report, actor=reader)
    report_dismiss(report=report, actor=conveners[0])
    report_dismiss(report=report, actor=conveners[1])  # twice: nothing more
    report.refresh_from_db()
    assert report.outcome == Report.Outcome.DISMISSED and report.resolved_by == conveners[0]
    story.refresh_from_db()
    assert not story.is_hidden
    assert audit("report.dismiss", community).get().data == {
        "report": report.pk,
        "kind": "story",
        "id": story.pk,
    }
    # Reporting again after a dismissal is a new report.
    assert content_report(target=story, reporter=reader, reason="Still boring").is_open


@pytest.mark.eager_tasks
def test_comments_go_the_same_way(place, django_capture_on_commit_callbacks):
    community, author, reader, conveners, _ = place
    author.resource_notices = False  # the preference that used to silence this notice
    author.save()
    resource = ResourceFactory(community=community, owner=reader, visibility="members")
    comment = CommentFactory(resource=resource, author=author, body="Call 0123 456 7890")
    report = content_report(target=comment, reporter=reader, reason="A phone number")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        knowledge_services.comment_hide(comment=comment, actor=conveners[0], reason="Personal")
    report.refresh_from_db()
    assert report.outcome == Report.Outcome.HIDDEN
    assert [m.to[0] for m in mail.outbox] == [author.email]
    assert "Call 0123 456 7890" in mail.outbox[0].body  # the comment's own notice quotes it
    assert audit("comment.hide", community).get().data == {"comment": comment.pk, "reports": 1}


def test_the_queue_loads_each_kind_once(place, django_assert_max_num_queries):
    community, author, reader, conveners, story = place
    resource = ResourceFactory(community=community, owner=author)
    reporters = [MembershipFactory(community=community).user for _ in range(6)]
    for person in reporters:
        content_report(
            target=CommentFactory(resource=resource, author=author), reporter=person, reason="x"
        )
        content_report(target=StoryFactory(community=community), reporter=person, reason="y")
    # Reports, then one query per kind.
    with django_assert_max_num_queries(3):
        reports = open_reports(community=community)
    assert len(reports) == 12
    assert {r.label for r in reports} == {"story", "comment"}
    assert set(KINDS) >= {"story", "comment"}


@pytest.mark.parametrize("size", [2, 20])
def test_queue_page_query_count_is_constant(client, place, get_within, size):
    community, author, _, conveners, _ = place
    resource = ResourceFactory(community=community, owner=author)
    for _ in range(size):
        person = MembershipFactory(community=community).user
        content_report(target=StoryFactory(community=community), reporter=person, reason="y")
        content_report(
            target=CommentFactory(resource=resource, author=author), reporter=person, reason="z"
        )
    client.force_login(conveners[0])
    response = get_within(reverse("communities:moderation", args=[community.slug]), 14)
    assert len(soup(response).select("tbody tr")) == 2 * size


def test_staff_read_reports_in_the_admin_without_changing_them(admin_client, place):
    _, _, reader, _, story = place
    report = content_report(target=story, reporter=reader, reason="Names a resident")
    response = admin_client.get(reverse("admin:communities_report_changelist"))
    assert response.status_code == 200 and reader.name in response.content.decode()
    change = reverse("admin:communities_report_change", args=[report.pk])
    assert admin_client.post(change, {"outcome": "dismissed"}).status_code == 403
    report.refresh_from_db()
    assert report.is_open
