"""The registry: for each model of the project (and django-taggit's topics), which text
fields carry a marker and who may read each. Every text field of the project's models is
registered, or in PUBLIC_TEXT or NOT_CONTENT with its reason."""

from django.apps import apps
from django.db import models

from tests.conftest import ROOT
from tests.content_canary.readers import INVITEE, SIGNED_IN, SPONSOR, Readers


# Each entry: model label → {field: who may read it, as readers(world readers, obj)}.
def _charter_version(r, v):
    newest = v.community.charter_versions.order_by("-number").values_list("number", flat=True)
    # The charter page shows the newest version; the history is for members.
    return r.community(v.community) if v.number == newest[0] else r.members(v.community)


def _comment(r, c):
    if c.is_hidden:  # its author, told why, and the moderators
        return r.leaders(c.resource.community) | r.role(c.author_id)
    return r.resource(c.resource)


def _story(r, s):
    if s.is_hidden:  # its author, told why, and the conveners
        return r.leaders(s.community) | r.role(s.author_id)
    return r.item(community=s.community, network=None, visibility=s.visibility)


def _discussion(r, d):
    if d.is_hidden:  # its author, told why, and the conveners
        return r.leaders(d.community) | r.role(d.author_id)
    return r.members(d.community)


def _reply(r, reply):
    readers = _discussion(r, reply.discussion)
    if reply.is_hidden:  # its author, told why, and the conveners
        return readers & (r.leaders(reply.discussion.community) | r.role(reply.author_id))
    return readers


def _revision(r, rev):
    discussion = rev.discussion or rev.reply.discussion
    return r.leaders(discussion.community)  # the edit history is for the conveners


def _report(r, report):
    # Who reported it and the conveners who answer it: never the author of what was reported.
    readers = r.role(report.reporter_id)
    return readers | (r.leaders(report.community) if report.community else frozenset({"staff"}))


def _message(r, m):
    # The two people of the conversation; staff only once one of them reported it.
    conversation = m.conversation
    readers = r.roles(conversation.participants.values_list("user_id", flat=True))
    readers |= r.role(m.sender_id)
    if conversation.reports.exists():
        readers |= {"staff"}
    return frozenset(readers)


def _action(r, a):
    minutes = getattr(a.meeting, "minutes", None)
    return r.minutes(minutes) if minutes else r.meeting_leaders(a.meeting)


def _journal(r, e):
    readers = r.role(e.application.applicant_id)
    if e.shared_with_managers:
        readers |= r.managers(e.application.programme.network)
    return readers


def _value_tag(r, t):
    # A value tag's evidence keeps the audience of what it is about: the story or the entry.
    return _story(r, t.story) if t.story_id else _journal(r, t.journal_entry)


def _own_membership(r, m):
    return r.leaders(m.community) | r.role(m.user_id)


def _tag(r, tag):
    """A topic is read wherever a community or resource tagged with it is."""
    readers = set()
    for item in tag.taggit_taggeditem_items.all():
        obj = item.content_object
        readers |= r.resource(obj) if obj._meta.model_name == "resource" else r.community(obj)
    return frozenset(readers)


def _survey_owners(r, survey):
    owners = r.role(survey.created_by_id) | {"staff"}
    return frozenset(owners | (r.managers(survey.network) if survey.network_owned else set()))


def _survey(r, survey):
    """Its title, introduction and questions: its owners, and the people asked to answer."""
    asked = r.roles(survey.respondents.values_list("user_id", flat=True))
    return _survey_owners(r, survey) | asked


def _fields(names, audience):
    return dict.fromkeys(names, audience)


