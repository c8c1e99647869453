"""The library's writes: versions, adoptions, useful, comments, hiding, stories, reviews."""

from datetime import date
from functools import partial

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import EmailDelivery
from communities.models import Membership
from core.models import AuditEntry
from knowledge import services
from knowledge.tasks import send_review_reminders_task
from tests.conftest import error_summary, field_error, soup
from tests.factories import (
    CommunityFactory,
    ConvenedCommunityFactory,
    MembershipFactory,
    UserFactory,
    resource_shared,
)
from tests.knowledge.helpers import ALLOWED, REFUSED, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    community = ConvenedCommunityFactory(members=1)
    return community, community.members[0], community.lead


@pytest.fixture
def resource(setting):
    """A public leaflet shared in the community by its member, the owner."""
    community, owner, _ = setting
    return resource_shared(community=community, owner=owner)


def test_new_upload_is_a_new_version_and_old_ones_stay(client, setting, resource):
    _, owner, _ = setting
    services.resource_version_add(
        resource=resource,
        actor=owner,
        upload=upload("falls v2.docx", ALLOWED["plan.docx"]),
        change_note="Added a section on footwear.",
    )
    assert list(resource.versions.values_list("number", flat=True)) == [2, 1]
    client.force_login(owner)
    page = soup(client.get(reverse("knowledge:resource", args=[resource.pk])))
    assert "Added a section on footwear." in page.select_one(".app-versions").get_text()
    old = client.get(reverse("knowledge:version_download", args=[resource.pk, 1]))
    assert b"".join(old.streaming_content).startswith(b"%PDF")
    latest = client.get(reverse("knowledge:download", args=[resource.pk]))
    assert 'filename="falls_v2.docx"' in latest["Content-Disposition"]


def test_version_form_refuses_bad_files(client, setting, resource):
    _, owner, _ = setting
    client.force_login(owner)
    response = client.post(
        reverse("knowledge:version_create", args=[resource.pk]),
        {"upload": upload("x.pdf", REFUSED["setup.pdf"]), "change_note": ""},
    )
    page = soup(response)
    assert "not a type we accept" in field_error(page, "id_upload")
    assert field_error(page, "id_change_note") == "Say what changed in this version"
    assert resource.versions.count() == 1


def test_create_needs_a_file_or_a_link(client, setting):
    community, owner, _ = setting
    client.force_login(owner)
    response = client.post(
        reverse("knowledge:resource_create"),
        {"destination": f"c:{community.slug}", "title": "", "summary": "", "kind": "other"},
    )
    page = soup(response)
    assert field_error(page, "id_title") == "Enter a title"
    assert field_error(page, "id_upload") == "Choose a file to upload, or give a link, or both"
    assert "Enter a title" in error_summary(page)


def test_outsider_cannot_post_to_a_community(setting):
    community, _, _ = setting
    with pytest.raises(services.KnowledgeError):
        resource_shared(community=community, owner=UserFactory())


def test_adoption_counts_organisations_and_communities(client, setting, resource):
    community, owner, _ = setting
    elsewhere = CommunityFactory(name="Sepsis Hub")
    adopter = MembershipFactory(community=elsewhere).user
    adopt = partial(services.adoption_record, resource=resource, user=adopter, community=elsewhere)
    adopt(organisation_name="Harbour Lane Surgery", note="We print it for every new resident.")
    with pytest.raises(services.KnowledgeError):  # the same organisation, however written
        adopt(organisation_name="harbour lane surgery", note="Again.")
    resource.refresh_from_db()
    assert resource.adoption_count == 1
    page = soup(client.get(reverse("knowledge:resource", args=[resource.pk])))
    assert "Adopted by 1 organisation in 1 community" in page.select_one(
        ".app-adoption-summary"
    ).get_text(" ", strip=True)
    overview = soup(client.get(reverse("communities:detail", args=[community.slug])))
    spread = overview.select_one(".app-spread").get_text(" ", strip=True)
    assert "Harbour Lane Surgery" in spread and "Sepsis Hub" in spread


def test_the_audit_log_names_the_places_of_a_resource_and_an_adoption_by_key(setting, resource):
    community, _owner, _ = setting
    adoption = services.adoption_record(
        resource=resource,
        user=UserFactory(),
        organisation_name="Harbour Lane Surgery",
        note="We print it for every new resident.",
    )
    created = AuditEntry.objects.get(action="resource.create")
    adopted = AuditEntry.objects.get(action="resource.adopt")
    assert created.data == {"community": community.pk, "network": None}
    assert adopted.data == {"organisation": adoption.organisation_id, "community": None}


def test_adoption_form_errors(client, resource):
    user = UserFactory(organisation=None)
    client.force_login(user)
    response = client.post(reverse("knowledge:adopt", args=[resource.pk]), {"note": ""})
    page = soup(response)
    assert field_error(page, "id_note") == "Say in a line how you use it"
    assert "Name the organisation" in field_error(page, "id_organisation_name")


