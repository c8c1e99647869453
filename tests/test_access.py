"""Access, proven for every URL.

One declared table gives every named URL of the project a rule; `expected(rule, role,
visibility)` says what each rule answers to each kind of person (tests/conftest.py ROLES)
when the community the URL points into is public, listed or private. The generated test
requests every URL as every role against a world of each visibility and compares. A URL that
nobody classified fails `test_every_named_url_is_classified`.

Hidden means 404, never 403: a private community and everything in it answer exactly like a
missing page to those who may not know it exists, and so does anything the person may know
exists but not open (members' content, conveners' pages), so that the answer never tells
them more than a missing page would.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.outbox.preferences import unsubscribe_token
from communities.models import Community, Invitation, Membership, Network
from communities.moderation.services import content_hide, content_report
from communities.services import charter_save
from conveners import services as convener_services
from conveners.models import LeadershipProgramme
from knowledge import services as knowledge_services
from knowledge.models import Resource
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingGuest
from tests.conftest import ROLES
from tests.conveners.conftest import application_data
from tests.factories import (
    MINIMAL_PDF,
    CommentFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    ResourceFactory,
    StoryFactory,
    UserFactory,
)

VISIBILITIES = ["public", "listed", "private"]

# Sign-up, sign-in, e-mail, password, MFA and single sign-on pages come from allauth,
# configured in settings; their journeys are tested in tests/browser and tests/accounts.
ALLAUTH_PREFIXES = ("account_", "mfa_", "socialaccount_", "openid_connect_")
# Django's admin: staff only, by its own permission checks (test_admin_is_for_staff_only).
EXCLUDED_NAMESPACES = ("admin",)
# URLs that exist only with a setting on: classified, but absent from the URLconf otherwise.
OPTIONAL = {"bench-floor": "BENCHMARK_FLOOR"}


# What each URL requires (the rules are defined in `expected` below). The community, meeting,
# resource, programme... a URL points at are those of `place_in`.
TABLE = {
    # --- pages of the platform
    "home": "public",
    "healthz": "public",
    "accessibility": "public",
    "privacy": "public",
    "bench-floor": "public",
    # --- accounts
    "accounts:overview": "signed_in",
    "accounts:profile": "signed_in",
    "accounts:preferences": "signed_in",
    "accounts:personal_data": "signed_in",
    "accounts:delete": "signed_in",
    "accounts:sign_in_remove": "signed_in",
    "accounts:sso_existing_account": "public",
    "accounts:unsubscribe": "token",
    "accounts:notifications": "signed_in",
    "accounts:notification_open": "recipient_redirect",
    "accounts:notifications_read": "post_only",
    "accounts:notifications_read_all": "post_only",
    "accounts:inbound_webhook": "webhook",
    "accounts:held_reply": "writer",
    "accounts:held_reply_discard": "writer",
    "usersessions_list": "signed_in",
    # --- communities
    "communities:list": "public",
    "communities:network": "public",
    "communities:create": "signed_in",
    "communities:person": "signed_in",
    "communities:invitation": "token",
    "communities:detail": "see",
    "communities:charter": "see",
    "communities:join": "join",
    "communities:leave": "member_only",
    "communities:members": "member",
    "communities:member": "member",
    "communities:needs_offers": "member",
    "communities:needs_offers_mine": "member_only",
    "communities:charter_version": "member",
    "communities:edit": "manage",
    "communities:requests": "manage",
    "communities:request": "manage",
    "communities:invite": "manage",
    "communities:member_manage": "manage",
    "communities:phase": "manage",
    "communities:transform": "manage",
    "communities:transform_archive": "manage",
    "communities:transform_merge": "manage",
    "communities:transform_split": "manage",
    "communities:activity": "manage",
    "communities:moderation": "manage",
    "communities:report_dismiss": "manage",
    "communities:charter_edit": "manage",
    # --- meetings (the meeting is for members only)
    "meetings:community_list": "see",
    "meetings:community_feed": "public_community",
    "meetings:schedule": "manage",
    "meetings:schedule_series": "manage",
    "meetings:record_past": "manage",
    "meetings:schedule_network_event": "network_manager",
    "meetings:detail": "member_404",
    "meetings:ics": "member_404",
    "meetings:edit": "manage",
    "meetings:cancel": "manage",
    "meetings:register": "post_only",
    "meetings:unregister": "member_redirect",
    "meetings:series_register": "post_only",
    "meetings:series_leave": "member_redirect",
    "meetings:attendance": "manage",
    "meetings:guest_new": "manage",
    "meetings:guest_remove": "manage",
    "meetings:minutes": "manage",
    "meetings:minutes_document": "member",
    "meetings:action_done": "post_only",
    "meetings:my_actions": "signed_in",
    "meetings:attended": "signed_in",
    "meetings:calendar": "signed_in",
    "meetings:personal_feed": "token",
    # --- knowledge (the resource and the story are public, in the community's library)
    "knowledge:library": "public",
    "knowledge:search": "public",
    "knowledge:stories": "public",
    "knowledge:resource_create": "signed_in",
    "knowledge:community_library": "see",
    "knowledge:resource": "see_content",
    "knowledge:download": "see_content",
    "knowledge:version_download": "see_content",
    "knowledge:story": "see_content",
    "knowledge:adopt": "take_part",
    "knowledge:useful": "take_part_redirect",
    "knowledge:comment_create": "take_part_redirect",
    "knowledge:resource_edit": "owner",
    "knowledge:resource_delete": "owner",
    "knowledge:version_create": "owner",
    "knowledge:resource_hide": "manage",
    "knowledge:comment_hide": "manage",
    "knowledge:resource_take_over": "manage",
    "knowledge:comment_report": "take_part",
    "knowledge:story_report": "take_part",
    "knowledge:story_hide": "manage",
    "knowledge:story_unhide": "manage",
    "knowledge:story_create": "member_only",
    # --- discussions (members' content: the member started the discussion and wrote the reply)
    "discussions:search": "signed_in",
    "discussions:list": "member",
    "discussions:create": "member_only",
    "discussions:people": "member",
    "discussions:ground_rules": "manage",
    "discussions:detail": "member",
    "discussions:edit": "owner",
    "discussions:history": "manage",
    "discussions:attachment": "member",
    "discussions:reply": "member_only",
    "discussions:follow": "post_only",
    "discussions:pin": "post_only",
    "discussions:close": "post_only",
    "discussions:move": "manage",
    "discussions:report": "member",
    "discussions:hide": "manage",
    "discussions:unhide": "manage",
    "discussions:reply_link": "member_redirect",  # to the page of the thread showing it
    "discussions:reply_edit": "owner",
    "discussions:reply_history": "manage",
    "discussions:helpful": "post_only",
    "discussions:answer": "post_only",
    "discussions:reply_report": "member",
    "discussions:reply_hide": "manage",
    "discussions:reply_unhide": "manage",
    "discussions:reply_attachment": "member",  # a file of the member's reply
    # --- conveners: the leadership programme of the network (the member has applied)
    "conveners:list": "signed_in",
    "conveners:create": "any_manager",
    "conveners:detail": "signed_in",
    "conveners:session_add": "network_manager",
    "conveners:apply": "signed_in",
    "conveners:withdraw": "applicant",
    "conveners:offer": "applicant_redirect",
    "conveners:applications": "network_manager",
    "conveners:review": "network_manager",
    "conveners:selection": "network_manager",
    "conveners:participants": "network_manager",
    "conveners:completion": "network_manager",
    "conveners:participant": "participant",
    "conveners:journal_new": "participant",
    "conveners:journal_entry": "participant",
    "conveners:shared_journal": "network_manager",
    "conveners:sponsor": "token",
    # --- private messages: the member's conversation with the convener (reported by the
    # member, so that staff have a report to read); starting and blocking point at a third
    # member of the community.
    "member_messages:inbox": "signed_in",
    "member_messages:settings": "signed_in",
    "member_messages:start": "member_only",
    "member_messages:conversation": "member_only",
    "member_messages:attachment": "member_only",  # a file of the member's first message
    "member_messages:mute": "post_only",
    "member_messages:report": "member_only",
    "member_messages:block": "member_only",
    "member_messages:unblock": "post_only",
    "member_messages:reports": "staff_only",
    "member_messages:report_detail": "staff_only",
    "member_messages:report_close": "post_only",
    # --- dashboard
    "dashboard:programme": "any_manager",
    "dashboard:export_communities": "any_manager",
    "dashboard:export_trends": "any_manager",
    "dashboard:export_spread": "any_manager",
    "dashboard:export_programmes": "any_manager",
    # --- evaluation: the network map (programme managers of the network, and staff)
    "evaluation:network_maps": "any_manager",
    "evaluation:network_map": "network_manager",
    "evaluation:network_map_graphml": "network_manager",
    "evaluation:network_map_csv": "network_manager",
    # --- evaluation: value tags (the story is public) and the evidence gap
    "evaluation:value_index": "signed_in",
    "evaluation:value_story_tag": "manage",
    "evaluation:value_tag_edit": "manage",
    "evaluation:value_tag_remove": "manage",
    "evaluation:value_entry": "shared_entry",
    "evaluation:value_entry_tag": "shared_entry",
    "evaluation:value_community": "manage",
    "evaluation:value_community_export": "manage",
    "evaluation:value_network": "network_manager",
    "evaluation:value_network_export": "network_manager",
    # --- evaluation: surveys (the manager's, to the community; one being built, one open)
    "evaluation:survey_list": "signed_in",
    "evaluation:survey_create": "survey_builder",
    "evaluation:survey_detail": "network_manager",
    "evaluation:survey_question_add": "network_manager",
    "evaluation:survey_question_delete": "network_manager",
    "evaluation:survey_open": "network_manager",
    "evaluation:survey_remind": "network_manager",
    "evaluation:survey_close": "network_manager",
    "evaluation:survey_answer": "member_only",
    "evaluation:survey_results": "network_manager",
    "evaluation:survey_written_answers": "network_manager",
    "evaluation:survey_export": "network_manager",
    # --- evaluation: the report for funders (the community's conveners, the network's
    # programme managers, staff: figures only of a private community to its managers)
    "evaluation:report_index": "report_reader",
    "evaluation:report_community": "report",
    "evaluation:report_community_pdf": "report",
    "evaluation:report_network": "network_manager",
    "evaluation:report_network_pdf": "network_manager",
}

MEMBERS = {"member", "convener"}
MEMBERS_AND_STAFF = MEMBERS | {"staff"}


def can_see_community(role, visibility):
    """Who may open the community's pages, and its public resources and stories (never more
    visible than its community's content). A programme manager sees a private community of
    their network only as figures on the dashboard, never its pages or content."""
    if visibility == "public":
        return True
    if role == "anonymous":
        return False
    if visibility == "listed":
        return True
    return role in MEMBERS_AND_STAFF


def expected(rule, role, visibility):
    """The status each rule answers. Anonymous people meet the sign-in redirect (302) on every
    page that needs an account, before anything is looked up, so nothing leaks."""
    if rule in ("public", "token"):  # a token is the key: who holds the link may open it
        return 200
    if rule in ("see", "see_content"):  # the community's own pages, its public content
        return 200 if can_see_community(role, visibility) else 404
    if rule == "public_community":  # the community's calendar feed: for public ones only
        return 200 if visibility == "public" else 404
    if rule == "member_404":  # open without signing in: nothing to sign in for, nothing to see
        return 200 if role in MEMBERS_AND_STAFF else 404
    if rule == "webhook":  # a provider's POST, signed; nothing to GET, for anyone
        return 405
    if role == "anonymous":
        return 302
    if rule == "signed_in":
        return 200
    if rule == "join":
        if not can_see_community(role, visibility):
            return 404
        return 302 if role in MEMBERS else 200  # members go back to the community's page
    if rule == "member":  # members' content
        return 200 if role in MEMBERS_AND_STAFF else 404
    if rule == "member_only":  # about one's own membership: staff are not members
        return 200 if role in MEMBERS else 404
    if rule == "member_redirect":  # not registered: back to the meeting; a reply: its page
        return 302 if role in MEMBERS_AND_STAFF else 404
    if rule == "manage":  # conveners of the community (and staff)
        return 200 if role in ("convener", "staff") else 404
    if rule == "owner":  # the resource's owner is the member
        return 200 if role in MEMBERS_AND_STAFF else 404
    if rule == "take_part":
        return 200 if can_see_community(role, visibility) else 404
    if rule == "take_part_redirect":
        return 302 if can_see_community(role, visibility) else 404
    if rule == "network_manager":  # programme managers of this network (and staff)
        return 200 if role in ("manager", "staff") else 404
    if rule == "any_manager":  # programme managers of any network (and staff)
        return 200 if role in ("manager", "other_manager", "staff") else 404
    if rule == "survey_builder":  # managers, and conveners, of any network
        return 200 if role in ("manager", "other_manager", "convener", "other_convener") else 404
    if rule == "report":  # a community's report: its conveners, its network's managers, staff
        return 200 if role in ("convener", "manager", "staff") else 404
    if rule == "report_reader":  # the list of reports: managers, conveners and staff
        readers = ("manager", "other_manager", "convener", "other_convener", "staff")
        return 200 if role in readers else 404
    if rule == "post_only":
        return 405
    if rule == "applicant":  # one's own application: the member's, the participant's
        return 200 if role in ("member", "participant") else 404
    if rule == "applicant_redirect":
        return 302 if role in ("member", "participant") else 404
    if rule == "recipient_redirect":  # opening one's own notification: the member's
        return 302 if role == "member" else 404
    if rule == "writer":  # one's own reply by e-mail, held: the member's
        return 200 if role == "member" else 404
    if rule == "staff_only":  # reported private conversations
        return 200 if role == "staff" else 404
    if rule == "shared_entry":  # a journal entry shared with the managers: its value tags
        return 200 if role in ("participant", "manager", "staff") else 404
    if rule == "participant":  # a participant's own journal: not even staff read it
        return 200 if role == "participant" else 404
    raise AssertionError(f"unknown rule {rule!r}")


# --- the world the URLs point into ---------------------------------------------------------------


@dataclass
class Place:
    """A community of one visibility in the world's network, with everything its URLs need."""

    visibility: str
    network: Network
    people: dict  # role → person, from the world fixture
    community: Community
    meeting: Meeting
    resource: Resource
    programme: LeadershipProgramme
    args: dict  # URL name → its arguments, where its app's default (below) does not fit

    def url(self, name):
        """The URL's path, with the arguments that point into this place."""
        if name in self.args:
            return reverse(name, args=self.args[name])
        if not named_urls()[name].pattern.converters:
            return reverse(name)
        defaults = {
            "communities": [self.community.slug],
            "meetings": [self.meeting.pk],
            "knowledge": [self.resource.pk],
            "conveners": [self.programme.slug],
        }
        namespace = name.partition(":")[0]
        if namespace not in defaults:
            raise AssertionError(f"{name} takes arguments: add them to the args of place_in")
        return reverse(name, args=defaults[namespace])


