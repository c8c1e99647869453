"""The notification centre as a person uses it: grouped, paginated, marking read, opening
one, and the bell in the header (its query cost checked)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Notification
from accounts.notifications.selectors import unread_cache_key
from tests.conftest import soup
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:notifications")


def stored(person, *, group="discussion:7", title="Covert medication", n=1, minutes_ago=0, **kw):
    cache.delete(unread_cache_key(person.pk))  # as notify() does
    return NotificationFactory(
        recipient=person,
        dedupe=f"{group}:{n}",
        group_key=group,
        group_title=title,
        text=kw.pop("text", f"Reply {n} in {title}"),
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **kw,
    )


def test_groups_newest_first_rows_newest_first_unread_marked(user_client, user):
    stored(user, group="discussion:1", title="Falls", n=1, minutes_ago=30)
    stored(user, group="discussion:2", title="Covert medication", n=1, minutes_ago=20)
    stored(user, group="discussion:1", title="Falls", n=2, minutes_ago=10, read_at=timezone.now())
    stored(UserFactory(), group="discussion:3", title="Not yours", n=1)
    response = user_client.get(PAGE)
    assert response.status_code == 200
    page = soup(response)
    sections = page.select("main section")
    assert [s.h2.contents[0].strip() for s in sections] == ["Falls", "Covert medication"]
    falls = [li.a.get_text(" ", strip=True) for li in sections[0].select("li")]
    assert falls == ["Reply 2 in Falls", "Reply 1 in Falls (unread)"]
    # Each row opens itself, says when it came, and the unread one is marked read here.
    rows = Notification.objects.filter(recipient=user, group_key="discussion:1")
    rows = list(rows.order_by("-created_at"))
    links = [li.a["href"] for li in sections[0].select("li")]
    assert links == [reverse("accounts:notification_open", args=[row.pk]) for row in rows]
    for row, li in zip(rows, sections[0].select("li"), strict=True):
        assert date_format(timezone.localtime(row.created_at), "j F Y, H:i") in li.get_text()
    forms = [form["action"] for form in sections[0].select("form")]
    assert forms == [reverse("accounts:notifications_read")]
    assert "Not yours" not in page.get_text()
    assert page.find("button", string="Mark all read")


def test_the_empty_page_says_what_will_appear(user_client):
    page = soup(user_client.get(PAGE))
    assert "You have no notifications yet" in page.get_text()
    assert not page.find("button", string="Mark all read")


def test_pages_hold_groups_not_rows(user_client, user):
    for g in range(25):
        for n in range(3):
            stored(user, group=f"discussion:{g}", title=f"Topic {g}", n=n, minutes_ago=100 - g)
    first = soup(user_client.get(PAGE))
    assert len(first.select("main section")) == 20
    assert first.select_one("main section h2").contents[0].strip() == "Topic 24"
    second = soup(user_client.get(PAGE, {"page": 2}))
    assert [s.h2.contents[0].strip() for s in second.select("main section")] == [
        f"Topic {g}" for g in range(4, -1, -1)
    ]
    assert all(len(s.select("li")) == 3 for s in second.select("main section"))


def test_the_page_costs_the_same_with_more_data(user_client, user, django_assert_max_num_queries):
    def load():
        with django_assert_max_num_queries(8):
            assert user_client.get(PAGE).status_code == 200

    stored(user, n=1)
    load()
    for g in range(30):
        for n in range(8):  # more than a group shows
            stored(user, group=f"g:{g}", title=f"T{g}", n=n)
    load()
    assert "and 3 more" in soup(user_client.get(PAGE)).get_text()


def test_a_long_group_shows_its_newest_five_and_how_many_more(user_client, user):
    rows = [
        stored(user, group="discussion:1", title="Falls", n=n, minutes_ago=99 - n) for n in range(9)
    ]
    stored(user, group="discussion:2", title="Sepsis", n=1, minutes_ago=200)
    sections = soup(user_client.get(PAGE)).select("main section")
    falls = [li.a.get_text(" ", strip=True) for li in sections[0].select("li")]
    assert falls == [f"Reply {n} in Falls (unread)" for n in range(8, 3, -1)]
    more = sections[0].select_one("p a")
    assert more.get_text(" ", strip=True) == "and 4 more: go to the newest about Falls"
    assert more["href"] == reverse("accounts:notification_open", args=[rows[-1].pk])
    assert "more" not in sections[1].get_text()
    assert user_client.get(more["href"])["Location"] == rows[-1].url


def test_mark_one_a_group_and_all_read_then_come_back(user_client, user):
    one = stored(user, group="discussion:1", n=1)
    stored(user, group="discussion:1", n=2)
    other = stored(user, group="discussion:2", n=1)
    theirs = stored(UserFactory(), group="discussion:1", n=1)
    read = reverse("accounts:notifications_read")
    response = user_client.post(read, {"notification": one.pk, "next": f"{PAGE}?page=1"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?page=1"
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == {
        one.pk + 1,
        other.pk,
        theirs.pk,
    }
    user_client.post(read, {"group": "discussion:1"})
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).get() == other
    # Someone else's notification is not touched, whatever is posted.
    user_client.post(read, {"notification": theirs.pk})
    response = user_client.post(
        reverse("accounts:notifications_read_all"), {"next": "https://evil.example.com/"}
    )
    assert response["Location"] == PAGE
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_takes_a_post(user_client):
    assert user_client.get(reverse("accounts:notifications_read_all")).status_code == 405


def test_opening_marks_read_and_goes_where_it_points(user_client, user):
    mine = stored(user, url="/communities/?page=2")
    response = user_client.get(reverse("accounts:notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/communities/?page=2"
    mine.refresh_from_db()
    assert mine.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example.com/", "//evil.example.com/", "javascript:x"]
)
def test_opening_goes_only_to_this_site(user_client, user, url):
    mine = stored(user, url=url)
    response = user_client.get(reverse("accounts:notification_open", args=[mine.pk]))
    assert response["Location"] == PAGE


def test_someone_elses_notification_is_not_found(user_client):
    theirs = stored(UserFactory())
    response = user_client.get(reverse("accounts:notification_open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- the bell -------------------------------------------------------------------------------


def bell(response):
    return soup(response).select_one("[data-testid=bell]")


def test_the_bell_says_how_many_are_unread(user_client, user):
    assert bell(user_client.get(PAGE)).get_text(" ", strip=True) == "Notifications"
    stored(user, n=1)
    stored(user, n=2)
    stored(user, n=3, read_at=timezone.now())
    link = bell(user_client.get(reverse("accounts:overview")))
    assert link.select_one(".nhsuk-u-visually-hidden").get_text() == ": 2 unread notifications"
    assert link["href"] == PAGE


def test_the_bell_costs_one_query_on_a_miss_and_none_on_a_hit(user_client, user):
    page = reverse("accounts:overview")
    stored(user)
    assert user_client.get(page).status_code == 200  # warm everything else
    cache.delete(unread_cache_key(user.pk))
    with CaptureQueriesContext(connection) as miss:
        assert user_client.get(page).status_code == 200
    with CaptureQueriesContext(connection) as hit:
        assert user_client.get(page).status_code == 200
    counted = [q["sql"] for q in miss.captured_queries if "accounts_notification" in q["sql"]]
    assert len(counted) == 1 and "COUNT" in counted[0].upper()
    assert len(hit.captured_queries) == len(miss.captured_queries) - 1
    assert not [q for q in hit.captured_queries if "accounts_notification" in q["sql"]]


def test_signing_in_reads_the_count_so_the_first_page_costs_nothing(client, user):
    stored(user)
    client.force_login(user)
    assert cache.get(unread_cache_key(user.pk)) == 1


def test_signed_out_pages_have_no_bell(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert bell(response) is None
