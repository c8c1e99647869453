import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from communities.models import Community, Membership
from dashboard import figures
from dashboard.forms import DashboardFilterForm
from knowledge.models import Adoption, Resource
from meetings.models import Meeting
from tests.conftest import programme_create_for, soup
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    NetworkFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# The communities named in the table (each row also links to the community's report).
COMMUNITY_LINKS = ".app-dashboard-table tbody th a:not(.app-report-link)"


def healthy(network, **fields):
    community = CommunityFactory(network=network, **fields)
    MembershipFactory(community=community, role="convener")
    held = timezone.now() - timedelta(days=5)
    MeetingFactory(community=community, title="Recent", starts_at=held)
    return community


def private_with_a_resource_adopted_elsewhere(network):
    """A private community, "Closed Group", whose members-only "Secret protocol" another
    community of the network has adopted."""
    private = healthy(network, name="Closed Group", visibility="private")
    secret = Resource.objects.create(
        community=private,
        title="Secret protocol",
        summary="s",
        kind="process",
        visibility="members",
    )
    Adoption.objects.create(resource=secret, community=healthy(network))
    return private


def row_for(community):
    return figures.community_table([community])[0]


def test_a_healthy_community_has_no_flag(network):
    assert row_for(healthy(network))["flag_count"] == 0


def test_each_health_flag(network):
    now = timezone.now()
    silent = healthy(network)
    Meeting.objects.filter(community=silent).update(
        starts_at=now - timedelta(days=70), ends_at=now - timedelta(days=70) + timedelta(hours=1)
    )
    assert row_for(silent)["flags"]["no_meeting"]

    leaderless = healthy(network)
    Membership.objects.filter(community=leaderless).update(status="left")
    assert row_for(leaderless)["flags"]["no_convener"]

    falling = healthy(network)
    Meeting.objects.filter(community=falling).delete()
    for days_ago, came in [(50, 9), (30, 6), (10, 3)]:
        m = MeetingFactory(community=falling, title="m", starts_at=now - timedelta(days=days_ago))
        for _ in range(came):
            RegistrationFactory(meeting=m, user=UserFactory(), status="registered", attended=True)
    assert row_for(falling)["flags"]["attendance_falling"]
    assert row_for(falling)["average_attendance"] == 6.0

    waiting = healthy(network)
    MembershipFactory(community=waiting, status="requested", requested_at=now - timedelta(days=15))
    assert row_for(waiting)["flags"]["requests_waiting"]
    fresh = healthy(network)
    MembershipFactory(community=fresh, status="requested", requested_at=now - timedelta(days=3))
    assert not row_for(fresh)["flags"]["requests_waiting"]

    stale = healthy(network)
    Resource.objects.create(
        community=stale,
        title="Old leaflet",
        summary="s",
        kind="leaflet",
        review_date=now.date() - timedelta(days=1),
    )
    assert row_for(stale)["flags"]["reviews_due"]


def test_manager_sees_only_their_networks_and_others_get_404(client, network):
    mine = healthy(network, name="Mine")
    other = healthy(NetworkFactory(), name="Someone else's")
    client.force_login(network.manager)
    page = soup(client.get(reverse("dashboard:programme")))
    names = [a.get_text() for a in page.select(COMMUNITY_LINKS)]
    assert names == [mine.name] and other.name not in page.get_text()
    client.force_login(MembershipFactory(community=mine).user)
    assert client.get(reverse("dashboard:programme")).status_code == 404
    client.logout()
    assert client.get(reverse("dashboard:programme")).status_code == 302


def test_private_content_stays_out(client, network):
    private_with_a_resource_adopted_elsewhere(network)
    client.force_login(network.manager)
    body = client.get(reverse("dashboard:programme")).content.decode()
    assert "Secret protocol" not in body and "A members-only resource of Closed Group" in body
    spread = client.get(reverse("dashboard:export_spread")).content.decode("utf-8-sig")
    assert "Secret protocol" not in spread


def test_csv_matches_the_page_and_the_database(client, network):
    a = healthy(network, name="Alpha", phase="unite")
    for _ in range(4):
        MembershipFactory(community=a)
    client.force_login(network.manager)
    response = client.get(reverse("dashboard:export_communities") + "?phase=unite")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Community"] for r in rows] == ["Alpha"]
    assert (
        int(rows[0]["Members"])
        == Membership.objects.filter(community=a, status="active").count()
        == 5
    )
    assert rows[0]["Meetings in 90 days"] == "1"


