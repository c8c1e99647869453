"""Search, visibility in lists and counts, the PostgreSQL plan, and constant query counts."""

import pytest
from django.db import connection
from django.urls import reverse

from communities.models import Community, Membership
from knowledge import selectors, services
from knowledge.models import Adoption, Resource
from tests.conftest import soup
from tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def make(community, n, **kwargs):
    made = [ResourceFactory(community=community, **kwargs) for _ in range(n)]
    services.search_vector_update(resource_ids=[r.pk for r in made])
    return made


def test_search_ranks_title_first_and_highlights(client):
    community = CommunityFactory()
    in_body = ResourceFactory(
        community=community, title="Handover notes", summary="For wards.", body="Mentions sepsis."
    )
    in_title = ResourceFactory(
        community=community, title="Sepsis screening tool", summary="For wards.", body=""
    )
    ResourceFactory(community=community, title="Falls", summary="Nothing.", body="")
    services.search_vector_update(resource_ids=[in_body.pk, in_title.pk])
    response = client.get(reverse("knowledge:search"), {"q": "sepsis"})
    page = soup(response)
    titles = [a.get_text() for a in page.select(".app-resource-list h2 a")]
    assert titles == ["Sepsis screening tool", "Handover notes"]
    marks = [m.get_text().lower() for m in page.select(".app-snippet mark")]
    assert "sepsis" in marks
    assert "2 resources" in page.select_one("[role=status]").get_text()


def test_filters_and_sorts(client):
    community, other = CommunityFactory(), CommunityFactory()
    leaflet = ResourceFactory(community=community, kind=Resource.Kind.LEAFLET, title="Leaflet A")
    leaflet.topics.set(["falls"])
    toolkit = ResourceFactory(community=other, kind=Resource.Kind.TOOLKIT, title="Toolkit B")
    Resource.objects.filter(pk=toolkit.pk).update(adoption_count=5)
    url = reverse("knowledge:library")
    names = lambda r: [a.get_text() for a in soup(r).select(".app-resource-list h2 a")]  # noqa: E731
    assert names(client.get(url, {"kind": "leaflet"})) == ["Leaflet A"]
    assert names(client.get(url, {"topic": "falls"})) == ["Leaflet A"]
    assert names(client.get(url, {"community": other.slug})) == ["Toolkit B"]
    assert names(client.get(url, {"sort": "adopted"}))[0] == "Toolkit B"
    response = client.get(url, {"since": "2030-01-01", "until": "2029-01-01"})
    assert "The end date must be on or after the start date" in response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "outsider", "manager"])
def test_private_resources_never_listed_searched_or_counted(client, role):
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    secret = ResourceFactory(
        community=private,
        title="Secret near-miss review",
        summary="Confidential zebracorn learning.",
        visibility=Resource.Visibility.PUBLIC,
    )
    services.search_vector_update(resource_ids=[secret.pk])
    AdoptionSource = ResourceFactory(community=CommunityFactory(), title="Open toolkit")  # noqa: N806
    Adoption.objects.create(
        resource=AdoptionSource, organisation=OrganisationFactory(), community=private, note="x"
    )
    if role != "anonymous":
        user = UserFactory()
        if role == "manager":
            private.network.managers.add(user)
        client.force_login(user)
    for url in [
        reverse("knowledge:library"),
        reverse("knowledge:search") + "?q=zebracorn",
        reverse("knowledge:stories"),
        reverse("knowledge:resource", args=[AdoptionSource.pk]),
    ]:
        body = client.get(url).content.decode()
        assert "zebracorn" not in body.lower() or "No resource matches" in body
        assert reverse("knowledge:resource", args=[secret.pk]) not in body
        if role != "manager":  # programme managers know the community exists, not its content
            assert private.name not in body, url
    search = soup(client.get(reverse("knowledge:search"), {"q": "zebracorn"}))
    assert search.select_one("[role=status]").get_text().startswith("0 resources")
    assert client.get(reverse("knowledge:resource", args=[secret.pk])).status_code == 404
    assert client.get(reverse("knowledge:download", args=[secret.pk])).status_code == 404


