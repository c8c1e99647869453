import pytest
from django.urls import reverse

from conveners import services
from conveners import urls as convener_urls
from conveners.models import Application
from tests.conftest import soup
from tests.conveners.conftest import application_data
from tests.factories import NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "applicant", "other_applicant", "participant", "manager", "other_manager"]
RULES = {
    "list": "signed_in",
    "create": "any_manager",
    "detail": "signed_in",
    "session_add": "manager",
    "apply": "signed_in",
    "withdraw": "own",
    "offer": "own_redirect",
    "applications": "manager",
    "review": "manager",
    "selection": "manager",
    "participants": "manager",
    "completion": "manager",
    "participant": "participant",
    "journal_new": "participant",
    "journal_entry": "participant",
    "shared_journal": "manager",
    "sponsor": "token",
}


def expected(rule, role):
    if rule == "token":
        return 200
    if role == "anonymous":
        return 302
    return {
        "signed_in": 200,
        "any_manager": 200 if role in ("manager", "other_manager") else 404,
        "manager": 200 if role == "manager" else 404,
        "own": 200 if role in ("applicant", "other_applicant", "participant") else 404,
        "own_redirect": 302 if role in ("applicant", "other_applicant", "participant") else 404,
        "participant": 200 if role == "participant" else 404,
    }[rule]


def test_every_url_is_classified():
    assert {p.name for p in convener_urls.urlpatterns} == set(RULES)


def test_access_table(client, programme):
    people = {role: UserFactory() for role in ROLES if role != "anonymous"}
    programme.network.managers.add(people["manager"])
    NetworkFactory().managers.add(people["other_manager"])
    apps = {}
    for role in ("applicant", "other_applicant", "participant"):
        app = services.application_save(
            programme=programme, applicant=people[role], **application_data()
        )
        apps[role] = services.application_submit(application=app)
    services.application_decide(
        application=apps["participant"], actor=people["manager"], decision="offer"
    )
    services.offer_answer(application=apps["participant"], accept=True)
    token = services.sponsor_token(apps["applicant"])
    apps["participant"].refresh_from_db()
    entry = services.journal_add(
        application=apps["participant"], title="Private thoughts", body="Only mine"
    )
    args = {
        "list": [],
        "create": [],
        "sponsor": [token],
        "review": [programme.slug, apps["applicant"].pk],
        "completion": [programme.slug, apps["participant"].pk],
        "journal_entry": [programme.slug, entry.pk],
    }
    mismatches = []
    for name, rule in RULES.items():
        url = reverse(f"conveners:{name}", args=args.get(name, [programme.slug]))
        for role in ROLES:
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            status = client.get(url).status_code
            if status != expected(rule, role):
                mismatches.append(
                    f"{role:>15} GET {url}: {status}, expected {expected(rule, role)}"
                )
    assert not mismatches, "\n".join(mismatches)
    # An applicant never sees another's application, and nobody but managers sees scores.
    client.force_login(people["other_applicant"])
    page = client.get(reverse("conveners:apply", args=[programme.slug])).content.decode()
    assert people["applicant"].name not in page
    # A private journal entry is not shown to the programme managers.
    client.force_login(people["manager"])
    assert (
        "Only mine"
        not in client.get(
            reverse("conveners:shared_journal", args=[programme.slug])
        ).content.decode()
    )


def test_scores_of_others_only_after_scoring(client, programme):
    application = services.application_submit(
        application=services.application_save(
            programme=programme, applicant=UserFactory(), **application_data()
        )
    )
    first, second = programme.manager, UserFactory(name="Robin Reviewer")
    programme.network.managers.add(second)
    services.review_save(
        application=application,
        reviewer=second,
        scores=dict.fromkeys(programme.criteria_list(), 3),
        note="Strong sponsor",
    )
    client.force_login(first)
    url = reverse("conveners:review", args=[programme.slug, application.pk])
    page = soup(client.get(url))
    assert (
        "Strong sponsor" not in page.get_text() and "once you have saved yours" in page.get_text()
    )
    client.post(url, {"review": "1", "r-c0": "4", "r-c1": "5"})
    page = soup(client.get(url))
    assert "Strong sponsor" in page.select_one(".app-other-reviews").get_text()


def test_offer_beyond_cohort_by_the_page(client, programme):
    apps = [
        services.application_submit(
            application=services.application_save(
                programme=programme, applicant=UserFactory(), **application_data()
            )
        )
        for _ in range(3)
    ]
    client.force_login(programme.manager)
    for a in apps:
        response = client.post(
            reverse("conveners:review", args=[programme.slug, a.pk]),
            {"decide": "1", "d-decision": "offer"},
        )
    assert "cohort is full" in soup(response).select_one(".nhsuk-error-summary").get_text()
    assert Application.objects.filter(status="offered").count() == 2


def test_sponsor_link_twice_and_tampered(client, programme):
    application = services.application_submit(
        application=services.application_save(
            programme=programme, applicant=UserFactory(), **application_data()
        )
    )
    url = reverse("conveners:sponsor", args=[services.sponsor_token(application)])
    assert "Confirm your support" in soup(client.get(url)).find("h1").get_text()
    assert "You have confirmed" in soup(client.post(url)).get_text()
    assert "already confirmed" in soup(client.post(url)).get_text()
    assert client.get(url[:-3] + "xx/").status_code == 400


@pytest.mark.parametrize("size", [3, 30])
def test_query_counts(client, programme, django_assert_max_num_queries, size):
    programme.cohort_size = 100
    programme.save()
    for i in range(size):
        a = services.application_submit(
            application=services.application_save(
                programme=programme, applicant=UserFactory(), **application_data()
            )
        )
        services.review_save(
            application=a,
            reviewer=programme.manager,
            scores=dict.fromkeys(programme.criteria_list(), 3),
        )
        if i % 2:
            services.application_decide(application=a, actor=programme.manager, decision="offer")
    client.force_login(programme.manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("conveners:applications", args=[programme.slug]))
    assert len(soup(response).select("tbody tr")) == size
    with django_assert_max_num_queries(10):
        client.get(reverse("conveners:selection", args=[programme.slug]))
