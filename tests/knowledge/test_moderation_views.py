"""Reporting and hiding stories and comments as people do it: through the pages."""

import pytest
from django.urls import reverse

from communities.models import Report
from communities.moderation.services import content_hide, content_report
from tests.conftest import field_error, soup
from tests.factories import (
    CommentFactory,
    CommunityFactory,
    ConvenedCommunityFactory,
    ResourceFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    community = ConvenedCommunityFactory(visibility="public", members=2)
    author, reader = community.members
    story = StoryFactory(
        community=community, author=author, title="Deprescribing in care homes", visibility="public"
    )
    return community, author, reader, community.lead, story


def text(response):
    return " ".join(soup(response).get_text(" ").split())


def test_a_member_reports_a_story_and_is_thanked(client, place):
    community, _, reader, _, story = place
    client.force_login(reader)
    page = soup(client.get(story.get_absolute_url()))
    link = page.find("a", href=reverse("knowledge:story_report", args=[story.pk]))
    assert link is not None
    url = link["href"]
    response = client.post(url, {"reason": ""})
    assert (
        field_error(soup(response), "id_reason") == "Say what is wrong: the conveners will read it"
    )
    response = client.post(url, {"reason": "It names a resident."}, follow=True)
    assert response.redirect_chain[-1][0] == story.get_absolute_url()
    assert "the conveners have been told about this story" in text(response)
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.community) == (
        reader,
        "It names a resident.",
        community,
    )
    # Again: refused, with the reason next to the form.
    response = client.post(url, {"reason": "Really"})
    assert "You have already reported this story" in text(response)
    assert Report.objects.count() == 1


def test_people_who_cannot_see_a_story_cannot_report_it(client, place):
    _, _, _, _, _ = place
    private = StoryFactory(community=CommunityFactory(visibility="private"))
    client.force_login(UserFactory())
    assert client.get(reverse("knowledge:story_report", args=[private.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("knowledge:story_report", args=[private.pk]))
    assert response.status_code == 302  # sign in first


def test_only_conveners_and_staff_hide_after_a_confirmation(client, place):
    _, author, reader, convener, story = place
    url = reverse("knowledge:story_hide", args=[story.pk])
    for person in (author, reader):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Mine"}).status_code == 404
    story.refresh_from_db()
    assert not story.is_hidden
    client.force_login(convener)
    page = soup(client.get(url))
    assert page.h1.get_text(strip=True) == "Hide this story?"
    assert page.select_one("button.nhsuk-button--warning").get_text(strip=True) == "Hide the story"
    story.refresh_from_db()
    assert not story.is_hidden  # asking is not hiding
    response = client.post(url, {"reason": ""})
    assert field_error(soup(response), "id_reason") == "Give a reason: the author will see it"
    response = client.post(url, {"reason": "It names a resident."}, follow=True)
    assert "The story is hidden and its author has been told why." in text(response)
    story.refresh_from_db()
    assert story.is_hidden
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("knowledge:story_unhide", args=[story.pk])).status_code == 200


def test_a_hidden_story_shows_its_reason_to_its_author_and_is_gone_for_others(client, place):
    community, author, reader, convener, story = place
    content_hide(target=story, actor=convener, reason="It names a resident.")
    url = story.get_absolute_url()
    for person in (author, convener):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert "Hidden by a convener: It names a resident." in text(response)
    for person in (reader, UserFactory(), None):
        if person is None:
            client.logout()
        else:
            client.force_login(person)
        assert client.get(url).status_code == 404
    # And out of every list, the author's own included.
    for person in (reader, author):
        client.force_login(person)
        for page in (
            reverse("knowledge:stories"),
            reverse("knowledge:community_library", args=[community.slug]),
            reverse("home"),
        ):
            assert "Deprescribing in care homes" not in text(client.get(page)), page


def test_conveners_show_a_story_again(client, place):
    _, _, reader, convener, story = place
    content_hide(target=story, actor=convener, reason="Names a resident")
    client.force_login(convener)
    url = reverse("knowledge:story_unhide", args=[story.pk])
    assert soup(client.get(url)).h1.get_text(strip=True) == "Show this story again?"
    client.post(url)
    client.force_login(reader)
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200 and "Hidden by a convener" not in text(response)


def test_the_queue_lists_open_reports_with_hide_and_dismiss(client, place):
    community, _, reader, convener, story = place
    content_report(target=story, reporter=reader, reason="It names a resident.")
    client.force_login(convener)
    detail = soup(client.get(reverse("communities:detail", args=[community.slug])))
    queue_url = reverse("communities:moderation", args=[community.slug])
    links = [a.get_text(strip=True) for a in detail.find_all("a", href=queue_url)]
    assert "1 report to look at" in links  # in the convener tools
    page = soup(client.get(queue_url))
    row = page.select_one("tbody tr")
    assert "It names a resident." in row.get_text()
    assert reader.name in row.get_text()
    assert row.find("a", href=reverse("knowledge:story_hide", args=[story.pk]))
    dismiss = row.find("a", href=lambda h: h and h.endswith("/dismiss/"))["href"]
    assert soup(client.get(dismiss)).h1.get_text(strip=True) == "Dismiss this report?"
    assert Report.objects.get().is_open
    response = client.post(dismiss, follow=True)
    assert "No report is waiting." in text(response)
    assert Report.objects.get().outcome == Report.Outcome.DISMISSED
    client.force_login(reader)
    assert client.get(queue_url).status_code == 404
    assert client.get(dismiss).status_code == 404


def test_a_hidden_comment_is_for_its_author_and_the_conveners_only(client, place):
    community, author, reader, convener, _ = place
    resource = ResourceFactory(community=community, owner=convener, visibility="public")
    comment = CommentFactory(resource=resource, author=author, body="Ring me on 0123 456 789")
    client.force_login(reader)
    page = soup(client.get(resource.get_absolute_url()))
    report_url = reverse("knowledge:comment_report", args=[resource.pk, comment.pk])
    assert page.find("a", href=report_url)
    response = client.post(report_url, {"reason": "A phone number"}, follow=True)
    assert "the conveners have been told about this comment" in text(response)
    client.force_login(convener)
    hide_url = reverse("knowledge:comment_hide", args=[resource.pk, comment.pk])
    assert soup(client.get(hide_url)).h1.get_text(strip=True) == "Hide this comment?"
    client.post(hide_url, {"reason": "No personal numbers, please."})
    assert Report.objects.get().outcome == Report.Outcome.HIDDEN
    for person in (author, convener):
        client.force_login(person)
        assert "Hidden by a convener: No personal numbers, please." in text(
            client.get(resource.get_absolute_url())
        )
    for person in (reader, None):
        if person is None:
            client.logout()
        else:
            client.force_login(person)
        page = text(client.get(resource.get_absolute_url()))
        assert "0123 456 789" not in page and "No personal numbers" not in page
        assert "hidden" not in page.lower()
    client.force_login(reader)
    assert client.get(report_url).status_code == 404  # nothing left to report


def test_reports_are_rate_limited(client, settings, place):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": "1/h"}
    community, _, reader, _, story = place
    other = StoryFactory(community=community, visibility="public")
    client.force_login(reader)
    first = client.post(reverse("knowledge:story_report", args=[story.pk]), {"reason": "One"})
    assert first.status_code == 302
    second = client.post(reverse("knowledge:story_report", args=[other.pk]), {"reason": "Two"})
    assert second.status_code == 429
    assert Report.objects.count() == 1