def _community_in(network, people, visibility):
    """A community that asks for approval, with a request waiting and an invitation out."""
    convener = people["convener"]
    community = CommunityFactory(
        network=network, visibility=visibility, join_policy=Community.JoinPolicy.APPROVAL
    )
    member = MembershipFactory(community=community, user=people["member"])
    MembershipFactory(community=community, user=convener, role=Membership.Role.CONVENER)
    requester = MembershipFactory(community=community, status=Membership.Status.REQUESTED)
    invitation = Invitation.objects.create(
        community=community, email="guest@example.org", invited_by=convener
    )
    charter_save(community=community, actor=convener, trying_to_do="Safer medicines.")
    return {
        "community": community,
        "member": member,
        "requester": requester,
        "invitation": invitation,
    }


def _meeting_in(community, people):
    """A members-only meeting with someone registered, published minutes with a document,
    and an action for the member."""
    convener = people["convener"]
    start = timezone.now() + timedelta(days=3)
    meeting = MeetingFactory(community=community, title="Members only", starts_at=start)
    attendee = MembershipFactory(community=community).user
    meeting_services.registration_create(meeting=meeting, user=attendee)
    minutes = meeting_services.minutes_save(
        meeting=meeting,
        actor=convener,
        notes="We met.",
        decisions="Write a leaflet",
        previous_minutes_agreed=False,
        document=SimpleUploadedFile("minutes.pdf", MINIMAL_PDF),
        actions=[{"description": "Write the leaflet", "owner": people["member"]}],
    )
    with time_machine.travel(start + timedelta(hours=1)):  # published once it has begun
        meeting_services.minutes_publish(minutes=minutes, actor=convener)
    return {
        "meeting": meeting,
        "action": meeting.action_items.get(),
        "feed": meeting_services.calendar_feed_get(user=people["member"]),
        "guest": MeetingGuest.objects.create(
            meeting=meeting, name="Walk-in guest", email="walk-in@example.org", recorded_by=convener
        ),
    }


