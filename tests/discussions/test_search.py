"""Search of discussions and replies: what each person finds (never a hidden post, a safe
space only inside its community), the vectors the services keep, snippets, the cap and
constant query counts. Runs on SQLite and PostgreSQL (the vectors are checked where they
exist)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.moderation.services import content_hide, content_unhide
from core import search as core_search
from discussions import search, services
from discussions.models import Discussion, Reply
from tests.conftest import soup
from tests.discussions.conftest import place_of
from tests.discussions.conftest import start as start_discussion
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("discussions:search")


def start(place, **kwargs):
    return start_discussion(place, **{"body": "How do you review it with the pharmacist?"} | kwargs)


def found(client, person, q):
    """(titles, links, page text) of the results `person` gets for `q`."""
    client.force_login(person)
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    page = soup(response)
    links = [a["href"] for a in page.select(".app-discussion-results h2 a")]
    titles = [a.get_text() for a in page.select(".app-discussion-results h2 a")]
    return titles, links, " ".join(page.get_text(" ").split())


def test_a_member_finds_a_discussion_and_a_reply_with_snippets(client, place):
    asked = start(place, body="Is **crushing** tablets ever safe?")
    reply = services.reply_add(
        discussion=start(place, title="Night rounds", body="Who checks?"),
        author=place.member,
        body="We use a zebrafinch checklist for every round.",
    )
    titles, links, text = found(client, place.member, "crushing")
    assert titles == ["Covert medication in care homes"]
    assert links == [asked.get_absolute_url()]
    page = soup(client.get(URL, {"q": "crushing"}))
    marks = [m.get_text().lower() for m in page.select(".app-snippet mark")]
    assert marks == ["crushing"]
    assert "**" not in page.select_one(".app-snippet").get_text()  # Markdown's marks go
    assert "1 result for" in page.select_one("[role=status]").get_text()
    titles, links, text = found(client, place.member, "zebrafinch")
    # A reply matching shows its discussion, its own words, and links to the reply.
    assert titles == ["Night rounds"]
    assert links == [reply.get_absolute_url()]
    assert "zebrafinch checklist" in text and "A reply" in text


def test_title_matches_come_first_and_no_names_are_shown(client, place):
    start(place, title="Other question", body="Sepsis screening on wards")
    start(place, title="Sepsis screening tool", body="Which one?")
    titles, _, text = found(client, place.member, "sepsis")
    assert titles == ["Sepsis screening tool", "Other question"]
    assert place.author.name not in text


def test_outsiders_programme_managers_and_the_signed_out_find_nothing(client, place):
    start(place, title="Zebrafinch protocol", body="Zebrafinch text")
    manager = UserFactory()
    place.community.network.managers.add(manager)
    for person in (place.outsider, manager):
        titles, _, text = found(client, person, "zebrafinch")
        assert titles == [] and "No discussion matches" in text
        assert "Zebrafinch protocol" not in text
    client.logout()
    assert client.get(URL, {"q": "zebrafinch"}).status_code == 302  # signing in first


def test_a_safe_space_is_found_only_by_its_members(client, place):
    start(
        place,
        kind=Discussion.Kind.NEAR_MISS,
        title="Wrong patient near miss",
        body="The zebrafinch label was on the wrong bag.",
        is_safe_space=True,
        author_hidden=True,
    )
    titles, _, text = found(client, place.member, "zebrafinch")
    assert titles == ["Wrong patient near miss"]
    assert "zebrafinch label" in text.lower() and "Safe space" in text
    assert place.author.name not in text  # the hidden name stays hidden
    # Staff see every discussion's page, but a safe space's words (its snippet, its title)
    # never show outside its community: not in search.
    other = MembershipFactory(community=CommunityFactory()).user
    for person in (place.staff, place.outsider, other):
        titles, _, text = found(client, person, "zebrafinch")
        assert titles == [], person.name
        assert "zebrafinch label" not in text.lower() and "Wrong patient" not in text


def test_hidden_discussions_and_replies_are_never_found(client, place):
    hidden = start(place, title="Zebrafinch question", body="Text.")
    shown = start(place, title="Another question", body="Text.")
    reply = services.reply_add(discussion=shown, author=place.member, body="A zebrafinch reply")
    content_hide(target=hidden, actor=place.convener, reason="Off topic")
    content_hide(target=reply, actor=place.convener, reason="Off topic")
    for person in (place.member, place.author, place.convener, place.staff):
        assert found(client, person, "zebrafinch")[0] == [], person.name
    content_unhide(target=reply, actor=place.convener)
    assert found(client, place.member, "zebrafinch")[0] == ["Another question"]
    # The replies of a hidden discussion go with it.
    content_hide(target=shown, actor=place.convener, reason="Off topic")
    assert found(client, place.member, "zebrafinch")[0] == []


def _vector(model, pk):
    return model.objects.filter(pk=pk).values_list("search_vector", flat=True).get()


def test_the_services_keep_what_is_found_up_to_date(client, place):
    discussion = start(place, title="Zebrafinch", body="Old wording")
    reply = services.reply_add(discussion=discussion, author=place.member, body="First draft")
    if connection.vendor == "postgresql":
        assert "zebrafinch" in _vector(Discussion, discussion.pk)
        assert "first" in _vector(Reply, reply.pk)
    else:  # SQLite searches the columns: the vector stays empty
        assert _vector(Discussion, discussion.pk) is None
    services.discussion_edit(
        discussion=discussion, editor=place.author, title="Hummingbird", body="New wording"
    )
    services.reply_edit(reply=reply, editor=place.member, body="Second kestrel version")
    assert found(client, place.member, "zebrafinch")[0] == []
    assert found(client, place.member, "hummingbird")[0] == ["Hummingbird"]
    assert found(client, place.member, "first")[0] == []
    _, links, _ = found(client, place.member, "kestrel")
    assert links == [reply.get_absolute_url()]


def test_a_search_without_words_asks_for_some(client, place):
    client.force_login(place.member)
    page = soup(client.get(URL))
    assert "Type a few words" in page.get_text()
    assert search.search_page(user=place.member, q=" - ") is None


def test_the_library_search_links_to_the_discussions_search(client, place):
    client.force_login(place.member)
    page = soup(client.get(reverse("knowledge:search"), {"q": "covert meds"}))
    link = page.select_one(".app-discussion-search-link")
    assert link["href"] == f"{URL}?q=covert%20meds"
    client.logout()
    page = soup(client.get(reverse("knowledge:search"), {"q": "covert meds"}))
    assert page.select_one(".app-discussion-search-link") is None


def _many(place, n, word="sepsis"):
    rows = Discussion.objects.bulk_create(
        Discussion(
            community=place.community, author=place.author, title=f"{word} {i}", body="Text."
        )
        for i in range(n)
    )
    services.search_vectors_update(discussion_ids=[d.pk for d in rows])


def test_more_than_a_thousand_matches_are_capped(client):
    place = place_of()
    _many(place, core_search.SEARCH_CANDIDATES + 5)
    client.force_login(place.member)
    page = soup(client.get(URL, {"q": "sepsis", "page": 999}))
    status = page.select_one("[role=status]").get_text()
    assert status.startswith(f"More than {core_search.MAX_RESULTS} results")
    assert len(page.select(".app-discussion-results h2 a")) == core_search.PAGE_SIZE
    result = search.search_page(user=place.member, q="sepsis")
    assert result.paginator.num_pages == core_search.MAX_PAGES


@pytest.mark.parametrize("n", [3, 30])
def test_a_search_page_costs_the_same_whatever_the_matches(client, get_within, n):
    place = place_of()
    _many(place, n)
    for discussion in Discussion.objects.all()[:n]:
        services.reply_add(discussion=discussion, author=place.member, body="sepsis again")
    client.force_login(place.member)
    # The session (from the cache when it holds it) and the person, then: on PostgreSQL the
    # discussions' matches, the recent replies' and every reply's (the window is short
    # here); on SQLite a count and a page of the matches; the page's discussions, its
    # replies.
    response = get_within(URL, 7, q="sepsis")
    assert len(soup(response).select(".app-discussion-results h2 a")) == min(2 * n, 20)


def test_search_ignores_anonymous_people():
    assert search.search_page(user=AnonymousUser(), q="sepsis").paginator.count == 0


def test_search_uses_the_gin_indexes_on_postgresql_and_the_fallback_on_sqlite():
    place = place_of()
    rows = [
        Discussion(
            community=place.community,
            author=place.author,
            title=f"Routine question {i}",
            body=f"Ordinary text number {i} about medicines.",
        )
        for i in range(5_000)
    ]
    rows[1234].title = "Anticholinergic burden in care homes"
    made = Discussion.objects.bulk_create(rows, batch_size=1000)
    services.search_vectors_update(discussion_ids=[d.pk for d in made])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE discussions_discussion")
            cursor.execute("ANALYZE discussions_reply")
    page = search.search_page(user=place.member, q="anticholinergic")
    assert [r.discussion.title for r in page.object_list] == [
        "Anticholinergic burden in care homes"
    ]
    if connection.vendor == "postgresql":
        # The discussions' matches, then the replies' (the recent ones, then every one).
        with CaptureQueriesContext(connection) as queries:
            search._matches(place.member, "anticholinergic")
        assert len(queries) == 3
        sql = queries[0]["sql"]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "discussions_discussion_search_gin" in plan, plan
        assert "ts_rank" in sql
    else:
        matches = search._matches(place.member, "anticholinergic")
        plan, sql = matches.explain(), str(matches.query)
        assert "search_vector" not in sql and "LIKE" in sql
        assert "_search_gin" not in plan


def _replies_posted(place, days_ago):
    """A discussion with one reply about sepsis posted that many days ago each, its last
    activity then, as reply_add keeps it."""
    discussion = start(place, title="Escalation", body="When do you call the outreach team?")
    now = timezone.now()
    for days in days_ago:
        reply = services.reply_add(discussion=discussion, author=place.member, body="Sepsis six")
        Reply.objects.filter(pk=reply.pk).update(created_at=now - timedelta(days=days))
    Discussion.objects.filter(pk=discussion.pk).update(
        last_activity_at=now - timedelta(days=min(days_ago))
    )
    return discussion


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the windows are PostgreSQL's")
@pytest.mark.parametrize(
    ("first", "second", "queries"),
    [
        ([1, 2, 3, 4, 5, 6, 40], [30, 200], 2),  # the first window is full
        ([1, 2, 40, 60, 90], [30, 200], 3),  # 2 of 4 in 14 days: 56 days hold 4
        ([1, 100, 120, 150], [200, 300], 4),  # 1 in 14 days: 112 days hold 2, then all
    ],
    ids=["first-window", "second-window", "every-reply"],
)
def test_the_recent_windows_give_exactly_the_newest_matches(monkeypatch, first, second, queries):
    """Whichever window answers, the matches are those of a search without one: the newest
    replies (and the discussions' matches, read first)."""
    place = place_of()
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 4)
    _replies_posted(place, first)
    _replies_posted(place, second)
    with CaptureQueriesContext(connection) as captured:
        windowed = search._matches(place.member, "sepsis")
    assert len(captured) == queries
    monkeypatch.setattr(search, "RECENT_REPLIES", timedelta(0))
    assert windowed == search._matches(place.member, "sepsis")
    reply_ids = [row[1] for row in windowed if row[1]]
    newest = Reply.objects.order_by("-created_at").values_list("pk", flat=True)[:4]
    assert sorted(reply_ids) == sorted(newest)


