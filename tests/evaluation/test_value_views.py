"""Value tags and the evidence gap as people use them: tagging from a story's page, changing
and removing a tag (with a confirmation), 404s for those who may not, the network's gap
naming no story of a private community, the CSV, and constant query counts."""

import pytest
from django.urls import reverse

from conveners import services as convener_services
from evaluation.value import services
from evaluation.value.models import ValueTag
from tests.conftest import error_summary, field_error, soup
from tests.core.guard import NHS_NUMBER
from tests.factories import CommunityFactory, MembershipFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _convener_of(community):
    person = UserFactory()
    MembershipFactory(community=community, user=person, role="convener")
    return person


def test_the_author_tags_their_story_from_its_page(client):
    story = StoryFactory()
    client.force_login(story.author)
    page = soup(client.get(story.get_absolute_url()))
    add = reverse("evaluation:value_story_tag", args=[story.pk])
    assert page.find("a", href=add)
    form = soup(client.get(add))
    assert "Realised value: The change made a difference" in form.get_text()
    response = client.post(
        add,
        {
            "cycle": "realised",
            "evidence_kind": "figure",
            "figure": "4",
            "figure_unit": "fewer admissions a month",
        },
    )
    assert response.status_code == 302 and response.url == story.get_absolute_url()
    tag = ValueTag.objects.get()
    assert (tag.cycle, tag.figure_unit, tag.tagged_by) == (
        "realised",
        "fewer admissions a month",
        story.author,
    )
    shown = soup(client.get(story.get_absolute_url())).find(class_="app-value-tags")
    assert "Realised value" in shown.get_text() and "fewer admissions a month" in shown.get_text()


def test_missing_evidence_is_shown_next_to_its_field_and_nothing_typed_is_lost(client):
    story = StoryFactory()
    client.force_login(story.author)
    add = reverse("evaluation:value_story_tag", args=[story.pk])
    response = client.post(add, {"cycle": "applied", "evidence_kind": "quote", "quote": "Kept"})
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page) == ["Say who said it"]
    assert field_error(page, "id_quote_by") == "Say who said it"
    assert page.find("textarea", attrs={"name": "quote"}).get_text().strip() == "Kept"
    assert not ValueTag.objects.exists()


def test_a_quote_naming_a_patient_is_refused(client):
    story = StoryFactory()
    client.force_login(story.author)
    add = reverse("evaluation:value_story_tag", args=[story.pk])
    response = client.post(
        add,
        {
            "cycle": "applied",
            "evidence_kind": "quote",
            "quote": f"Patient {NHS_NUMBER} is better",
            "quote_by": "A GP",
        },
    )
    assert response.status_code == 200
    assert not ValueTag.objects.exists()


def test_others_get_404_and_no_link(client):
    story = StoryFactory()
    member, manager = UserFactory(), UserFactory()
    MembershipFactory(community=story.community, user=member)
    story.community.network.managers.add(manager)
    tag = services.value_tag_save(actor=story.author, story=story, cycle="applied")
    urls = [
        reverse("evaluation:value_story_tag", args=[story.pk]),
        reverse("evaluation:value_tag_edit", args=[tag.pk]),
        reverse("evaluation:value_tag_remove", args=[tag.pk]),
        reverse("evaluation:value_community", args=[story.community.slug]),
    ]
    for person in (member, manager):
        client.force_login(person)
        page = soup(client.get(story.get_absolute_url()))
        assert "Applied value" in page.find(class_="app-value-tags").get_text()
        assert not page.find("a", href=urls[0])
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
        assert client.post(urls[2]).status_code == 404
    assert ValueTag.objects.filter(pk=tag.pk).exists()