def _library_in(community, people):
    """The member's public resource in two versions, with a comment, and a public story."""
    convener = people["convener"]
    resource = knowledge_services.resource_create(
        author=people["member"],
        community=community,
        title="Falls leaflet",
        summary="A leaflet about falls.",
        body="",
        kind=Resource.Kind.LEAFLET,
        external_url="",
        licence="",
        visibility=Resource.Visibility.PUBLIC,
        review_date=None,
        upload=SimpleUploadedFile("falls.pdf", MINIMAL_PDF),
    )
    knowledge_services.resource_version_add(
        resource=resource,
        actor=people["member"],
        upload=SimpleUploadedFile("falls.pdf", MINIMAL_PDF),
        change_note="New figures.",
    )
    comment = CommentFactory(resource=resource)
    # A resource whose owner closed their account: its conveners may take it over.
    orphan = ResourceFactory(community=community, owner=None, visibility=Resource.Visibility.PUBLIC)
    story = StoryFactory(community=community, visibility=Resource.Visibility.PUBLIC)
    # A public story a convener hid after a member's report (a second report still open), so
    # that the queue has one to show and the "show again" page one to show.
    hidden_story = StoryFactory(community=community, visibility=Resource.Visibility.PUBLIC)
    content_report(target=hidden_story, reporter=people["member"], reason="Names a patient.")
    content_hide(target=hidden_story, actor=convener, reason="It names a patient.")
    report = content_report(target=story, reporter=people["member"], reason="Not true.")
    return {
        "resource": resource,
        "comment": comment,
        "orphan": orphan,
        "story": story,
        "hidden_story": hidden_story,
        "report": report,
    }