REGISTRY = {
    "communities.Community": {
        "name": lambda r, c: r.community_name(c),
        "domain": lambda r, c: r.community(c) | r.invited(c),
        **_fields(["practice", "who_we_are", "archive_note"], lambda r, c: r.community(c)),
        "approved_email_domains": lambda r, c: r.leaders(c),
    },
    "communities.Membership": {
        **_fields(["request_note", "decision_message", "removed_reason"], _own_membership),
        **_fields(
            ["needs", "needs_topics", "offers", "offers_topics"],
            lambda r, m: r.members(m.community) | r.role(m.user_id),
        ),
    },
    "communities.Invitation": _fields(
        ["message", "email"], lambda r, i: r.leaders(i.community) | {INVITEE}
    ),
    "communities.PhaseChange": {"note": lambda r, p: r.community(p.community)},
    "communities.Report": {"reason": _report},
    "communities.CharterVersion": _fields(
        [
            "trying_to_do",
            "how_to_do_it",
            "who_needs_to",
            "how_we_know",
            "problem_statement",
            "priorities",
        ],
        _charter_version,
    ),
    "meetings.MeetingSeries": _fields(
        ["title", "description"],
        lambda r, s: frozenset().union(*(r.meeting(m) for m in s.meetings.all())),
    ),
    "meetings.Meeting": {
        **_fields(["title", "agenda", "venue", "cancel_reason"], lambda r, m: r.meeting(m)),
        # The link to join: those registered, and whoever runs the meeting.
        "joining_link": lambda r, m: r.registered(m) | r.meeting_leaders(m),
    },
    # A guest without an account: the meeting's conveners (and staff), and the person once
    # their verified address claimed the attendance.
    "meetings.MeetingGuest": _fields(
        ["name", "organisation", "email"],
        lambda r, g: r.meeting_leaders(g.meeting) | r.role(g.user_id),
    ),
    "meetings.Minutes": _fields(["notes", "decisions", "document_name"], Readers.minutes),
    # An action point keeps the audience of the minutes it was agreed in, wherever it is shown.
    "meetings.ActionItem": {"description": _action},
    "knowledge.Resource": _fields(
        ["title", "summary", "body", "external_url", "licence", "hidden_reason"],
        Readers.resource,
    ),
    "knowledge.ResourceVersion": _fields(
        ["original_name", "change_note"], lambda r, v: r.resource(v.resource)
    ),
    "knowledge.Adoption": {"note": lambda r, a: r.resource(a.resource)},
    "knowledge.Story": _fields(
        ["title", "what_happened", "new_knowledge", "how_applied", "difference_made"]
        + ["reframed_success", "hidden_reason"],
        _story,
    ),
    "knowledge.Comment": _fields(["body", "hidden_reason"], _comment),
    # Discussions are members' content, whatever the community's visibility.
    "discussions.Discussion": _fields(
        ["title", "body", "attachment_name", "hidden_reason"], _discussion
    ),
    "discussions.Reply": _fields(["body", "hidden_reason"], _reply),
    # A reply's file (its name, on the page and in the download's header): the reply's readers.
    "discussions.ReplyAttachment": {"original_name": lambda r, a: _reply(r, a.reply)},
    "discussions.Revision": _fields(["title", "body"], _revision),
    "discussions.GroundRules": {"text": lambda r, g: r.members(g.community)},
    "conveners.LeadershipProgramme": _fields(
        ["name", "description", "criteria"], lambda r, p: SIGNED_IN | {SPONSOR}
    ),
    "conveners.Application": _fields(
        ["proposed_domain", "motivation", "hopes", "sponsor_name", "sponsor_role"]
        + ["sponsor_email"],
        Readers.application,
    ),
    "conveners.Review": {"note": lambda r, v: r.managers(v.application.programme.network)},
    "conveners.JournalEntry": _fields(["title", "body"], _journal),
    # Private messages: never shown anywhere but the conversation (and the download).
    "member_messages.Message": {"body": _message},
    # A message's file: its name is read where the message is (staff see it in a report).
    "member_messages.MessageAttachment": {"original_name": lambda r, a: _message(r, a.message)},
    # A report of a conversation: who wrote it, and staff.
    "member_messages.ConversationReport": {
        "reason": lambda r, report: frozenset(r.role(report.reporter_id) | {"staff"})
    },
    "evaluation.ValueTag": _fields(["figure_unit", "url", "quote", "quote_by"], _value_tag),
    # A survey: its owners and its audience; the answers, its owners alone.
    "evaluation.Survey": _fields(["title", "intro"], _survey),
    "evaluation.Question": _fields(
        ["text", "help_text", "low_label", "high_label"], lambda r, q: _survey(r, q.survey)
    ),
    "evaluation.Answer": {"text": lambda r, a: _survey_owners(r, a.response.survey)},
    # A notification is its recipient's alone: the centre and the bell show only one's own.
    "accounts.Notification": _fields(
        ["text", "group_title", "url"], lambda r, n: frozenset(r.role(n.recipient_id))
    ),
    # Held text by e-mail waits for its writer alone (accounts/inbound).
    "accounts.HeldReply": {"text": lambda r, h: frozenset(r.role(h.user_id))},
    # Topics (django-taggit) of communities and resources: not a model of ours, but a private
    # community's topics are its content all the same.
    "taggit.Tag": {"name": _tag},
}

