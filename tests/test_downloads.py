"""Every table downloads as CSV that Excel reads as UTF-8, and as an Excel workbook; neither
runs a cell as a formula. Tested through the links people follow on the pages."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.http import table_download
from meetings import services
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    RegistrationFactory,
    UserFactory,
    meeting_recorded,
)

NAME = "Zoë's café"


def test_csv_has_a_byte_order_mark_and_keeps_formulas_as_text():
    response = table_download(name="t", header=["Name"], rows=[[NAME], ["=1+1"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Name"], [NAME], ["'=1+1"]]


def test_a_workbook_keeps_text_as_text():
    response = table_download(
        name="t", header=["Name", "N"], rows=[[NAME, 3], ["=1+1", 4]], fmt="xlsx"
    )
    assert response["Content-Disposition"] == 'attachment; filename="t.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Name", "N"],
        [NAME, 3],
        ["=1+1", 4],
    ]
    assert sheet["A3"].data_type == "s"  # shown as typed, never calculated
    assert sheet["A1"].font.bold


def _downloads(page):
    return {a.get_text(" ", strip=True): a["href"] for a in page.select(".app-downloads a")}


@pytest.mark.django_db
def test_the_dashboards_tables_download_in_both_formats(client):
    network = NetworkFactory()
    manager = UserFactory()
    network.managers.add(manager)
    community = CommunityFactory(network=network, name=NAME)
    MembershipFactory(community=community, role="convener")
    client.force_login(manager)
    links = _downloads(soup(client.get(reverse("dashboard:programme"))))
    communities = [h for h in links.values() if "export/communities" in h]
    assert sorted(h.rsplit("format=", 1)[1] for h in communities) == ["csv", "xlsx"]
    for href in communities:
        response = client.get(href)
        assert response.status_code == 200
        if href.endswith("csv"):
            first = next(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert first["Community"] == NAME
        else:
            sheet = load_workbook(io.BytesIO(response.content)).active
            assert sheet["A2"].value == NAME
    # every download link on the page answers with a file
    for href in links.values():
        response = client.get(href)
        assert response.status_code == 200 and response["Content-Disposition"].startswith(
            "attachment"
        )


@pytest.mark.django_db
def test_the_revalidation_record_downloads_in_both_formats(client):
    community = CommunityFactory(name=NAME)
    lead = MembershipFactory(community=community, role="convener").user
    member = MembershipFactory(community=community).user
    meeting = meeting_recorded(community=community, actor=lead, started_ago=timedelta(days=3))
    registration = RegistrationFactory(meeting=meeting, user=member, status="registered")
    services.attendance_record(meeting=meeting, actor=lead, attended_ids=[registration.pk])
    client.force_login(member)
    page_url = reverse("meetings:attended")
    links = _downloads(soup(client.get(page_url)))
    assert len(links) == 2
    for href in links.values():
        response = client.get(page_url + href)
        assert response.status_code == 200
        if "xlsx" in href:
            rows = [
                [c.value for c in r]
                for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()
            ]
        else:
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][-1] == "Kind"
        assert rows[1][1] == NAME and rows[1][2] == "Monthly meeting"
