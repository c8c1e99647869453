"""The rules of discussions, through the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from communities.models import Community, Membership
from core.models import AuditEntry
from discussions import selectors, services
from discussions.models import Discussion, Follow, Helpful, Mention, Revision
from discussions.services import DiscussionError
from tests.discussions.conftest import place_of, start
from tests.factories import MINIMAL_PDF, CommunityFactory, MembershipFactory, community_split_off

pytestmark = pytest.mark.django_db


def test_a_member_starts_a_discussion_and_follows_it(place):
    discussion = start(place)
    assert discussion.author == place.author
    assert Follow.objects.filter(discussion=discussion, user=place.author, muted=False).exists()
    assert AuditEntry.objects.filter(action="discussion.start").exists()


def test_only_members_start_discussions(place):
    with pytest.raises(DiscussionError):
        start(place, author=place.outsider)


def test_title_and_text_are_needed(place):
    with pytest.raises(DiscussionError) as caught:
        start(place, title="  ")
    assert "title" in caught.value.error_dict


def test_an_archived_community_takes_nothing_new(place):
    discussion = start(place)
    Community.objects.filter(pk=place.community.pk).update(status=Community.Status.ARCHIVED)
    place.community.refresh_from_db()
    discussion.community = place.community
    with pytest.raises(Exception, match="archived"):
        start(place)
    with pytest.raises(Exception, match="archived"):
        services.reply_add(discussion=discussion, author=place.member, body="Hello")


def test_a_name_is_hidden_only_in_a_safe_space(place):
    plain = start(place, author_hidden=True)
    assert not plain.author_hidden
    safe = start(place, is_safe_space=True, author_hidden=True, kind=Discussion.Kind.NEAR_MISS)
    assert safe.author_hidden


def test_a_document_is_checked_and_stored(place):
    discussion = start(
        place,
        kind=Discussion.Kind.COMMENTS,
        attachment=SimpleUploadedFile("draft protocol.pdf", MINIMAL_PDF),
    )
    assert discussion.attachment.name.startswith("discussions/")
    assert discussion.attachment_name == "draft_protocol.pdf"
    with pytest.raises(Exception, match="empty"):
        start(place, attachment=SimpleUploadedFile("empty.pdf", b""))


def test_a_reply_counts_follows_and_moves_the_activity(place):
    discussion = start(place)
    before = discussion.last_activity_at
    reply = services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    discussion.refresh_from_db()
    assert discussion.reply_count == 1
    assert discussion.last_activity_at > before
    assert Follow.objects.filter(discussion=discussion, user=place.member).exists()
    assert reply.quote is None


def test_replying_keeps_a_mute(place):
    discussion = start(place)
    services.follow_set(discussion=discussion, user=place.member, state="mute")
    services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    assert Follow.objects.get(discussion=discussion, user=place.member).muted


def test_a_closed_discussion_takes_no_reply(place):
    discussion = start(place)
    services.discussion_close(discussion=discussion, actor=place.convener, closed=True)
    with pytest.raises(DiscussionError, match="closed"):
        services.reply_add(discussion=discussion, author=place.member, body="Late")
    services.discussion_close(discussion=discussion, actor=place.convener, closed=False)
    services.reply_add(discussion=discussion, author=place.member, body="In time")


def test_only_conveners_pin_and_close(place):
    discussion = start(place)
    for actor in (place.author, place.member):
        with pytest.raises(DiscussionError):
            services.discussion_pin(discussion=discussion, actor=actor, pinned=True)
        with pytest.raises(DiscussionError):
            services.discussion_close(discussion=discussion, actor=actor, closed=True)
    services.discussion_pin(discussion=discussion, actor=place.convener, pinned=True)
    services.discussion_pin(discussion=discussion, actor=place.staff, pinned=False)
    assert AuditEntry.objects.filter(action__in=["discussion.pin", "discussion.unpin"]).count() == 2


def test_a_quote_is_of_a_shown_reply_of_the_same_discussion(place):
    discussion = start(place)
    other = start(place, title="Another")
    first = services.reply_add(discussion=discussion, author=place.member, body="First")
    elsewhere = services.reply_add(discussion=other, author=place.member, body="There")
    quoting = services.reply_add(
        discussion=discussion, author=place.author, body="Agreed", quote=first
    )
    assert quoting.quote == first
    with pytest.raises(DiscussionError):
        services.reply_add(discussion=discussion, author=place.author, body="x", quote=elsewhere)


def test_helpful_once_per_person_with_a_count(place):
    discussion = start(place)
    reply = services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    assert services.helpful_toggle(reply=reply, user=place.author) is True
    assert services.helpful_toggle(reply=reply, user=place.convener) is True
    reply.refresh_from_db()
    assert reply.helpful_count == 2
    assert services.helpful_toggle(reply=reply, user=place.author) is False
    reply.refresh_from_db()
    assert reply.helpful_count == 1
    assert Helpful.objects.filter(reply=reply).count() == 1
    with pytest.raises(DiscussionError):
        services.helpful_toggle(reply=reply, user=place.member)  # one's own
    with pytest.raises(DiscussionError):
        services.helpful_toggle(reply=reply, user=place.outsider)


def test_the_asker_or_a_convener_marks_the_answer(place):
    discussion = start(place)
    reply = services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    with pytest.raises(DiscussionError):
        services.answer_mark(discussion=discussion, reply=reply, actor=place.member)
    services.answer_mark(discussion=discussion, reply=reply, actor=place.author)
    assert Discussion.objects.get(pk=discussion.pk).answer == reply
    services.answer_mark(discussion=discussion, reply=None, actor=place.convener)
    assert Discussion.objects.get(pk=discussion.pk).answer is None
    idea = start(place, kind=Discussion.Kind.IDEA)
    idea_reply = services.reply_add(discussion=idea, author=place.member, body="Yes")
    with pytest.raises(DiscussionError):  # only a question has an answer
        services.answer_mark(discussion=idea, reply=idea_reply, actor=place.author)


def test_every_edit_keeps_the_previous_text(place):
    discussion = start(place)
    services.discussion_edit(
        discussion=discussion, editor=place.author, title="New title", body="New text"
    )
    reply = services.reply_add(discussion=discussion, author=place.member, body="One")
    services.reply_edit(reply=reply, editor=place.member, body="Two")
    services.reply_edit(reply=reply, editor=place.convener, body="Three")
    first = Revision.objects.get(discussion=discussion)
    assert (first.title, first.body) == ("Covert medication in care homes", "How do you review it?")
    assert [r.body for r in selectors.revisions(reply=reply)] == ["Two", "One"]
    assert discussion.edited_at is not None
    with pytest.raises(DiscussionError):
        services.reply_edit(reply=reply, editor=place.author, body="Not mine")


def test_mentions_resolve_only_for_people_who_may_see_it(place):
    body = (
        f"Ask @[Ben Sample]({place.member.pk}) and @[Dan]({place.outsider.pk}) "
        f"and myself @[Ada]({place.author.pk})"
    )
    discussion = start(place, body=body)
    assert list(Mention.objects.values_list("user", flat=True)) == [place.member.pk]
    html = selectors.thread(discussion=discussion, user=place.member)["body_html"]
    assert "@Ben Sample" in html and "@Dan" in html
    assert 'app-mention">@Dan' not in html  # the outsider's stays the typed text
    # An edit that mentions the same person again records nothing new.
    services.discussion_edit(
        discussion=discussion, editor=place.author, title="T", body=body + " again"
    )
    assert Mention.objects.count() == 1


def test_a_mention_shows_the_current_name(place):
    discussion = start(place, body=f"Ask @[Old name]({place.member.pk})")
    place.member.name = "Ben Renamed"
    place.member.save()
    html = selectors.thread(discussion=discussion, user=place.author)["body_html"]
    assert "@Ben Renamed" in str(html)


def test_moving_drops_followers_who_cannot_see_the_new_community(place):
    discussion = start(place)
    services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    to = CommunityFactory(name="Polypharmacy")
    MembershipFactory(community=to, user=place.convener, role=Membership.Role.CONVENER)
    MembershipFactory(community=to, user=place.member)
    elsewhere = CommunityFactory()
    with pytest.raises(DiscussionError):  # not convened by them
        services.discussion_move(discussion=discussion, actor=place.convener, to=elsewhere)
    services.discussion_move(discussion=discussion, actor=place.convener, to=to)
    discussion.refresh_from_db()
    assert discussion.community == to
    followers = set(Follow.objects.filter(discussion=discussion).values_list("user", flat=True))
    assert followers == {place.member.pk}
    assert AuditEntry.objects.filter(action="discussion.move").count() == 2


def test_ground_rules_have_a_default_and_conveners_change_them(place):
    assert "safe space" in selectors.ground_rules_text(place.community)
    with pytest.raises(DiscussionError):
        services.ground_rules_save(community=place.community, actor=place.member, text="Mine")
    services.ground_rules_save(community=place.community, actor=place.convener, text="Be kind.")
    assert selectors.ground_rules_text(place.community) == "Be kind."


def test_feeds_never_carry_a_safe_space_discussion(place):
    shown = start(place)
    start(place, is_safe_space=True, title="A near miss")
    hidden = start(place, title="Hidden")
    hidden.is_hidden = True
    hidden.save()
    other = place_of("public")
    assert list(selectors.discussions_for_feeds(place.member)) == [shown]
    assert list(selectors.discussions_for_feeds(other.member)) == []
    assert set(selectors.discussions_for_feeds(place.staff)) == {shown}


def test_the_batch_selectors_carry_what_the_one_person_rule_allows(place):
    """feed_discussions and feed_replies serve the home pages and digests of many people at
    once, given each person's active communities: for every member and outsider they carry
    exactly what discussions_for_feeds allows that person, replies included."""
    from datetime import timedelta

    from django.utils import timezone

    shown = start(place)
    safe = start(place, is_safe_space=True, title="A near miss")
    hidden = start(place, title="Hidden")
    for discussion in (shown, safe, hidden):
        services.reply_add(discussion=discussion, author=place.member, body="Seen it too.")
    hidden.is_hidden = True
    hidden.save()
    other = place_of("public")
    start(other)
    long_ago = timezone.now() - timedelta(days=365)
    for person in (place.member, place.author, place.convener, place.outsider, other.member):
        communities = list(
            Membership.objects.filter(user=person, status=Membership.Status.ACTIVE).values_list(
                "community_id", flat=True
            )
        )
        allowed = set(selectors.discussions_for_feeds(person))
        carried = selectors.feed_discussions(community_ids=communities, active_after=long_ago)
        assert set(carried) == allowed, person.name
        replied = selectors.feed_replies(community_ids=communities, active_after=long_ago)
        assert {reply.discussion for reply in replied} == allowed & {shown}, person.name


def test_revealing_hidden_names_is_audited_once_a_day(place):
    discussion = start(place, is_safe_space=True, author_hidden=True)
    services.anonymous_authors_viewed(discussion=discussion, viewer=place.convener)
    services.anonymous_authors_viewed(discussion=discussion, viewer=place.convener)
    services.anonymous_authors_viewed(discussion=discussion, viewer=place.staff)
    entries = AuditEntry.objects.filter(action="discussion.anonymous_author_viewed")
    assert sorted(e.actor_id for e in entries) == sorted([place.convener.pk, place.staff.pk])


def test_mention_suggestions_are_members_of_the_community_only(place):
    other = place_of("private")
    MembershipFactory(community=other.community, user=place.outsider)
    assert selectors.mention_suggestions(community=place.community, prefix="b") == [
        {"id": place.member.pk, "name": "Ben Sample"}
    ]
    assert selectors.mention_suggestions(community=place.community, prefix="Dan") == []
    # A word inside the name matches too.
    assert selectors.mention_suggestions(community=place.community, prefix="samp") == [
        {"id": place.member.pk, "name": "Ben Sample"}
    ]
    for n in range(12):
        MembershipFactory(community=place.community, user__name=f"Bea Many {n:02}")
    assert len(selectors.mention_suggestions(community=place.community, prefix="Be")) == 10


def test_a_merge_brings_the_discussions_along(place):
    from communities.services import community_merge

    discussion = start(place)
    into = CommunityFactory(name="Medicines safety network")
    MembershipFactory(community=into, user=place.convener, role=Membership.Role.CONVENER)
    community_merge(community=place.community, into=into, actor=place.convener)
    discussion.refresh_from_db()
    assert discussion.community == into
    # Its members moved with it, so they still read it and still follow it.
    assert Follow.objects.filter(discussion=discussion, user=place.author).exists()
    assert discussion in selectors.discussions_for_feeds(place.member)


def test_a_split_takes_only_the_chosen_discussions(place):
    going, staying = start(place, title="Falls audit"), start(place, title="Sleep leaflet")
    new = community_split_off(
        community=place.community, actor=place.convener, chosen={"discussions": [going.pk]}
    )
    going.refresh_from_db(), staying.refresh_from_db()
    assert (going.community, staying.community) == (new, place.community)
    # Its author is not (yet) a member of the new community: no longer following it.
    assert not Follow.objects.filter(discussion=going, user=place.author).exists()
    assert AuditEntry.objects.filter(action="discussion.split").exists()


def test_erasure_keeps_or_removes_posts_and_unnames_mentions(place):
    from accounts.personal_data import account_erase
    from discussions.models import Reply

    discussion = start(place, body=f"Ask @[Ben Sample]({place.member.pk})")
    reply = services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    services.helpful_toggle(reply=reply, user=place.author)
    account_erase(user=place.member, actor=place.member)
    discussion.refresh_from_db()
    assert "Ben Sample" not in discussion.body
    assert f"@[A former member]({place.member.pk})" in discussion.body
    assert Reply.objects.filter(pk=reply.pk).exists()  # kept, as a former member's
    account_erase(user=place.author, actor=place.author, remove_contributions=True)
    assert not Discussion.objects.filter(pk=discussion.pk).exists()