# Text that anyone may read: keys are "app.Model" (all its text) or "app.Model.field".
PUBLIC_TEXT = {
    "communities.Network": "a network's name and description are on its public page",
    "accounts.Organisation": "organisations are a shared list people choose from",
    "accounts.Profession": "professions are a shared list people choose from",
}

# Text that is not content: identifiers, secrets, copies checked where they are shown.
NOT_CONTENT = {
    "accounts.User": "people: who reads a profile is profile_visible_in_full's rule, "
    "not an audience of a community (tests/communities)",
    "accounts.EmailDelivery": "the outbox: each message is checked against its recipient "
    "(test_no_email_carries_a_marker_its_recipient_may_not_see)",
    "core.AuditEntry": "the audit log: read in Django's admin by staff only",
    "dashboard.DigestRun": "the digest job's bookkeeping: frequency and period keys",
    "dashboard.DigestBatch": "the digest job's bookkeeping: worker names and errors",
    "accounts.RetentionSweep": "the retention job's bookkeeping: rule keys and counts",
    "communities.Community.slug": "an address; the community's pages answer 404 to those "
    "who may not see it",
    "communities.Membership.member_name": "a copy of User.name, kept for sorting",
    "communities.Report.kind": "a key of the moderation registry (story, comment)",
    "communities.Invitation.token": "the invitation's key, sent only to the invited address",
    "meetings.CalendarFeed.token": "the feed's key, shown only to its owner",
    "knowledge.ResourceVersion.content_type": "a file's media type",
    "discussions.Discussion.attachment_type": "a file's media type",
    "discussions.ReplyAttachment.content_type": "a file's media type",
    "member_messages.MessageAttachment.content_type": "a file's media type",
    "conveners.LeadershipProgramme.slug": "an address",
    "accounts.Notification.kind": "a key of the notification registry",
    "accounts.Notification.dedupe": "the event's key (kind and ids), shown to nobody",
    "accounts.Notification.group_key": "the key rows are grouped by (kind and ids)",
    "accounts.NotificationSetting.kind": "a key of the notification registry",
    "accounts.HeldReply.handler": "a key of the inbound reply handlers",
    "evaluation.Question.key": "the key matching a baseline's question to its follow-up's",
}


def is_text(f):
    """A stored field that can hold free text: choices hold one of fixed values."""
    return f.concrete and isinstance(f, models.CharField | models.TextField) and not f.choices


def project_models():
    """Every concrete model of the project's own apps (not Django's nor third parties')."""
    for config in apps.get_app_configs():
        if not config.path.startswith(str(ROOT)) or "/.venv/" in config.path:
            continue
        for model in config.get_models():
            if not model._meta.proxy:
                yield model


def classified(label, name, registry=REGISTRY):
    return name in registry.get(label, {}) or any(
        key in (label, f"{label}.{name}") for key in (*PUBLIC_TEXT, *NOT_CONTENT)
    )


def unclassified_text_fields(registry=REGISTRY):
    """["app.Model.field", ...] for every text field nobody said anything about."""
    return sorted(
        f"{model._meta.label}.{f.name}"
        for model in project_models()
        for f in model._meta.get_fields()
        if is_text(f) and not classified(model._meta.label, f.name, registry)
    )


def stale_registrations():
    """Registered fields that no longer exist, or are no longer text."""
    stale = []
    for label, fields in REGISTRY.items():
        model = apps.get_model(label)
        for name in fields:
            try:
                f = model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - FieldDoesNotExist
                stale.append(f"{label}.{name}")
                continue
            if not is_text(f):
                stale.append(f"{label}.{name}")
    return stale
