"""The frame every page is drawn in, for the person signed in: what a page in the layout
costs on its own (the session from its copy in the cache, one read of the person, the bell
from its cached count), and that what the header shows is theirs and never out of date:
their name, their unread notifications, their menu, the links under the site's prefix."""

import pytest
from allauth.mfa.models import Authenticator
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.test import Client
from django.urls import reverse, set_script_prefix

from accounts.notifications.services import notification_mark_read, notify
from tests.conftest import soup
from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db

STATIC_PAGE = "/accessibility/"


@pytest.fixture
def production(settings):
    """The settings a deployment runs with: sessions with their copy in the shared cache
    (core.sessions; the tests' cache is the process's own), programme managers and staff
    held to two-factor authentication."""
    settings.SESSION_ENGINE = "core.sessions"
    settings.MFA_REQUIRED_FOR_PRIVILEGED = True
    return settings


def signed_in(person):
    browser = Client()
    browser.force_login(person)
    return browser


def tell(person, n):
    return notify(
        recipients=[person],
        kind="test_centre",
        dedupe=f"event:{n}",
        group_key=f"group:{n}",
        group_title=f"Event {n}",
        text=f"Event {n} happened",
        url="/",
    )


def bell(page):
    return " ".join(soup(page).select_one("[data-testid=bell]").get_text(" ").split())


@pytest.mark.parametrize("size", [0, 30])
def test_a_static_page_in_the_layout_reads_only_the_person(
    production, kinds, django_assert_num_queries, size
):
    """The session comes from its copy in the cache, the bell from its cached count: the one
    query is the person, whatever they belong to and however much waits for them."""
    person = UserFactory()
    for n in range(size):
        tell(person, n)
        MembershipFactory(community=CommunityFactory(), user=person)
    browser = signed_in(person)
    assert browser.get(STATIC_PAGE).status_code == 200  # the bell's count is cached
    with django_assert_num_queries(1):
        page = browser.get(STATIC_PAGE)
    assert page.status_code == 200
    assert bell(page) == (
        "Notifications" if size == 0 else f"Notifications {size} : {size} unread notifications"
    )


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_the_privileged_are_read_in_the_same_one_query(production, django_assert_num_queries, role):
    """Whether a programme manager or staff has set up an authenticator app comes with the
    one read of the person (core.middleware.mfa_columns), not from queries of its own."""
    person = UserFactory(is_staff=role == "staff")
    if role == "manager":
        NetworkFactory().managers.add(person)
    browser = signed_in(person)
    with django_assert_num_queries(1):
        refused = browser.get(STATIC_PAGE)
    assert refused.status_code == 302 and refused.url == reverse("mfa_activate_totp")
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={"secret": "x"})
    browser.get(STATIC_PAGE)
    with django_assert_num_queries(1):
        assert browser.get(STATIC_PAGE).status_code == 200
    Authenticator.objects.filter(user=person).delete()
    assert browser.get(STATIC_PAGE).status_code == 302  # the next request knows at once


def test_two_people_each_see_their_own_header(production, kinds):
    ada, ben = UserFactory(name="Ada Lovelace"), UserFactory(name="Ben Okri", is_staff=True)
    Authenticator.objects.create(user=ben, type=Authenticator.Type.TOTP, data={"secret": "x"})
    tell(ada, 1)
    for n in range(2, 5):
        tell(ben, n)
    ada_browser, ben_browser = signed_in(ada), signed_in(ben)
    for _ in range(2):  # the second time from what the first cached
        for browser, person, unread in ((ada_browser, ada, 1), (ben_browser, ben, 3)):
            page = browser.get(STATIC_PAGE)
            header = soup(page).select_one("header")
            account = header.select_one(".nhsuk-header__account-link[href='/accounts/settings/']")
            assert account.get_text(" ", strip=True).startswith(person.name)
            assert bell(page).startswith(f"Notifications {unread} ")
            menu = [a.get_text(strip=True) for a in header.select(".nhsuk-header__navigation-link")]
            assert ("Administration" in menu) == person.is_staff


def test_the_bell_and_the_name_change_on_the_next_page(
    production, kinds, django_capture_on_commit_callbacks
):
    """The bell's count is cached until a notification comes or is read (cleared when the
    change commits); the name is read with the person at each request."""
    person = UserFactory(name="Ada Lovelace")
    browser = signed_in(person)
    assert bell(browser.get(STATIC_PAGE)) == "Notifications"
    with django_capture_on_commit_callbacks(execute=True):
        tell(person, 1)
        tell(person, 2)
    assert bell(browser.get(STATIC_PAGE)).startswith("Notifications 2 ")
    with django_capture_on_commit_callbacks(execute=True):
        notification_mark_read(user=person, group_key="group:1")
    assert bell(browser.get(STATIC_PAGE)).startswith("Notifications 1 ")
    person.name = "Ada King"
    person.save(update_fields=["name"])
    header = soup(browser.get(STATIC_PAGE)).select_one("header")
    assert "Ada King" in header.get_text() and "Ada Lovelace" not in header.get_text()


def test_the_menu_marks_the_page_shown(production):
    browser = signed_in(UserFactory())
    for path, current in (("/", "Home"), ("/communities/", "Communities"), (STATIC_PAGE, None)):
        page = soup(browser.get(path))
        marked = page.select(".nhsuk-header__navigation-item--current a")
        assert [a.get_text(strip=True) for a in marked] == ([current] if current else [])


@pytest.mark.parametrize("prefix", ["/", "/cop/"])
def test_the_frames_links_are_written_for_the_sites_prefix(production, request, prefix):
    """The frame's links are reversed once per prefix (core.context_processors): a site
    served under /cop/ gets /cop/ links, the one at the root its own."""
    set_script_prefix(prefix)
    request.addfinalizer(lambda: set_script_prefix("/"))
    page = soup(signed_in(UserFactory()).get(STATIC_PAGE))
    links = [a["href"] for a in page.select("header a, footer a") if a["href"].startswith("/")]
    assert links and all(link.startswith(prefix) for link in links)
    assert f"{prefix}privacy/" in links and page.select_one("header form")["action"] == (
        f"{prefix}accounts/logout/"
    )


def test_templates_are_read_once_per_process():
    """Django's cached loader, which it uses whenever no loaders are named (as here)."""
    loaders = engines["django"].engine.template_loaders
    assert [type(loader) for loader in loaders] == [CachedLoader]