def test_search_uses_the_gin_index_on_postgresql_and_the_fallback_on_sqlite():
    community = CommunityFactory()
    owner = UserFactory()
    rows = [
        Resource(
            community=community,
            owner=owner,
            title=f"Routine resource {i}",
            summary=f"Ordinary summary number {i} about medicines.",
            body="Plain text.",
            visibility=Resource.Visibility.PUBLIC,
            external_url="https://example.org",
        )
        for i in range(10_000)
    ]
    rows[1234].title = "Deprescribing anticholinergics quickstart"
    Resource.objects.bulk_create(rows, batch_size=2000)
    anonymous = __import__("django.contrib.auth.models", fromlist=["x"]).AnonymousUser()
    if connection.vendor == "postgresql":
        services.search_vector_update(resource_ids=Resource.objects.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_resource")
    qs, sort = selectors.resource_list(user=anonymous, q="anticholinergics")
    assert sort == "relevance"
    assert [r.title for r in qs[:20]] == ["Deprescribing anticholinergics quickstart"]
    newest, _ = selectors.resource_list(user=anonymous, q="anticholinergics", sort="newest")
    plans = [qs[:20].explain(), newest[:20].explain()]
    sql = str(qs.query)
    if connection.vendor == "postgresql":
        for plan in plans:
            assert "knowledge_resource_search_gin" in plan, plan
        assert "search_vector" in sql and "ts_rank" in sql
    else:
        where = sql.split(" WHERE ", 1)[1]
        assert "search_vector" not in where and "LIKE" in where
        assert "knowledge_resource_search_gin" not in "".join(plans)


def populate(n):
    community = CommunityFactory(visibility=Community.Visibility.PUBLIC)
    member = MembershipFactory(community=community).user
    made = make(community, n, summary="A falls toolkit for wards.")
    for resource in made:
        resource.topics.set(["falls", "wards"])
    resource = made[0]
    for _ in range(n):
        CommentFactory(resource=resource)
        Adoption.objects.create(
            resource=resource,
            organisation=OrganisationFactory(),
            community=CommunityFactory(),
            note="Used on our wards.",
        )
    return community, member, resource


@pytest.mark.parametrize("n", [5, 40])
def test_query_counts_are_constant(client, get_within, n):
    community, member, resource = populate(n)
    client.force_login(member)
    urls = [
        reverse("knowledge:library"),
        reverse("knowledge:search") + "?q=falls",
        reverse("knowledge:community_library", args=[community.slug]),
        reverse("knowledge:resource", args=[resource.pk]),
        reverse("communities:detail", args=[community.slug]),
    ]
    for url in urls:
        get_within(url, 30)


def test_pages_are_bounded(client):
    community = CommunityFactory()
    make(community, 3)
    response = client.get(reverse("knowledge:library"), {"page": "9999"})
    assert response.status_code == 200
    assert selectors.BoundedPaginator(Resource.objects.all(), 1).num_pages <= selectors.MAX_PAGES
    paginator = selectors.BoundedPaginator(list(range(5000)), 20)
    assert paginator.num_pages == selectors.MAX_PAGES


def test_member_sees_members_only_resources_in_their_list(client):
    community = CommunityFactory(visibility=Community.Visibility.LISTED)
    member = MembershipFactory(community=community, role=Membership.Role.MEMBER).user
    ResourceFactory(community=community, title="Members note", visibility="members")
    client.force_login(member)
    assert "Members note" in client.get(reverse("knowledge:library")).content.decode()
    client.force_login(UserFactory())
    assert "Members note" not in client.get(reverse("knowledge:library")).content.decode()


def test_a_common_word_ranks_the_newest_matches_and_says_there_were_more(client, monkeypatch):
    """On PostgreSQL a relevance search ranks only the newest SEARCH_CANDIDATES matches (the
    pages never go deeper); the fallback ranks everything and counts exactly."""
    monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", 4)
    community = CommunityFactory()
    made = make(community, 6, title="Sepsis bundle", summary="Sepsis.", body="")
    response = client.get(reverse("knowledge:search"), {"q": "sepsis"})
    status = soup(response).select_one("[role=status]").get_text()
    shown = {a["href"] for a in soup(response).select(".app-resource-list h2 a")}
    if connection.vendor == "postgresql":
        assert "More than 3 resources" in " ".join(status.split())
        newest = sorted(made, key=lambda r: (r.created_at, r.pk))[-4:]
        assert shown == {reverse("knowledge:resource", args=[r.pk]) for r in newest}
    else:
        assert "6 resources" in status and len(shown) == 6
