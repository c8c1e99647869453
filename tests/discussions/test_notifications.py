"""Who is told of what in discussions, once each, and in words that keep a safe space."""

import pytest

from accounts.models import EmailDelivery, Notification
from discussions import services
from discussions.models import Discussion
from tests.discussions.conftest import place_of, start
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def told(kind=None, **filters):
    rows = Notification.objects.filter(**filters)
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient__name", flat=True))


def test_a_new_discussion_tells_the_other_members_and_the_mentioned_once(place):
    start(place, body=f"Ask @[Ben]({place.member.pk}) and @[Dan]({place.outsider.pk})")
    assert told("mention") == ["Ben Sample"]
    # The mentioned are not told twice; the author and the outsider not at all.
    assert told("new_discussion") == ["Cleo Lead"]


def test_a_reply_tells_the_author_and_followers_once_each(
    place, django_capture_on_commit_callbacks
):
    discussion = start(place)
    Notification.objects.all().delete()
    follower = MembershipFactory(community=place.community, user__name="Fay Follower").user
    muted = MembershipFactory(community=place.community, user__name="Gus Muted").user
    services.follow_set(discussion=discussion, user=follower, state="follow")
    services.follow_set(discussion=discussion, user=muted, state="mute")
    mentioned = MembershipFactory(community=place.community, user__name="Hal Named").user
    services.follow_set(discussion=discussion, user=mentioned, state="follow")
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply_add(
            discussion=discussion,
            author=place.member,
            body=f"Ask @[Hal]({mentioned.pk})",
        )
    assert told("reply_to_mine") == ["Ada Example"]
    assert told("followed_reply") == ["Fay Follower"]
    assert told("mention") == ["Hal Named"]
    # One notification per person for the reply; the replier and the muted hear nothing.
    assert not Notification.objects.filter(recipient__in=[place.member, muted]).exists()
    assert Notification.objects.get(recipient=follower).url == reply.get_absolute_url()
    mail = EmailDelivery.objects.get(recipient=follower)
    assert "Covert medication in care homes" in mail.body_text
    assert f"/discussions/{discussion.pk}/replies/{reply.pk}/" in mail.body_text


def test_a_follower_who_left_the_community_is_not_told(place):
    discussion = start(place)
    leaver = MembershipFactory(community=place.community).user
    services.follow_set(discussion=discussion, user=leaver, state="follow")
    leaver.memberships.update(status="left")
    services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    assert not Notification.objects.filter(recipient=leaver).exists()


def test_a_safe_space_says_nothing_of_what_was_written(place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        discussion = start(
            place,
            title="The insulin near miss",
            body=f"Thanks @[Ben]({place.member.pk})",
            kind=Discussion.Kind.NEAR_MISS,
            is_safe_space=True,
            author_hidden=True,
        )
        services.follow_set(discussion=discussion, user=place.convener, state="follow")
        services.reply_add(
            discussion=discussion,
            author=place.member,
            body="We had the same with a sliding scale.",
            author_hidden=True,
        )
    rows = Notification.objects.all()
    assert rows.exists()
    for row in rows:
        assert "insulin" not in row.text + row.group_title
        assert row.actor_id is None  # no name in the centre either
        assert row.group_title == f"A discussion in {place.community.name}"
    assert Notification.objects.get(recipient=place.convener, kind="followed_reply").text == (
        "A new reply in a discussion you follow"
    )
    for mail in EmailDelivery.objects.all():
        text = mail.subject + mail.body_text + mail.body_html
        assert "insulin" not in text and "sliding scale" not in text
        assert "Ada Example" not in text and "Ben Sample" not in text


def test_hiding_takes_back_the_notifications_that_name_it(place):
    from communities.moderation.services import content_hide

    discussion = start(place, body=f"Ask @[Ben]({place.member.pk})")
    kept = services.reply_add(discussion=discussion, author=place.member, body="Monthly.")
    hidden = services.reply_add(
        discussion=discussion, author=place.convener, body=f"@[Ben]({place.member.pk}) yes"
    )
    about_hidden = Notification.objects.filter(dedupe__endswith=f"reply-{hidden.pk}")
    assert about_hidden.exists() and Notification.objects.filter(dedupe=f"reply:{kept.pk}")
    content_hide(target=hidden, actor=place.convener, reason="Names a resident.")
    assert not about_hidden.exists()
    assert not Notification.objects.filter(dedupe=f"reply:{hidden.pk}").exists()
    assert Notification.objects.filter(dedupe=f"reply:{kept.pk}").exists()
    content_hide(target=discussion, actor=place.convener, reason="Off topic.")
    assert not Notification.objects.filter(group_key=f"discussion:{discussion.pk}").exists()


def test_notification_kinds_are_registered():
    from accounts.notifications.registry import KINDS

    assert KINDS["new_discussion"].default == "digest"
    assert {"mention", "reply_to_mine", "followed_reply"} <= KINDS.keys()


def test_nobody_outside_is_told(db):
    place = place_of("private")
    outsider = UserFactory()
    discussion = start(place, body=f"@[Out]({outsider.pk})")
    services.reply_add(discussion=discussion, author=place.member, body=f"@[Out]({outsider.pk})")
    assert not Notification.objects.filter(recipient=outsider).exists()