@pytest.mark.parametrize("size", [3, 25])
def test_dashboard_query_count_is_constant(client, network, get_within, size):
    for _ in range(size):
        c = healthy(network)
        MembershipFactory(community=c)
        Resource.objects.create(community=c, title="r", summary="s", kind="leaflet")
    client.force_login(network.manager)
    response = get_within(reverse("dashboard:programme"), 40)
    assert len(soup(response).select(".app-dashboard-table tbody tr")) == size


def test_csv_cells_cannot_run_as_formulas(client, network):
    healthy(network, name='=HYPERLINK("http://example.org")')
    client.force_login(network.manager)
    body = client.get(reverse("dashboard:export_communities")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_programme_progress_on_the_dashboard_and_in_csv(client, network):
    from conveners import services
    from tests.conveners.conftest import application_data

    programme = programme_create_for(
        network=network, manager=network.manager, slug="leaders", name="Leaders"
    )
    person = UserFactory(name="Ola Participant")
    application = services.application_submit(
        application=services.application_save(
            programme=programme, applicant=person, **application_data()
        )
    )
    services.application_decide(application=application, actor=network.manager, decision="offer")
    services.offer_answer(application=application, accept=True)
    community = healthy(network)
    MembershipFactory(community=community, user=person, role="co-convener")
    client.force_login(network.manager)
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("dashboard:export_programmes")).content.decode("utf-8-sig")
            )
        )
    )
    assert rows == [
        {
            "Programme": "Leaders",
            "Participant": "Ola Participant",
            "Sessions attended": "0 of 0",
            "Meetings convened": "1",
            "Commitment": "5",
        }
    ]


def test_figures_are_cached_until_something_in_the_network_changes(
    client, network, django_assert_max_num_queries
):
    """A second view reads the figures from the cache; any change that feeds them (a new
    member, a meeting, attendance, an adoption) is on the next view."""
    community = healthy(network, name="Alpha")
    client.force_login(network.manager)
    url = reverse("dashboard:programme")

    def members_shown():
        row = soup(client.get(url)).select_one(".app-dashboard-table tbody tr")
        return int(row.select("td")[2].get_text())

    def queries(path):
        # Counted at once: each request clears the connection's query log.
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    cold = queries(url)
    warm = queries(url + "?sort=members")  # another order of the same communities
    assert warm < cold - 5  # the figure queries are not run again
    first = members_shown()
    MembershipFactory(community=community)
    assert members_shown() == first + 1
    # Another network's changes keep this network's figures cached.
    other = healthy(NetworkFactory())
    client.get(url)
    MembershipFactory(community=other)
    assert queries(url) == warm

    # Attendance recorded on a meeting of the network shows on the next view.
    def average_attendance():
        row = soup(client.get(url)).select_one(".app-dashboard-table tbody tr")
        return row.select("td")[5].get_text().strip()

    before = average_attendance()
    meeting = Meeting.objects.get(community=community)
    RegistrationFactory(meeting=meeting, user=UserFactory(), attended=True)
    assert average_attendance() != before
    assert average_attendance() == "1.0"


def test_a_member_changing_organisation_is_on_the_next_view(client, network):
    """Members and organisations come from the figures the community pages keep: a member
    moving to another organisation saves no membership, yet the next view counts it."""
    from tests.factories import OrganisationFactory

    community = healthy(network, name="Alpha")
    first = OrganisationFactory(name="Harbourside Trust")
    for membership in Membership.objects.filter(community=community):
        membership.user.organisation = first
        membership.user.save()
    mover = MembershipFactory(community=community, user__organisation=first).user
    client.force_login(network.manager)
    url = reverse("dashboard:programme")

    def members_and_organisations():
        cells = soup(client.get(url)).select_one(".app-dashboard-table tbody tr").select("td")
        return int(cells[2].get_text()), int(cells[3].get_text())

    assert members_and_organisations() == (2, 1)
    assert members_and_organisations() == (2, 1)  # from the cache
    mover.organisation = OrganisationFactory(name="Northgate Care Homes")
    mover.save()
    assert members_and_organisations() == (2, 2)
    assert row_for(community)["organisations"] == 2


# --- the drawn figures are cached with the figures ---------------------------------------------


def table_names(client):
    page = soup(client.get(reverse("dashboard:programme")))
    return [a.get_text() for a in page.select(COMMUNITY_LINKS)]