def _discussions_in(community, people):
    """The member's request for comments on a document, edited once, with the member's
    reply (and its file) and a reply a convener hid after a report; a discussion a convener
    hid."""
    from discussions import services as discussion_services

    member, convener = people["member"], people["convener"]
    discussion = discussion_services.discussion_start(
        community=community,
        author=member,
        kind="comments",
        title="Draft protocol",
        body="Comments welcome.",
        attachment=SimpleUploadedFile("protocol.pdf", MINIMAL_PDF),
    )
    discussion_services.discussion_edit(
        discussion=discussion, editor=member, title="Draft protocol v2", body="Comments, please."
    )
    reply = discussion_services.reply_add(
        discussion=discussion,
        author=member,
        body="Page 2.",
        files=[SimpleUploadedFile("page-2.pdf", MINIMAL_PDF)],
    )
    hidden_reply = discussion_services.reply_add(
        discussion=discussion, author=convener, body="Off topic."
    )
    content_hide(target=hidden_reply, actor=convener, reason="Off topic.")
    hidden = discussion_services.discussion_start(
        community=community, author=member, kind="idea", title="Hidden", body="An advert."
    )
    content_hide(target=hidden, actor=convener, reason="Advertising.")
    return {
        "discussion": discussion,
        "reply": reply,
        "hidden_reply": hidden_reply,
        "hidden_discussion": hidden,
    }


