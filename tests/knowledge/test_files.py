"""Uploads are checked by content and size before anything is stored."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from core import uploads as files
from knowledge.models import Resource, ResourceVersion
from tests.conftest import field_error, soup
from tests.factories import CommunityFactory, MembershipFactory
from tests.knowledge.helpers import ALLOWED, REFUSED, post_form, upload

pytestmark = pytest.mark.django_db


def stored_files():
    try:
        return default_storage.listdir("resources")[1]
    except FileNotFoundError:
        return []


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_allowed_types_are_accepted(name):
    checked = files.check_upload(upload(name, ALLOWED[name]))
    assert checked.name.endswith("." + checked.extension)
    assert checked.content_type == files.CONTENT_TYPES[checked.extension]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_types(name):
    with pytest.raises(files.UploadRefused):
        files.check_upload(upload(name, REFUSED[name]))


@pytest.mark.parametrize(
    "text",
    [
        "<div><img src=x onerror=alert(1)></div>",
        "  <p>Hello</p>",
        "<a href='javascript:alert(1)'>notes</a>",
        "<!-- saved from a browser --><b>notes</b>",
        "\ufeff<iframe src=https://example.org>",
        "<H1 >Falls</H1>",
    ],
)
def test_text_a_browser_would_render_as_html_is_refused(text):
    # Browsers sniffing a response take these openings for HTML (WHATWG MIME Sniffing).
    with pytest.raises(files.UploadRefused) as refused:
        files.check_upload(upload("notes.txt", text.encode()))
    assert refused.value.code == "markup"


@pytest.mark.parametrize("text", ["a < b and b > c\n", "<5 falls a month,3\n", "<abbr>\n"])
def test_text_with_angle_brackets_is_still_text(text):
    assert files.check_upload(upload("notes.txt", text.encode())).extension == "txt"


def test_oversized_file_is_refused(settings):
    settings.RESOURCE_MAX_UPLOAD_BYTES = 100
    with pytest.raises(files.UploadRefused, match="smaller than"):
        files.check_upload(upload("big.txt", b"a" * 101))


@pytest.fixture
def member_client(client):
    membership = MembershipFactory(community=CommunityFactory())
    client.force_login(membership.user)
    return client, membership.community


def test_upload_through_the_form_stores_under_a_random_name(member_client):
    client, community = member_client
    response = post_form(client, community, "falls leaflet.pdf", ALLOWED["leaflet.pdf"])
    assert response.status_code == 302
    version = ResourceVersion.objects.get()
    assert version.file.name.startswith("resources/") and "falls" not in version.file.name
    assert version.original_name == "falls_leaflet.pdf"
    assert len(stored_files()) == 1


@pytest.mark.parametrize("name", ["setup.pdf", "page.html", "logo.svg"])
def test_refusal_shows_a_message_and_stores_nothing(member_client, name):
    client, community = member_client
    response = post_form(client, community, name, REFUSED[name])
    assert response.status_code == 200
    message = field_error(soup(response), "id_upload")
    assert message and ("not a type we accept" in message or "markup" in message)
    assert not Resource.objects.exists() and not ResourceVersion.objects.exists()
    assert stored_files() == []


def test_oversized_through_the_form(member_client, settings):
    settings.RESOURCE_MAX_UPLOAD_BYTES = 1024
    client, community = member_client
    response = post_form(client, community, "big.pdf", ALLOWED["leaflet.pdf"] + b"0" * 2000)
    assert "smaller than" in field_error(soup(response), "id_upload")
    assert not Resource.objects.exists() and stored_files() == []


def test_download_is_an_attachment_with_nosniff(member_client):
    client, community = member_client
    post_form(client, community, "leaflet.pdf", ALLOWED["leaflet.pdf"])
    resource = Resource.objects.get()
    response = client.get(reverse("knowledge:download", args=[resource.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="leaflet.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