def test_a_discussions_last_activity_is_never_older_than_its_replies(place):
    """What the search's recent window relies on (RECENT_REPLIES)."""
    discussion = start(place)
    for _ in range(3):
        reply = services.reply_add(discussion=discussion, author=place.member, body="Noted.")
        discussion.refresh_from_db()
        reply.refresh_from_db()
        assert discussion.last_activity_at >= reply.created_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the ranks are PostgreSQL's")
def test_equal_matches_within_one_second_come_newest_first():
    """Two replies ranked the same, posted within one second: the newer first, whichever
    discussion it is in (the time is read to the microsecond)."""
    place = place_of()
    first = start(place, title="Escalation", body="When do you call the outreach team?")
    second = start(place, title="Handover", body="What goes in the handover?")
    newer = services.reply_add(discussion=first, author=place.member, body="Sepsis six")
    older = services.reply_add(discussion=second, author=place.member, body="Sepsis six")
    moment = timezone.now().replace(microsecond=0) - timedelta(days=1)
    Reply.objects.filter(pk=newer.pk).update(created_at=moment.replace(microsecond=900_000))
    Reply.objects.filter(pk=older.pk).update(created_at=moment.replace(microsecond=100_000))
    rows = search._matches(place.member, "sepsis")
    assert [row[1] for row in rows] == [newer.pk, older.pk]