def _programme_of(people):
    """The network's leadership programme (tests/conftest.py world): the member has applied,
    the participant keeps a private journal."""
    participation = people["participant"].applications.get()
    application = convener_services.application_submit(
        application=convener_services.application_save(
            programme=participation.programme, applicant=people["member"], **application_data()
        )
    )
    entry = convener_services.journal_add(
        application=participation, title="Private thoughts", body="Only mine"
    )
    return {
        "programme": participation.programme,
        "participation": participation,
        "application": application,
        "entry": entry,
    }


def _notification_of(person):
    from accounts.models import Notification

    return Notification.objects.create(
        recipient=person,
        kind="access",
        dedupe=f"access:{Notification.objects.count()}",
        group_key="access",
        group_title="Access",
        text="Something happened",
        url="/",
        channel="off",
    )


def _held_reply_of(person):
    from accounts.inbound.models import HeldReply

    return HeldReply.objects.create(
        user=person,
        handler="discussion",
        object_id=1,
        text="NHS number 943 476 5919",
        expires_at=timezone.now() + timedelta(days=1),
    )


def _args_of(network, people, made):
    """The arguments of every URL whose namespace default (Place.url) is not enough."""
    slug, programme = made["community"].slug, made["programme"].slug
    resource, story, meeting = made["resource"], made["story"], made["meeting"]
    return {
        "accounts:unsubscribe": [unsubscribe_token(user=people["member"], preference="digest")],
        "accounts:notification_open": [_notification_of(people["member"]).pk],
        "accounts:held_reply": [_held_reply_of(people["member"]).pk],
        "accounts:held_reply_discard": [_held_reply_of(people["member"]).pk],
        "communities:network": [network.slug],
        "communities:person": [people["member"].pk],
        "communities:invitation": [made["invitation"].token],
        "communities:request": [slug, made["requester"].pk],
        "communities:member": [slug, made["member"].pk],
        "communities:member_manage": [slug, made["member"].pk],
        "communities:charter_version": [slug, 1],
        "meetings:community_list": [slug],
        "meetings:community_feed": [slug],
        "meetings:schedule": [slug],
        "meetings:schedule_series": [slug],
        "meetings:record_past": [slug],
        "meetings:schedule_network_event": [network.slug],
        "evaluation:network_map": [network.slug],
        "evaluation:network_map_graphml": [network.slug],
        "evaluation:network_map_csv": [network.slug],
        "meetings:action_done": [made["action"].pk],
        "meetings:guest_remove": [meeting.pk, made["guest"].pk],
        "meetings:personal_feed": [made["feed"].token],
        "knowledge:community_library": [slug],
        "knowledge:story_create": [slug],
        "knowledge:story": [story.pk],
        "knowledge:version_download": [resource.pk, 1],
        "knowledge:comment_hide": [resource.pk, made["comment"].pk],
        "knowledge:resource_take_over": [made["orphan"].pk],
        "knowledge:comment_report": [resource.pk, made["comment"].pk],
        "knowledge:story_report": [story.pk],
        "knowledge:story_hide": [story.pk],
        "knowledge:story_unhide": [made["hidden_story"].pk],
        "communities:report_dismiss": [slug, made["report"].pk],
        **_discussion_args(made),
        **_message_args(made),
        **_survey_args(network, people, made),
        "conveners:sponsor": [convener_services.sponsor_token(made["application"])],
        "conveners:review": [programme, made["application"].pk],
        "conveners:completion": [programme, made["participation"].pk],
        "conveners:journal_entry": [programme, made["entry"].pk],
        **_value_args(network, people, made),
        **_report_args(network, made),
    }