def test_a_convener_changes_then_removes_a_tag_after_confirming(client):
    story = StoryFactory()
    convener = _convener_of(story.community)
    tag = services.value_tag_save(actor=story.author, story=story, cycle="applied")
    client.force_login(convener)
    edit = reverse("evaluation:value_tag_edit", args=[tag.pk])
    assert soup(client.get(edit)).find("input", attrs={"value": "applied", "checked": True})
    response = client.post(
        edit, {"cycle": "applied", "evidence_kind": "document", "url": "example.org/audit"}
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.url == "https://example.org/audit"
    remove = reverse("evaluation:value_tag_remove", args=[tag.pk])
    confirm = client.get(remove)
    assert confirm.status_code == 200 and ValueTag.objects.exists()
    assert client.post(remove).status_code == 302
    assert not ValueTag.objects.exists()


def test_a_shared_journal_entry_is_tagged_by_its_participant_and_the_managers(client, world):
    network, people = world
    application = people["participant"].applications.get()
    entry = convener_services.journal_add(application=application, title="Week 5", body="Text")
    url = reverse("evaluation:value_entry_tag", args=[entry.pk])
    client.force_login(people["participant"])
    assert client.get(url).status_code == 404  # not shared yet
    convener_services.journal_share(entry=entry, shared=True)
    response = client.post(url, {"cycle": "potential", "evidence_kind": ""})
    assert response.status_code == 302
    assert response.url == reverse("evaluation:value_entry", args=[entry.pk])
    client.force_login(people["manager"])
    page = soup(client.get(response.url))
    assert "Potential value" in page.find(class_="app-value-tags").get_text()
    for role in ("other_manager", "member", "staff"):
        client.force_login(people[role])
        assert client.get(url).status_code == (200 if role == "staff" else 404)


def test_the_network_gap_names_no_private_story_and_puts_missing_cycles_first(client, world):
    network, people = world
    private = CommunityFactory(network=network, name="Near misses", visibility="private")
    story = StoryFactory(community=private, visibility="members", title="Secret ward story")
    services.value_tag_save(
        actor=story.author,
        story=story,
        cycle="applied",
        evidence_kind="quote",
        quote="A private remark",
        quote_by="A ward sister",
    )
    client.force_login(people["manager"])
    response = client.get(reverse("evaluation:value_network", args=[network.slug]))
    assert response.status_code == 200
    text = soup(response).get_text()
    assert "Secret ward story" not in text and "A private remark" not in text
    assert "No evidence yet of realised value" in text
    assert "No evidence yet of applied value" not in text
    rows = soup(response).select("table")[1].select("tbody tr")
    assert [r.th.get_text() for r in rows] == ["Near misses"]
    assert rows[0].select("td")[2].get_text() == "1 / 0"
    assert soup(response).find("svg", attrs={"role": "img"})
    csv = client.get(reverse("evaluation:value_network_export", args=[network.slug]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert "Near misses,Applied value,1,0" in body and "Secret" not in body
    client.force_login(people["other_manager"])
    assert client.get(reverse("evaluation:value_network", args=[network.slug])).status_code == 404


def test_the_community_gap_is_for_its_conveners(client):
    story = StoryFactory()
    services.value_tag_save(actor=story.author, story=story, cycle="immediate")
    url = reverse("evaluation:value_community", args=[story.community.slug])
    client.force_login(_convener_of(story.community))
    response = client.get(url)
    assert response.status_code == 200
    cells = soup(response).select("table")[0].select("tbody tr")
    immediate = [r for r in cells if r.th.get_text() == "Immediate value"][0]
    assert [td.get_text() for td in immediate.select("td")] == ["0", "1"]
    client.force_login(story.author)
    assert client.get(url).status_code == 404


def _network_of(size, network):
    for i in range(size):
        community = CommunityFactory(network=network, visibility="private" if i % 2 else "public")
        for cycle in ("applied", "realised"):
            story = StoryFactory(community=community)
            services.value_tag_save(
                actor=story.author,
                story=story,
                cycle=cycle,
                evidence_kind="figure" if i % 2 else "",
                figure=2 if i % 2 else None,
                figure_unit="audits" if i % 2 else "",
            )


@pytest.mark.parametrize("size", [1, 6])
def test_the_gap_pages_query_counts_are_constant(
    client, world, django_assert_max_num_queries, size
):
    network, people = world
    _network_of(size, network)
    community = network.communities.first()
    convener = _convener_of(community)
    client.force_login(people["manager"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("evaluation:value_network", args=[network.slug]))
    assert response.status_code == 200
    client.force_login(convener)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("evaluation:value_community", args=[community.slug]))
    assert response.status_code == 200