def test_useful_toggles_and_comments(client, resource):
    reader = UserFactory()
    client.force_login(reader)
    url = reverse("knowledge:useful", args=[resource.pk])
    client.post(url)
    resource.refresh_from_db()
    assert resource.useful_count == 1
    client.post(url)
    resource.refresh_from_db()
    assert resource.useful_count == 0
    client.post(reverse("knowledge:comment_create", args=[resource.pk]), {"body": "Helpful!"})
    assert resource.comments.get().body == "Helpful!"
    response = client.post(reverse("knowledge:comment_create", args=[resource.pk]), {"body": ""})
    assert field_error(soup(response), "id_body") == "Write your comment"


@pytest.mark.eager_tasks
def test_hiding_tells_the_author_and_removes_from_lists(
    client, setting, resource, django_capture_on_commit_callbacks
):
    _, owner, convener = setting
    comment = services.comment_add(resource=resource, author=UserFactory(), body="Spam link")
    client.force_login(convener)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("knowledge:comment_hide", args=[resource.pk, comment.pk]),
            {"reason": "Advertising"},
        )
        client.post(
            reverse("knowledge:resource_hide", args=[resource.pk]), {"reason": "Out of date"}
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([comment.author.email, owner.email])
    assert any("Out of date" in m.body for m in mail.outbox)
    client.logout()
    assert client.get(reverse("knowledge:resource", args=[resource.pk])).status_code == 404
    assert "Falls leaflet" not in client.get(reverse("knowledge:library")).content.decode()
    client.force_login(owner)
    page = client.get(reverse("knowledge:resource", args=[resource.pk])).content.decode()
    assert "Out of date" in page


def test_superseded_banner(client, setting):
    community, owner, _ = setting
    old, new = (
        resource_shared(community=community, owner=owner),
        resource_shared(community=community, owner=owner, title="Falls leaflet 2026"),
    )
    client.force_login(owner)
    response = client.post(
        reverse("knowledge:resource_edit", args=[old.pk]),
        {
            "title": old.title,
            "summary": old.summary,
            "kind": old.kind,
            "visibility": old.visibility,
            "review_date": "2030-01-01",
            "superseded_by": new.pk,
        },
    )
    assert response.status_code == 302
    banner = soup(client.get(reverse("knowledge:resource", args=[old.pk]))).select_one(
        ".app-superseded"
    )
    assert banner and "Falls leaflet 2026" in banner.get_text()
    with pytest.raises(services.KnowledgeError):
        services.resource_update(resource=new, actor=owner, superseded_by=old)


def test_story_links_to_visible_resources(client, setting, resource):
    community, owner, _ = setting
    client.force_login(owner)
    response = client.post(
        reverse("knowledge:story_create", args=[community.slug]),
        {
            "title": "Fewer falls at Elmwood",
            "what_happened": "We shared the leaflet.",
            "difference_made": "Falls halved.",
            "visibility": "public",
            "resources": [resource.pk],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Falls halved." in page and reverse("knowledge:resource", args=[resource.pk]) in page
    response = client.post(reverse("knowledge:story_create", args=[community.slug]), {})
    assert field_error(soup(response), "id_what_happened") == "Say what happened"


@pytest.mark.eager_tasks
def test_review_reminder_is_sent_once_per_resource_and_date(
    setting, django_capture_on_commit_callbacks, time_machine
):
    community, owner, _ = setting
    time_machine.move_to("2030-02-01 09:00:00+00:00")
    due = resource_shared(community=community, owner=owner, review_date=date(2030, 1, 15))
    resource_shared(community=community, owner=owner, review_date=date(2030, 6, 1), title="Not yet")
    with django_capture_on_commit_callbacks(execute=True):
        send_review_reminders_task.delay()
        send_review_reminders_task.delay()
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "Falls leaflet" in mail.outbox[0].subject
    assert EmailDelivery.objects.filter(purpose=f"resource-review:{due.pk}:2030-01-15").exists()
    # A new review date earns a new reminder, once.
    services.resource_update(resource=due, actor=owner, review_date=date(2030, 1, 31))
    with django_capture_on_commit_callbacks(execute=True):
        send_review_reminders_task.delay()
        send_review_reminders_task.delay()
    assert len(mail.outbox) == 2


def test_review_reminder_not_sent_to_an_owner_who_lost_access(
    setting, django_capture_on_commit_callbacks
):
    community, owner, _ = setting
    resource_shared(
        community=community, owner=owner, review_date=date(2020, 1, 1), visibility="members"
    )
    Membership.objects.filter(user=owner).update(status=Membership.Status.LEFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_reminders_send(today=date(2020, 2, 1))
    assert mail.outbox == []