def _report_args(network, made):
    slug = made["community"].slug
    return {
        "evaluation:report_community": [slug],
        "evaluation:report_community_pdf": [slug],
        "evaluation:report_network": [network.slug],
        "evaluation:report_network_pdf": [network.slug],
    }


def _value_args(network, people, made):
    """A value tag on the public story, and an entry the participant shared."""
    from evaluation.value.services import value_tag_save

    tag = value_tag_save(actor=people["convener"], story=made["story"], cycle="applied")
    shared = convener_services.journal_add(
        application=made["participation"], title="Shared thoughts", body="For the managers"
    )
    convener_services.journal_share(entry=shared, shared=True)
    return {
        "evaluation:value_story_tag": [made["story"].pk],
        "evaluation:value_tag_edit": [tag.pk],
        "evaluation:value_tag_remove": [tag.pk],
        "evaluation:value_entry": [shared.pk],
        "evaluation:value_entry_tag": [shared.pk],
        "evaluation:value_community": [made["community"].slug],
        "evaluation:value_community_export": [made["community"].slug],
        "evaluation:value_network": [network.slug],
        "evaluation:value_network_export": [network.slug],
    }


def _survey_args(network, people, made):
    from evaluation.surveys import services as survey_services

    def built(title):
        return survey_services.survey_create(
            actor=people["manager"],
            network=network,
            title=title,
            communities=[made["community"]],
            template="evaluation",
        )

    draft, survey = built("Being built"), built("Open")
    survey_services.survey_open(actor=people["manager"], survey=survey)
    question = draft.questions.first()
    return {
        **{f"evaluation:{name}": [draft.pk] for name in ("survey_question_add", "survey_open")},
        "evaluation:survey_question_delete": [draft.pk, question.pk],
        **{
            f"evaluation:survey_{name}": [survey.pk]
            for name in ("detail", "remind", "close", "answer", "results")
        },
        "evaluation:survey_export": [survey.pk, "csv"],
        "evaluation:survey_written_answers": [survey.pk, survey.questions.first().pk],
    }


