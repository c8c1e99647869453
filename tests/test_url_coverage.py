"""Every named URL of the project is classified in an access table; a new URL that nobody
classified fails here. The apps' own tables test their URLs for every kind of person
(tests/communities, meetings, knowledge, conveners); this file covers the rest."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.mail import unsubscribe_token
from tests.factories import NetworkFactory, UserFactory

# Sign-up, sign-in, e-mail, password, MFA and single sign-on pages come from allauth,
# configured in settings; their journeys are tested in tests/browser and tests/accounts.
ALLAUTH_PREFIXES = ("account_", "mfa_", "socialaccount_", "openid_connect_")

ROOT_RULES = {"home": "public", "healthz": "public", "accessibility": "public", "privacy": "public"}
ACCOUNTS_RULES = {
    "accounts:overview": "signed_in",
    "accounts:profile": "signed_in",
    "accounts:preferences": "signed_in",
    "accounts:personal_data": "signed_in",
    "accounts:delete": "signed_in",
    "accounts:unsubscribe": "token",
    "dashboard:programme": "programme_manager",
}


def app_tables():
    from tests.communities.test_access import RULES as communities
    from tests.conveners.test_views import RULES as conveners
    from tests.knowledge.test_access import RULES as knowledge
    from tests.meetings.test_views import RULES as meetings

    return {
        "communities": communities,
        "meetings": meetings,
        "knowledge": knowledge,
        "conveners": conveners,
    }


def all_url_names():
    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                yield namespace, p.name

    return set(walk(get_resolver().url_patterns))


def unclassified_urls(root_rules=ROOT_RULES, other_rules=ACCOUNTS_RULES):
    tables = app_tables()
    unclassified = []
    for namespace, name in sorted(all_url_names()):
        if namespace == "admin":
            continue  # Django's admin: staff only, by its own permission checks (tested below)
        if namespace in tables:
            if name not in tables[namespace]:
                unclassified.append(f"{namespace}:{name}")
        elif namespace:
            if f"{namespace}:{name}" not in other_rules:
                unclassified.append(f"{namespace}:{name}")
        elif name not in root_rules and not name.startswith(ALLAUTH_PREFIXES):
            unclassified.append(name)
    return unclassified


def test_every_named_url_is_classified():
    assert unclassified_urls() == []


def test_an_unclassified_url_is_caught():
    root = {k: v for k, v in ROOT_RULES.items() if k != "privacy"}
    other = {k: v for k, v in ACCOUNTS_RULES.items() if k != "dashboard:programme"}
    assert unclassified_urls(root, other) == ["privacy", "dashboard:programme"]


ROLES = ["anonymous", "member", "programme_manager", "staff"]


def expected(rule, role):
    if rule in ("public", "token"):
        return 200
    if role == "anonymous":
        return 302
    if rule == "signed_in":
        return 200
    if rule == "programme_manager":
        return 200 if role in ("programme_manager", "staff") else 404
    raise AssertionError(rule)


@pytest.mark.django_db
def test_access_table_for_the_other_urls(client):
    people = {
        "member": UserFactory(),
        "programme_manager": UserFactory(),
        "staff": UserFactory(is_staff=True),
    }
    NetworkFactory().managers.add(people["programme_manager"])
    token = unsubscribe_token(user=people["member"], preference="digest")
    mismatches = []
    for name, rule in {**ROOT_RULES, **ACCOUNTS_RULES}.items():
        url = reverse(name, args=[token] if rule == "token" else [])
        for role in ROLES:
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            status = client.get(url).status_code
            if status != expected(rule, role):
                mismatches.append(
                    f"{role:>17} GET {url}: {status}, expected {expected(rule, role)}"
                )
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.django_db
def test_admin_is_for_staff_only(client):
    url = reverse("admin:index")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302  # to the admin's sign-in: members are not staff
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200
