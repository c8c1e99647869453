"""Leadership programme pages: selection, sponsors, journals. Every URL for every kind of
person is in tests/test_access.py."""

import pytest
from django.urls import reverse

from conveners import services
from conveners.models import Application
from tests.conftest import soup
from tests.conveners.conftest import application_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_applicants_see_only_their_own_and_journals_stay_private(client, programme):
    applicant, other_applicant, participant = UserFactory(), UserFactory(), UserFactory()
    apps = {
        person: services.application_submit(
            application=services.application_save(
                programme=programme, applicant=person, **application_data()
            )
        )
        for person in (applicant, other_applicant, participant)
    }
    services.application_decide(
        application=apps[participant], actor=programme.manager, decision="offer"
    )
    services.offer_answer(application=apps[participant], accept=True)
    apps[participant].refresh_from_db()
    services.journal_add(application=apps[participant], title="Private thoughts", body="Only mine")
    # An applicant never sees another's application, and nobody but managers sees scores.
    client.force_login(other_applicant)
    page = client.get(reverse("conveners:apply", args=[programme.slug])).content.decode()
    assert applicant.name not in page
    # A private journal entry is not shown to the programme managers.
    client.force_login(programme.manager)
    page = client.get(reverse("conveners:shared_journal", args=[programme.slug])).content.decode()
    assert "Only mine" not in page


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
    assert response.status_code == 200
    assert len(soup(response).select("tbody tr")) == size
    with django_assert_max_num_queries(10):
        assert client.get(reverse("conveners:selection", args=[programme.slug])).status_code == 200
