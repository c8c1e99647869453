"""A programme manager opens the dashboard, filters to one region, sorts by a health flag
and exports the table; the CSV is checked against the database. axe-core on each page."""

import csv
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from communities.models import CommunityRegion, Membership
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    NetworkFactory,
    UserFactory,
)

pytestmark = JOURNEY


def test_dashboard_filter_sort_export(page, tmp_path):
    network = NetworkFactory(name="North Coast")
    network.managers.add(UserFactory(email="pm@example.nhs.uk", name="Pat Manager"))
    now = timezone.now()
    for name, region, last_meeting_days in [
        ("Active Falls", "london", 5),
        ("Quiet Sepsis", "london", 90),
        ("Delirium North", "north-west", 5),
    ]:
        c = CommunityFactory(name=name, network=network)
        CommunityRegion.objects.create(community=c, region=region)
        MembershipFactory(community=c, role="convener")
        for _ in range(3):
            MembershipFactory(community=c)
        held = now - timedelta(days=last_meeting_days)
        MeetingFactory(community=c, title="m", starts_at=held)

    sign_in(page, "pm@example.nhs.uk")
    page.get_by_role("link", name="Programme dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
    assert_accessible(page)
    page.get_by_label("Region").select_option(label="London")
    page.get_by_label("Sort by").select_option(label="No meeting for 60 days")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator(".app-dashboard-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Quiet Sepsis")
    expect(rows.first).to_contain_text("No meeting for 60 days")
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV file of the communities table").click()
    path = tmp_path / "communities.csv"
    download.value.save_as(path)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = list(csv.DictReader(handle))
    assert [line["Community"] for line in lines] == ["Quiet Sepsis", "Active Falls"]
    for line in lines:
        members = Membership.objects.filter(
            community__name=line["Community"], status="active"
        ).count()
        assert int(line["Members"]) == members
    assert lines[0]["No meeting for 60 days"] == "yes" and lines[1]["No meeting for 60 days"] == ""
