"""Reads of private messages, each with its query shape decided here."""

from django.urls import reverse

from messages.models import Block, ContactPreference, ConversationReport, Message, Participant


def inbox_list(*, user):
    """This person's conversations: unread first, then the most recent."""
    return (
        Participant.objects.filter(user=user, last_message_at__isnull=False)
        .select_related("other")
        .order_by("-unread", "-last_message_at", "-pk")
    )


def participant_get(*, conversation, user):
    return (
        Participant.objects.filter(conversation=conversation, user=user)
        .select_related("other")
        .first()
    )


def participant_with(*, user, other):
    return Participant.objects.filter(user=user, other=other).first()


def message_list(*, conversation):
    """The thread, oldest first (the newest at the bottom, where one replies), each message
    with its files."""
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("sender")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def blocked_list(*, user):
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at")


def met_only(*, user):
    return ContactPreference.objects.filter(user=user, met_only=True).exists()


def report_list():
    """Open reports first, then the newest."""
    return ConversationReport.objects.select_related("reporter", "closed_by").order_by(
        "closed_at", "-created_at"
    )


def report_people(*, report):
    """The two people of a reported conversation."""
    return [p.user for p in report.conversation.participants.select_related("user")]


def person_action(viewer, person, community):
    """ "Send a message" beside a person in a community's pages (communities.extensions).
    No query (member lists load only a few of a person's fields): shown where both are in
    `community`; the page it opens checks the rest."""
    if community is None or not viewer.is_authenticated or viewer.pk == person.pk:
        return None
    return ("Send a message", reverse("member_messages:start", args=[person.pk]))