def _discussion_args(made):
    slug, pk = made["community"].slug, made["discussion"].pk
    reply, hidden = made["reply"].pk, made["hidden_reply"].pk
    by_discussion = ["detail", "edit", "history", "attachment", "reply", "follow", "pin"]
    by_discussion += ["close", "move", "report", "hide"]
    by_reply = ["reply_edit", "reply_history", "helpful", "answer", "reply_report", "reply_hide"]
    by_reply += ["reply_link"]
    return {
        **{f"discussions:{name}": [slug] for name in ("list", "create", "people", "ground_rules")},
        **{f"discussions:{name}": [pk] for name in by_discussion},
        **{f"discussions:{name}": [pk, reply] for name in by_reply},
        "discussions:reply_unhide": [pk, hidden],
        "discussions:unhide": [made["hidden_discussion"].pk],
        "discussions:reply_attachment": [pk, reply, made["reply"].attachments.get().pk],
    }


def _messages_in(community, people):
    """The member writes to the convener, with a file, and the convener answers; the member
    reports the conversation. A third member of the community, whom either may contact."""
    from messages import services as message_services

    member, convener = people["member"], people["convener"]
    first = message_services.message_send(
        sender=member,
        recipient=convener,
        body="Hello",
        files=[SimpleUploadedFile("leaflet.pdf", MINIMAL_PDF)],
    )
    message_services.message_send(sender=convener, recipient=member, body="Hello to you")
    report = message_services.conversation_report(
        conversation=first.conversation, reporter=member, reason="Testing the report."
    )
    return {
        "conversation": first.conversation,
        "message_file": first.attachments.get(),
        "conversation_report": report,
        "correspondent": MembershipFactory(community=community).user,
    }


