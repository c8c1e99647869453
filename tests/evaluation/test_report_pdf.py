"""The report as a PDF drawn on the server: what it holds, that it fetches nothing but the
site's own static files, and the limit on how often one person may ask for one."""

import urllib.request

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import AuditEntry
from evaluation.report import pdf
from evaluation.report.views import PDF_LIMITED
from tests.conftest import soup
from tests.content_canary.pdf import document_text, written_pdf_texts
from tests.evaluation.test_report_figures import report_world
from tests.evaluation.test_report_views import answer_survey, open_survey

pytestmark = pytest.mark.django_db
BASE = "http://testserver"


@pytest.fixture
def place():
    return report_world()


@pytest.fixture
def no_network(monkeypatch):
    """The addresses anything tried to open through urllib (WeasyPrint's own fetcher uses
    it): none, each test says. WeasyPrint would swallow an error raised here."""
    tried = []

    def refuse(self, url, *args, **kwargs):
        tried.append(getattr(url, "full_url", url))
        raise OSError("no network in tests")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    yield tried
    assert tried == []


def test_the_pdf_is_the_report_of_the_community(client, place, no_network):
    client.force_login(place["falls"].convener)
    with written_pdf_texts() as texts:
        response = client.get(
            reverse("evaluation:report_community_pdf", args=[place["falls"].slug])
        )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="report-{place["falls"].slug}-'
    )
    (text,) = texts
    assert "Falls prevention" in text
    assert "7 at the end of the period" in text
    assert "Who took part" in text and "Value created" in text
    # None of the page's own furniture: the header, the form, the download link.
    assert "Sign out" not in text and "Show the report" not in text
    assert "Download this report" not in text


def test_the_network_pdf_draws_its_map_and_what_members_said(client, place, no_network):
    survey = open_survey(place)
    answer_survey(survey, place["people"][:2])
    client.force_login(place["network"].manager)
    with written_pdf_texts() as texts:
        response = client.get(
            reverse("evaluation:report_network_pdf", args=[place["network"].slug])
        )
    assert response.content.startswith(b"%PDF-")
    (text,) = texts
    assert "How the communities hold together" in text
    assert "Sepsis huddle (private)" in text
    assert f"Said by {place['people'][0].pk}" in text


def test_the_stylesheet_is_read_from_the_static_files():
    fetch = pdf.static_fetcher(BASE)
    found = fetch(f"{BASE}{settings.STATIC_URL}css/app.css")
    assert found.content_type == "text/css"
    assert b"@media print" in found.read()
    inline = fetch("data:text/plain;base64,SGVsbG8=")  # its content is in the address
    assert (inline.content_type, inline.read()) == ("text/plain", b"Hello")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "http://example.com/static/css/app.css",  # another host, under the same path
        f"{BASE}/media/resources/private.pdf",  # the site's, but not a static file
        f"{BASE}{settings.STATIC_URL}../../etc/passwd",
        f"{BASE}{settings.STATIC_URL}css/missing.css",
        "file:///etc/passwd",
    ],
)
def test_every_other_address_is_refused(url):
    with pytest.raises(pdf.Refused):
        pdf.static_fetcher(BASE)(url)


def test_a_document_naming_outside_addresses_is_drawn_without_them(no_network):
    html = (
        '<html><head><title>Outside</title><link rel="stylesheet" '
        'href="https://example.org/style.css"></head><body><p>Still drawn</p>'
        '<img src="https://example.org/pixel.png" alt=""></body></html>'
    )
    document = pdf.render(html, base_url=BASE)
    assert "Still drawn" in document_text(document)
    assert document.write_pdf().startswith(b"%PDF-")


def test_pdfs_are_limited_per_person_with_a_message(client, place, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "pdf": "2/h"}
    client.force_login(place["falls"].convener)
    url = reverse("evaluation:report_community_pdf", args=[place["falls"].slug])
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert PDF_LIMITED in soup(response).select_one(".nhsuk-notification-banner").get_text(" ")
    assert AuditEntry.objects.filter(action="access.rate_limited").count() == 1
    # The page itself is not limited, and someone else still gets their PDF.
    page = reverse("evaluation:report_community", args=[place["falls"].slug])
    assert client.get(page).status_code == 200
    client.force_login(place["network"].manager)
    assert client.get(url).status_code == 200
