"""Discussions as people use them: through the pages."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from communities.models import Community, Membership
from core.models import AuditEntry
from discussions import selectors, services
from discussions.models import Discussion, Reply, ReplyAttachment
from tests.conftest import error_summary, field_error, soup
from tests.discussions.conftest import place_of, start
from tests.factories import CommunityFactory, DiscussionFactory, MembershipFactory, ReplyFactory

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(soup(response).get_text(" ").split())


@pytest.mark.parametrize("visibility", ["public", "listed", "private"])
def test_only_members_and_staff_see_discussions(client, visibility):
    place = place_of(visibility)
    discussion = start(place)
    urls = [
        reverse("discussions:list", args=[place.community.slug]),
        discussion.get_absolute_url(),
        reverse("discussions:people", args=[place.community.slug]) + "?q=a",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # signing in comes first
    for person, status in [
        (place.outsider, 404),
        (place.member, 200),
        (place.convener, 200),
        (place.staff, 200),
    ]:
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == status, (person.name, url)


def test_a_member_starts_a_discussion(client, place):
    client.force_login(place.author)
    url = reverse("discussions:create", args=[place.community.slug])
    page = soup(client.get(url))
    assert page.find("textarea", attrs={"name": "body"})["data-mentions"] == reverse(
        "discussions:people", args=[place.community.slug]
    )
    assert page.find("script", src=lambda s: s and s.endswith("js/mentions.js"))
    response = client.post(url, {"kind": "question", "title": "", "body": "Text"})
    assert field_error(soup(response), "id_title") == "Give the discussion a title"
    assert "Give the discussion a title" in error_summary(soup(response))
    assert soup(response).find("textarea", attrs={"name": "body"}).get_text().strip() == "Text"
    response = client.post(
        url, {"kind": "idea", "title": "Share the audit form", "body": "It **works**."}
    )
    discussion = Discussion.objects.get()
    assert response.status_code == 302 and response["Location"] == discussion.get_absolute_url()
    page = client.get(discussion.get_absolute_url())
    assert "<strong>works</strong>" in page.content.decode()


def test_hiding_a_name_needs_a_safe_space(client, place):
    client.force_login(place.author)
    url = reverse("discussions:create", args=[place.community.slug])
    data = {
        "kind": "near-miss",
        "title": "A near miss",
        "body": "It happened.",
        "author_hidden": "on",
    }
    response = client.post(url, data)
    assert "only in a safe-space discussion" in field_error(soup(response), "id_author_hidden")
    response = client.post(url, {**data, "is_safe_space": "on"})
    assert response.status_code == 302
    assert Discussion.objects.get().author_hidden


def test_the_list_pins_first_filters_unanswered_and_pages(client, place):
    client.force_login(place.member)
    url = reverse("discussions:list", args=[place.community.slug])
    assert "No discussions yet" in text(client.get(url))
    assert "Start the first one" in text(client.get(url))
    old = start(place, title="Old but pinned")
    answered = start(place, title="Answered question")
    idea = start(place, title="An idea", kind=Discussion.Kind.IDEA)
    reply = services.reply_add(discussion=answered, author=place.member, body="Yes")
    services.answer_mark(discussion=answered, reply=reply, actor=place.author)
    services.discussion_pin(discussion=old, actor=place.convener, pinned=True)
    listed = soup(client.get(url))
    titles = [a.get_text() for a in listed.select(".nhsuk-card__heading a")]
    assert titles == ["Old but pinned", "Answered question", "An idea"]
    answered.refresh_from_db()
    active = date_format(timezone.localtime(answered.last_activity_at), "j F Y, H:i")
    assert f"last activity {active}" in listed.select(".nhsuk-card")[1].get_text(" ")
    page = soup(client.get(url + "?show=unanswered"))
    assert [a.get_text() for a in page.select(".nhsuk-card__heading a")] == ["Old but pinned"]
    assert "Answered" in text(client.get(url))
    DiscussionFactory.create_batch(20, community=place.community, author=place.author)
    assert soup(client.get(url)).select_one(".nhsuk-pagination")
    assert idea.pk


def test_replying_quoting_and_the_closed_notice(client, place):
    discussion = start(place)
    first = services.reply_add(discussion=discussion, author=place.member, body="Every month.")
    client.force_login(place.author)
    page = soup(client.get(discussion.get_absolute_url()))
    quote_link = page.find(
        "a", href=reverse("discussions:reply", args=[discussion.pk]) + f"?quote={first.pk}"
    )
    response = client.get(quote_link["href"])
    assert "Every month." in text(response)
    response = client.post(quote_link["href"], {"body": "Same here."})
    reply = Reply.objects.get(body="Same here.")
    assert response["Location"] == reply.get_absolute_url()
    assert reply.quote == first
    page = soup(client.get(discussion.get_absolute_url()))
    quote = page.find(id=f"reply-{reply.pk}").select_one("blockquote")
    assert quote.find("a")["href"] == reverse(
        "discussions:reply_link", args=[discussion.pk, first.pk]
    )
    assert "Every month." in quote.get_text()
    services.discussion_close(discussion=discussion, actor=place.convener, closed=True)
    response = client.get(discussion.get_absolute_url())
    assert "This discussion is closed: it takes no new replies." in text(response)
    assert (
        soup(response).find("form", action=reverse("discussions:reply", args=[discussion.pk]))
        is None
    )
    response = client.post(
        reverse("discussions:reply", args=[discussion.pk]), {"body": "Late"}, follow=True
    )
    assert "closed" in text(response)
    assert not Reply.objects.filter(body="Late").exists()


def test_helpful_and_the_answer(client, place):
    discussion = start(place)
    first = services.reply_add(discussion=discussion, author=place.member, body="First")
    second = services.reply_add(discussion=discussion, author=place.convener, body="Second")
    client.force_login(place.member)
    # A member who did not ask cannot choose the answer.
    client.post(reverse("discussions:answer", args=[discussion.pk, second.pk]))
    assert Discussion.objects.get(pk=discussion.pk).answer is None
    client.post(reverse("discussions:helpful", args=[discussion.pk, second.pk]))
    client.force_login(place.author)
    client.post(reverse("discussions:helpful", args=[discussion.pk, second.pk]))
    client.post(reverse("discussions:answer", args=[discussion.pk, second.pk]))
    page = soup(client.get(discussion.get_absolute_url()))
    articles = page.select("article")
    assert articles[0]["id"] == f"reply-{second.pk}"  # the answer first
    assert "The answer" in articles[0].get_text()
    assert "Found helpful by 2 people" in " ".join(articles[0].get_text().split())
    assert articles[1]["id"] == f"reply-{first.pk}"
    assert "Answered" in page.get_text()


def test_follow_and_mute(client, place):
    discussion = start(place)
    client.force_login(place.member)
    url = reverse("discussions:follow", args=[discussion.pk])
    assert "You follow" in text(client.post(url, {"state": "follow"}, follow=True))
    assert "muted" in text(client.post(url, {"state": "mute"}, follow=True))
    assert "no longer follow" in text(client.post(url, {"state": "unfollow"}, follow=True))


def test_edits_show_edited_and_the_history_to_conveners(client, place):
    discussion = start(place)
    client.force_login(place.author)
    url = reverse("discussions:edit", args=[discussion.pk])
    response = client.post(url, {"title": "New title", "body": "New text"})
    assert response.status_code == 302
    history = reverse("discussions:history", args=[discussion.pk])
    client.force_login(place.member)
    page = client.get(discussion.get_absolute_url())
    assert "edited" in text(page)
    assert soup(page).find("a", href=history) is None
    assert client.get(history).status_code == 404
    assert client.get(url).status_code == 404  # not theirs to change
    client.force_login(place.convener)
    assert soup(client.get(discussion.get_absolute_url())).find("a", href=history)
    assert "How do you review it?" in text(client.get(history))


def test_a_safe_space_hides_names_from_members_and_audits_who_saw_them(client, place):
    discussion = start(
        place, is_safe_space=True, author_hidden=True, kind=Discussion.Kind.NEAR_MISS
    )
    services.reply_add(
        discussion=discussion, author=place.member, body="Thanks", author_hidden=True
    )
    services.reply_add(discussion=discussion, author=place.convener, body="Noted")
    reader = MembershipFactory(community=place.community).user
    client.force_login(reader)
    page = text(client.get(discussion.get_absolute_url()))
    assert "Ada Example" not in page and "Ben Sample" not in page
    assert "A member" in page and "Cleo Lead" in page
    assert "Ground rules of this safe space" in page
    assert not AuditEntry.objects.filter(action="discussion.anonymous_author_viewed").exists()
    listing = text(client.get(reverse("discussions:list", args=[place.community.slug])))
    assert "Ada Example" not in listing
    client.force_login(place.author)  # told that it is theirs, and that members do not see it
    assert "A member (you: your name is not shown to members)" in text(
        client.get(discussion.get_absolute_url())
    )
    for viewer in (place.convener, place.staff):
        client.force_login(viewer)
        url = reverse("discussions:list", args=[place.community.slug])
        assert "Ada Example" not in text(client.get(url))  # only on the discussion's page
        page = text(client.get(discussion.get_absolute_url()))
        assert "Ada Example" in page and "Ben Sample" in page
        assert "shown to conveners only" in page
        client.get(discussion.get_absolute_url())
    entries = AuditEntry.objects.filter(action="discussion.anonymous_author_viewed")
    assert sorted(e.actor_id for e in entries) == sorted([place.convener.pk, place.staff.pk])


def test_ground_rules_are_the_conveners_to_change(client, place):
    url = reverse("discussions:ground_rules", args=[place.community.slug])
    client.force_login(place.member)
    assert client.get(url).status_code == 404
    client.force_login(place.convener)
    response = client.post(url, {"text": ""})
    assert field_error(soup(response), "id_text") == "Write the ground rules"
    client.post(url, {"text": "Be **kind**."})
    discussion = start(place, is_safe_space=True)
    client.force_login(place.member)
    assert "<strong>kind</strong>" in client.get(discussion.get_absolute_url()).content.decode()


def test_report_hide_with_reason_and_show_again(client, place, mailoutbox):
    from accounts.models import EmailDelivery
    from communities.models import Report

    discussion = start(place)
    reply = services.reply_add(discussion=discussion, author=place.member, body="Buy my pills")
    client.force_login(place.author)
    url = reverse("discussions:reply_report", args=[discussion.pk, reply.pk])
    client.post(url, {"reason": "Advertising."})
    assert Report.objects.get().kind == "reply"
    client.force_login(place.convener)
    assert "Advertising." in text(
        client.get(reverse("communities:moderation", args=[place.community.slug]))
    )
    hide = reverse("discussions:reply_hide", args=[discussion.pk, reply.pk])
    client.post(hide, {"reason": "No adverts here."})
    notice = EmailDelivery.objects.get(recipient=place.member, purpose__startswith="reply-hidden")
    assert "No adverts here." in notice.body_text
    client.force_login(place.author)
    page = text(client.get(discussion.get_absolute_url()))
    assert "This reply was hidden by a convener." in page
    assert "Buy my pills" not in page
    client.force_login(place.member)  # its author reads why
    assert "No adverts here." in text(client.get(discussion.get_absolute_url()))
    client.force_login(place.convener)
    client.post(reverse("discussions:reply_unhide", args=[discussion.pk, reply.pk]))
    client.force_login(place.author)
    assert "Buy my pills" in text(client.get(discussion.get_absolute_url()))


def test_moderation_e_mails_keep_a_safe_space_title_in(client, place):
    from accounts.models import EmailDelivery

    discussion = start(place, is_safe_space=True, title="Insulin pens swapped at handover")
    reply = services.reply_add(discussion=discussion, author=place.member, body="Same here.")
    client.force_login(place.author)
    client.post(
        reverse("discussions:reply_report", args=[discussion.pk, reply.pk]), {"reason": "Names."}
    )
    client.force_login(place.convener)
    client.post(
        reverse("discussions:reply_hide", args=[discussion.pk, reply.pk]), {"reason": "A name."}
    )
    sent = EmailDelivery.objects.filter(purpose__regex=r"^(report|reply-hidden)")
    assert {d.purpose.split(":")[0].split("-")[0] for d in sent} == {"report", "reply"}
    for delivery in sent:
        assert "Insulin pens" not in delivery.subject + delivery.body_text + delivery.body_html
        assert "safe-space discussion" in delivery.body_text


def test_a_hidden_discussion_is_gone_for_members(client, place):
    discussion = start(place)
    client.force_login(place.convener)
    client.post(reverse("discussions:hide", args=[discussion.pk]), {"reason": "Off topic."})
    client.force_login(place.member)
    assert client.get(discussion.get_absolute_url()).status_code == 404
    assert "Covert" not in text(
        client.get(reverse("discussions:list", args=[place.community.slug]))
    )
    client.force_login(place.author)
    assert "Off topic." in text(client.get(discussion.get_absolute_url()))


def test_moving_asks_first(client, place):
    discussion = start(place)
    to = CommunityFactory(name="Polypharmacy group")
    MembershipFactory(community=to, user=place.convener, role=Membership.Role.CONVENER)
    client.force_login(place.convener)
    url = reverse("discussions:move", args=[discussion.pk])
    page = soup(client.get(url))
    assert "Polypharmacy group" in page.get_text()
    assert Discussion.objects.get(pk=discussion.pk).community == place.community
    client.post(url, {"community": to.pk})
    assert Discussion.objects.get(pk=discussion.pk).community == to
    client.force_login(place.member)  # not a member there
    assert client.get(discussion.get_absolute_url()).status_code == 404


def test_an_archived_community_is_read_only(client, place):
    discussion = start(place)
    Community.objects.filter(pk=place.community.pk).update(status=Community.Status.ARCHIVED)
    client.force_login(place.member)
    page = client.get(discussion.get_absolute_url())
    assert page.status_code == 200
    assert (
        soup(page).find("form", action=reverse("discussions:reply", args=[discussion.pk])) is None
    )
    create = client.get(reverse("discussions:create", args=[place.community.slug]))
    assert "archived" in text(create)
    client.post(reverse("discussions:reply", args=[discussion.pk]), {"body": "Late"})
    assert not Reply.objects.exists()


def test_suggestions_name_only_members_of_this_community(client, place):
    private = place_of("private")
    MembershipFactory(community=private.community, user__name="Bella Secret")
    client.force_login(place.author)
    url = reverse("discussions:people", args=[place.community.slug])
    assert client.get(url + "?q=Be").json() == {
        "people": [{"id": place.member.pk, "name": "Ben Sample"}]
    }
    assert (
        client.get(
            reverse("discussions:people", args=[private.community.slug]) + "?q=Be"
        ).status_code
        == 404
    )


def test_a_mention_reads_as_the_name(client, place):
    discussion = start(place, body=f"Over to @[Ben Sample]({place.member.pk})")
    client.force_login(place.convener)
    mention = soup(client.get(discussion.get_absolute_url())).select_one(".app-mention")
    assert mention.get_text() == "@Ben Sample"


def test_a_document_for_comments_downloads_for_members(client, place):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import MINIMAL_PDF

    discussion = start(
        place,
        kind=Discussion.Kind.COMMENTS,
        attachment=SimpleUploadedFile("protocol.pdf", MINIMAL_PDF),
    )
    client.force_login(place.member)
    response = client.get(reverse("discussions:attachment", args=[discussion.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="protocol.pdf"')
    client.force_login(place.outsider)
    assert client.get(reverse("discussions:attachment", args=[discussion.pk])).status_code == 404


@pytest.mark.parametrize("size", [5, 30])
def test_the_list_takes_the_same_queries_at_any_size(client, place, size, get_within):
    DiscussionFactory.create_batch(size, community=place.community, author=place.author)
    client.force_login(place.member)
    url = reverse("discussions:list", args=[place.community.slug])
    get_within(url, 6)


@pytest.mark.parametrize("size", [5, 60])  # 60: onto a second page of replies
def test_a_discussion_takes_the_same_queries_at_any_size(client, place, size, get_within):
    discussion = start(place, is_safe_space=True, author_hidden=True)
    replies = ReplyFactory.create_batch(
        size, discussion=discussion, author=place.member, body=f"Hi @[Ada]({place.author.pk})"
    )
    for reply in replies[1:]:
        reply.quote = replies[0]
        reply.save()
    for reply in replies[::4]:  # every fourth with a file
        ReplyAttachment.objects.create(
            reply=reply, file="replies/x.pdf", original_name="x.pdf", content_type="", size=1
        )
    client.force_login(place.convener)
    # One counts the replies, for the pages; one loads the page's files.
    response = get_within(discussion.get_absolute_url(), 14)
    assert response.content.decode().count(">x.pdf</a>") == len(replies[:50:4])


def test_the_history_of_a_hidden_name_is_audited_too(client, place):
    discussion = start(place, is_safe_space=True, author_hidden=True)
    services.discussion_edit(discussion=discussion, editor=place.author, title="T", body="B")
    client.force_login(place.convener)
    assert "Ada Example" in text(client.get(reverse("discussions:history", args=[discussion.pk])))
    assert AuditEntry.objects.filter(
        action="discussion.anonymous_author_viewed", actor=place.convener
    ).exists()


def test_long_threads_come_in_pages_and_links_land_on_the_reply(client, place, monkeypatch):
    monkeypatch.setattr(selectors, "REPLIES_PER_PAGE", 3)
    discussion = start(place)
    replies = [
        services.reply_add(discussion=discussion, author=place.member, body=f"Reply {i}.")
        for i in range(7)
    ]
    services.answer_mark(discussion=discussion, reply=replies[5], actor=place.author)
    client.force_login(place.author)
    first = soup(client.get(discussion.get_absolute_url()))
    assert [a["id"] for a in first.select("article")] == [
        f"reply-{r.pk}" for r in (replies[5], replies[0], replies[1])
    ]
    assert first.select_one(".nhsuk-pagination__link--next")["href"] == "?page=2"
    last = soup(client.get(discussion.get_absolute_url() + "?page=3"))
    assert [a["id"] for a in last.select("article")] == [f"reply-{replies[6].pk}"]
    assert last.select_one("article")["aria-label"] == "Reply 7"
    for reply, number in [(replies[5], 1), (replies[0], 1), (replies[2], 2), (replies[6], 3)]:
        response = client.get(reply.get_absolute_url())
        assert response.status_code == 302
        assert (
            response["Location"] == f"/discussions/{discussion.pk}/?page={number}#reply-{reply.pk}"
        )
    response = client.post(
        reverse("discussions:reply", args=[discussion.pk]), {"body": "The eighth."}, follow=True
    )
    newest = Reply.objects.get(body="The eighth.")
    url, status = response.redirect_chain[-1]
    assert url == f"/discussions/{discussion.pk}/?page=3#reply-{newest.pk}"
    assert soup(response).find(id=f"reply-{newest.pk}") is not None


def test_a_link_to_a_reply_is_not_found_by_those_who_may_not_see_it(client, place):
    discussion = start(place)
    reply = services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    other = start(place, title="Another")
    client.force_login(place.outsider)
    assert client.get(reply.get_absolute_url()).status_code == 404
    client.force_login(place.member)
    wrong = reverse("discussions:reply_link", args=[other.pk, reply.pk])
    assert client.get(wrong).status_code == 404
    Discussion.objects.filter(pk=discussion.pk).update(is_hidden=True)
    assert client.get(reply.get_absolute_url()).status_code == 404