def _message_args(made):
    conversation, person = made["conversation"].pk, made["correspondent"].pk
    return {
        "member_messages:start": [person],
        "member_messages:conversation": [conversation],
        "member_messages:attachment": [conversation, made["message_file"].pk],
        "member_messages:mute": [conversation],
        "member_messages:report": [conversation],
        "member_messages:block": [person],
        "member_messages:unblock": [person],
        "member_messages:report_detail": [made["conversation_report"].pk],
        "member_messages:report_close": [made["conversation_report"].pk],
    }


def place_in(world, visibility):
    network, people = world
    made = _community_in(network, people, visibility)
    made |= _meeting_in(made["community"], people)
    made |= _library_in(made["community"], people)
    made |= _discussions_in(made["community"], people)
    made |= _programme_of(people)
    made |= _messages_in(made["community"], people)
    return Place(
        visibility=visibility,
        network=network,
        people=people,
        community=made["community"],
        meeting=made["meeting"],
        resource=made["resource"],
        programme=made["programme"],
        args=_args_of(network, people, made),
    )


@pytest.fixture(params=VISIBILITIES)
def place(request, world):
    """The world with a community of each visibility in turn: one test run for each."""
    return place_in(world, request.param)


# --- the URL configuration ----------------------------------------------------------------------


def named_urls():
    """{"namespace:name" or "name": its URL pattern} for every named URL of the project."""

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])))
            elif isinstance(p, URLPattern) and p.name:
                yield (f"{namespace}:{p.name}" if namespace else p.name), p

    return dict(walk(get_resolver().url_patterns))


def unclassified_and_stale(table):
    urls = named_urls()
    unclassified = sorted(
        name
        for name in urls
        if name not in table
        and not name.startswith(ALLAUTH_PREFIXES)
        and name.partition(":")[0] not in EXCLUDED_NAMESPACES
    )
    stale = sorted(name for name in table if name not in urls and name not in OPTIONAL)
    return unclassified, stale


def test_every_named_url_is_classified():
    unclassified, stale = unclassified_and_stale(TABLE)
    assert unclassified == [], f"add these URLs to TABLE in {__name__}"
    assert stale == [], "these URLs no longer exist: remove them from TABLE"


def test_an_unclassified_url_is_caught():
    table = {k: v for k, v in TABLE.items() if k not in ("privacy", "meetings:ics")}
    assert unclassified_and_stale(table) == (["meetings:ics", "privacy"], [])


def test_optional_urls_follow_their_setting():
    urls = named_urls()
    for name, setting in OPTIONAL.items():
        assert (name in urls) == bool(getattr(settings, setting)), name


def test_every_url_answers_every_role_as_declared(client, place):
    urls = named_urls()
    targets = {name: place.url(name) for name in TABLE if name in urls}
    mismatches = []
    for role in ROLES:  # one sign-in per role: the GETs change nothing the next role sees
        client.logout()
        if role != "anonymous":
            client.force_login(place.people[role])
        for name, url in targets.items():
            rule = TABLE[name]
            status = client.get(url).status_code
            want = expected(rule, role, place.visibility)
            if status != want:
                mismatches.append(
                    f"{role:>14} GET {url} ({name}, {rule}): {status}, expected {want}"
                )
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


@pytest.mark.django_db
def test_admin_is_for_staff_only(client):
    url = reverse("admin:index")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302  # to the admin's sign-in: members are not staff
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200