def test_the_drawn_table_is_kept_until_its_network_changes(client, network):
    """A second view draws nothing again: a rename that bypasses the signals (a bulk
    UPDATE) is not seen, which shows the page came from the cache; a rename through save()
    is on the next view."""
    community = healthy(network, name="Alpha")
    client.force_login(network.manager)
    assert table_names(client) == ["Alpha"]
    Community.objects.filter(pk=community.pk).update(name="Renamed quietly")
    assert table_names(client) == ["Alpha"]  # cached: no signal, no new generation
    community.refresh_from_db()
    community.name = "Beta"
    community.save()
    assert table_names(client) == ["Beta"]


def test_renaming_the_network_is_on_the_next_view(client, network):
    healthy(network, name="Alpha")
    client.force_login(network.manager)

    def network_shown():
        cell = soup(client.get(reverse("dashboard:programme"))).select_one(
            ".app-dashboard-table tbody th .nhsuk-body-s"
        )
        return cell.get_text()

    assert network_shown() == network.name
    network.name = "North Coast Collaborative"
    network.save()
    assert network_shown() == "North Coast Collaborative"


def test_a_second_view_runs_no_figure_query(client, network, get_within):
    for _ in range(5):
        healthy(network)
    client.force_login(network.manager)
    url = reverse("dashboard:programme")
    client.get(url)
    # The session, the person, their networks, the communities asked about, the programmes.
    response = get_within(url, 5)
    assert len(soup(response).select(".app-dashboard-table tbody tr")) == 5


def test_each_manager_sees_only_what_they_may_see_of_the_spread(client, network):
    """Two managers of one network share the figures but not the drawn spread: a manager
    who is a member of the private community sees its resource's title, the other never
    does, whoever looks first."""
    private = private_with_a_resource_adopted_elsewhere(network)
    insider = network.manager
    MembershipFactory(community=private, user=insider)
    outsider = UserFactory()
    network.managers.add(outsider)
    url = reverse("dashboard:programme")
    for first, second in [(insider, outsider), (outsider, insider)]:
        client.force_login(first)
        client.get(url)
        client.force_login(second)
        client.get(url)
    client.force_login(insider)
    assert "Secret protocol" in client.get(url).content.decode()
    client.force_login(outsider)
    body = client.get(url).content.decode()
    assert "Secret protocol" not in body and "A members-only resource of Closed Group" in body


def test_dates_are_drawn_in_the_viewers_time_zone(client, network):
    """The same person, same figures: after they change their time zone, the dates are
    drawn again in it, not taken from the copy drawn for the old one."""
    community = CommunityFactory(network=network, name="Late meeting")
    ended = (timezone.now() - timedelta(days=5)).replace(hour=23, minute=30, second=0)
    MeetingFactory(
        community=community, title="m", starts_at=ended - timedelta(hours=1), ends_at=ended
    )
    manager = network.manager
    client.force_login(manager)

    def last_activity():
        row = soup(client.get(reverse("dashboard:programme"))).select_one(
            ".app-dashboard-table tbody tr"
        )
        return row.select("td")[12].get_text()  # after the unanswered questions

    in_london = last_activity()
    manager.timezone = "Pacific/Auckland"
    manager.save()
    in_auckland = last_activity()
    assert in_london == date_format(ended.astimezone(ZoneInfo("Europe/London")), "j M Y")
    assert in_auckland == date_format(ended.astimezone(ZoneInfo("Pacific/Auckland")), "j M Y")
    assert in_london != in_auckland


def test_the_order_and_the_filters_are_drawn_apart(client, network):
    healthy(network, name="Alpha", phase="unite")
    big = healthy(network, name="Beta", phase="grow")
    for _ in range(3):
        MembershipFactory(community=big)
    client.force_login(network.manager)
    url = reverse("dashboard:programme")
    assert table_names(client) == ["Alpha", "Beta"]
    page = soup(client.get(url + "?sort=members"))
    assert [a.get_text() for a in page.select(COMMUNITY_LINKS)] == [
        "Beta",
        "Alpha",
    ]
    assert (
        page.select_one("a[href*='export/communities']")["href"]
        == reverse("dashboard:export_communities") + "?sort=members&format=csv"
    )
    page = soup(client.get(url + "?phase=unite"))
    assert [a.get_text() for a in page.select(COMMUNITY_LINKS)] == ["Alpha"]


# --- the filter form -----------------------------------------------------------------------------


def test_the_network_filter_offers_the_viewers_networks_by_slug(client, network):
    other = NetworkFactory(name="Another Network")
    other.managers.add(network.manager)
    NetworkFactory(name="Not theirs")
    healthy(network, name="Alpha")
    healthy(other, name="Gamma")
    client.force_login(network.manager)
    page = soup(client.get(reverse("dashboard:programme") + f"?network={other.slug}"))
    options = [(o["value"], o.get_text()) for o in page.select("select#id_network option")]
    assert options == sorted(
        [("", "All networks"), (network.slug, network.name), (other.slug, other.name)],
        key=lambda o: (o[0] != "", o[1]),
    )
    assert page.select_one("select#id_network option[selected]")["value"] == other.slug
    assert [a.get_text() for a in page.select(COMMUNITY_LINKS)] == ["Gamma"]


def test_the_network_filter_form_cleans_to_the_network_and_refuses_others(network):
    other = NetworkFactory()
    form = DashboardFilterForm({"network": network.slug}, networks=[network])
    assert form.is_valid() and form.cleaned_data["network"] == network
    form = DashboardFilterForm({"network": other.slug}, networks=[network])
    assert not form.is_valid()
    assert form.errors["network"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    form = DashboardFilterForm({"network": ""}, networks=[network])
    assert form.is_valid() and form.cleaned_data["network"] is None


def test_trend_bars_scale_to_the_top_month():
    month = timezone.now().date().replace(day=1)
    [series] = figures.trend_bars([{"name": "Meetings held", "points": [(month, 2), (month, 4)]}])
    assert [(b["value"], b["height"], b["y"], b["x"]) for b in series["bars"]] == [
        (2, 45, 55, 2),
        (4, 90, 10, 22),
    ]
    [empty] = figures.trend_bars([{"name": "Adoptions", "points": [(month, 0)]}])
    assert empty["bars"][0]["height"] == 0


# --- the downloads -------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["communities", "trends", "spread", "programmes"])
def test_each_table_downloads_at_its_own_address(client, network, table):
    healthy(network, name="Alpha")
    client.force_login(network.manager)
    url = reverse(f"dashboard:export_{table}")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{table}.csv"'
    response = client.get(url + "?format=xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="{table}.xlsx"'
    client.force_login(MembershipFactory().user)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("table", ["communities", "trends", "spread", "programmes"])
def test_a_download_link_of_before_answers_the_same_file(client, network, table):
    """The page's download links were ?export=<table> on the page itself: those kept in
    bookmarks and e-mails answer the same file as the table's own address, with the filters
    and the format."""
    healthy(network, name="Alpha", phase="unite")
    healthy(network, name="Beta", phase="grow")
    client.force_login(network.manager)
    for fmt in ("csv", "xlsx"):
        old = client.get(
            reverse("dashboard:programme") + f"?phase=unite&export={table}&format={fmt}"
        )
        new = client.get(reverse(f"dashboard:export_{table}") + f"?phase=unite&format={fmt}")
        assert old.status_code == new.status_code == 200
        assert old["Content-Disposition"] == new["Content-Disposition"]
        if fmt == "csv":
            assert old.content == new.content
    client.force_login(MembershipFactory().user)
    assert client.get(reverse("dashboard:programme") + f"?export={table}").status_code == 404


def test_the_page_links_each_table_to_its_download(client, network):
    healthy(network, name="Alpha")
    client.force_login(network.manager)
    page = soup(client.get(reverse("dashboard:programme") + "?phase=unite"))
    links = {a["href"] for a in page.select(".app-downloads a")}
    assert {
        reverse(f"dashboard:export_{table}") + f"?phase=unite&format={fmt}"
        for table in ("communities", "trends", "spread")
        for fmt in ("csv", "xlsx")
    } <= links


def test_an_unknown_export_shows_the_page(client, network):
    healthy(network, name="Alpha")
    client.force_login(network.manager)
    response = client.get(reverse("dashboard:programme") + "?export=everything")
    assert response.status_code == 200
    names = [a.get_text() for a in soup(response).select(COMMUNITY_LINKS)]
    assert names == ["Alpha"]


@pytest.mark.parametrize("day", [1, 6, 31])
def test_the_trends_end_with_this_month(day):
    now = datetime(2026, 12, day, 9, 0, tzinfo=UTC)
    months = [month for month, _ in figures.trends([], now=now)[0]["points"]]
    assert months[0] == datetime(2026, 1, 1).date()
    assert months[-1] == datetime(2026, 12, 1).date() and len(months) == 12
