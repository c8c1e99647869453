"""The world the canary reads: tests/test_access.py's place of one visibility, with more of
everything an audience applies to, markers in every registered field, and the URLs to read."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from tests.content_canary.markers import Markers, marked, plant
from tests.content_canary.readers import INVITEE, SPONSOR, Readers
from tests.factories import MeetingFactory


@dataclass
class CanaryWorld:
    place: object  # tests.test_access.Place
    readers: Readers
    markers: Markers
    targets: list  # (URL name, path, whether it is the access table's own) to read
    emails: dict  # e-mail address → the reader it belongs to, for addresses that are no role


def _meeting(community, *, days, visibility, title=None, **fields):

    start = timezone.now() + timedelta(days=days)
    return MeetingFactory(
        community=community,
        title=title or marked(),
        starts_at=start,
        visibility=visibility,
        **fields,
    )


def build(world, visibility):
    """tests/test_access.py's place of this visibility, with more of everything an audience
    applies to (below), then markers in every registered field."""
    from knowledge import services as knowledge_services
    from knowledge.models import Resource
    from tests.test_access import place_in

    place = place_in(world, visibility)
    meetings = _meetings(place)
    _library(place)
    _discussions(place)
    _community_life(place)
    _notification(place)
    _held_reply(place)
    _messages(place)
    _survey_answers(place)
    application, shared_entry = _programme(place)
    _value_tags(place, shared_entry)
    # Addresses that are no role's: taken before markers replace them.
    emails = {"guest@example.org": INVITEE, "invitee@example.org": INVITEE}
    emails[application.sponsor_email.lower()] = SPONSOR

    readers = Readers(place.people, sponsored_application=application.pk)
    markers = plant(readers)
    knowledge_services.search_vector_update(
        resource_ids=list(Resource.objects.values_list("pk", flat=True))
    )
    _discussion_vectors()
    # The sponsor's link signs the sponsor's address, which now holds a marker.
    application.refresh_from_db()
    place.args["conveners:sponsor"] = [_sponsor_token(application)]
    return CanaryWorld(
        place=place,
        readers=readers,
        markers=markers,
        targets=targets(place, meetings=meetings, extra=shared_entry),
        emails=emails,
    )


def _sponsor_token(application):
    from conveners.services import sponsor_token

    return sponsor_token(application)


def _meetings(place):
    """Action points carried forward to later meetings from published minutes of an earlier
    members-only meeting and from draft minutes (the conveners' until published); the next
    public meeting, announced; a cancelled meeting and a changed one (those registered are
    told); a series; a network event. The member registered for the next ones and came to
    the earlier one."""
    earlier, drafted = _past_meetings(place)
    public, cancelled, event = _coming_meetings(place)
    return [earlier, drafted, public, cancelled, event]


def _past_meetings(place):
    """The earlier meeting (published minutes, the member came, a guest too) and one whose
    minutes are a draft, each with an action point for the member."""
    from meetings import services

    community, people = place.community, place.people
    convener, member = people["convener"], people["member"]
    earlier = _meeting(community, days=-14, visibility="members")
    minutes = _marked_minutes(earlier, convener, member, agreed=True)
    services.minutes_publish(minutes=minutes, actor=convener)
    services.attendance_record(
        meeting=earlier, actor=convener, attended_ids=[], walk_in_users=[member]
    )
    services.guest_record(
        meeting=earlier,
        actor=convener,
        name=marked(),
        organisation=marked(),
        email=marked("email"),
    )
    drafted = _meeting(community, days=-7, visibility="members")
    _marked_minutes(drafted, convener, member, agreed=False)
    return earlier, drafted


def _marked_minutes(meeting, convener, member, *, agreed):
    """The meeting's minutes saved by the convener, every text marked, with an action point
    for the member."""
    from meetings import services

    return services.minutes_save(
        meeting=meeting,
        actor=convener,
        notes=marked(),
        decisions=marked(),
        previous_minutes_agreed=agreed,
        actions=[{"description": marked(), "owner": member}],
    )


def _coming_meetings(place):
    """The next public meeting, announced; the place's meeting changed and another
    cancelled (the member registered for all three); a network event; a series."""
    from datetime import time

    from meetings import services
    from meetings.models import Meeting

    community, people = place.community, place.people
    convener, member = people["convener"], people["member"]
    start = timezone.now() + timedelta(days=5)
    public = services.meeting_schedule(
        actor=convener,
        community=community,
        title=marked(),
        agenda=marked(),
        venue=marked(),
        joining_link=marked("url"),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        visibility="public",
        format="hybrid",
    )
    Meeting.objects.filter(pk=place.meeting.pk).update(
        joining_link=marked("url"), created_by=convener
    )
    place.meeting.refresh_from_db()
    cancelled = _meeting(community, days=10, visibility="members")
    for meeting in (public, place.meeting, cancelled):
        services.registration_create(meeting=meeting, user=member)
    services.meeting_cancel(meeting=cancelled, actor=convener, reason=marked())
    services.meeting_update(meeting=place.meeting, actor=convener, venue=marked())
    event = services.meeting_schedule(
        actor=people["manager"],
        network=place.network,
        title=marked(),
        agenda=marked(),
        venue=marked(),
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=2),
        visibility="members",
        kind="sharing-day",
    )
    day = timezone.localdate() + timedelta(days=20)
    services.series_schedule(
        community=community,
        actor=convener,
        title=marked(),
        description=marked(),
        dates=[day, day + timedelta(days=7)],
        start_time=time(14),
        end_time=time(15),
        visibility="members",
    )
    return public, cancelled, event


def _library(place):
    """A resource of each visibility with a comment and a topic, a hidden resource and a
    hidden comment (their authors are told why), a network-wide resource for the network's
    members, a members-only story, adoptions (the dashboard's spread)."""
    from knowledge import services
    from knowledge.models import Resource
    from tests.factories import CommentFactory, ResourceFactory, StoryFactory

    community, people = place.community, place.people
    convener, member = people["convener"], people["member"]
    resources = []
    for visibility in ("members", "signed-in"):
        resource = services.resource_create(
            author=member,
            community=community,
            title=marked(),
            summary=marked(),
            body=marked(),
            kind=Resource.Kind.TOOLKIT,
            external_url=marked("url"),
            licence=marked(),
            visibility=visibility,
            review_date=timezone.localdate(),
        )
        CommentFactory(resource=resource, author=member, body=marked())
        resource.topics.add(marked())
        resources.append(resource)
    hidden = ResourceFactory(community=community, owner=member, visibility="members")
    services.resource_hide(resource=hidden, actor=convener, reason=marked())
    comment = CommentFactory(resource=resources[0], author=member)
    services.comment_hide(comment=comment, actor=convener, reason=marked())
    ResourceFactory(
        community=None, network=place.network, owner=people["manager"], visibility="members"
    )
    StoryFactory(community=community, author=member, visibility="members")
    for resource, organisation in [
        (resources[0], "Example Hospice"),
        (place.resource, "Example Care Home Trust"),
    ]:
        services.adoption_record(
            resource=resource, user=convener, note=marked(), organisation_name=organisation
        )


def _discussion_vectors():
    """The markers in discussions' text, searchable as the services would have made them."""
    from discussions.models import Discussion, Reply
    from discussions.services import search_vectors_update

    search_vectors_update(
        discussion_ids=list(Discussion.objects.values_list("pk", flat=True)),
        reply_ids=list(Reply.objects.values_list("pk", flat=True)),
    )


def _files():
    """A file whose name holds a marker, as a person uploads it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import MINIMAL_PDF

    return [SimpleUploadedFile(f"{marked()}.pdf", MINIMAL_PDF)]


def _discussions(place):
    """A safe-space discussion whose author hid their name, with a reply quoting another;
    an edited reply; a hidden reply by the member (who is told why); the ground rules; and
    a question outside the safe space with a reply (in feeds, digests and search). Replies
    of each carry a file; the hidden one's goes when it is hidden."""
    from communities.moderation.services import content_hide
    from discussions import services

    community, people = place.community, place.people
    convener, member = people["convener"], people["member"]
    safe = services.discussion_start(
        community=community,
        author=member,
        kind="near-miss",
        title=marked(),
        body=marked(),
        is_safe_space=True,
        author_hidden=True,
    )
    first = services.reply_add(discussion=safe, author=convener, body=marked(), files=_files())
    quoting = services.reply_add(
        discussion=safe, author=member, body=marked(), quote=first, author_hidden=True
    )
    services.reply_edit(reply=quoting, editor=member, body=marked())
    hidden = services.reply_add(discussion=safe, author=member, body=marked(), files=_files())
    content_hide(target=hidden, actor=convener, reason=marked())
    services.ground_rules_save(community=community, actor=convener, text=marked())
    question = services.discussion_start(
        community=community, author=member, kind="question", title=marked(), body=marked()
    )
    services.reply_add(discussion=question, author=convener, body=marked(), files=_files())


def _community_life(place):
    """A join request from the outsider (declined with a message), a member removed with a
    reason, an invitation with a message, a phase change, a second charter version, a
    topic."""
    from communities import services
    from communities.models import Membership
    from tests.factories import MembershipFactory

    community, people = place.community, place.people
    convener, outsider = people["convener"], people["outsider"]
    services.membership_join(community=community, user=outsider, note=marked())
    request = Membership.objects.get(community=community, user=outsider)
    services.membership_decide(membership=request, actor=convener, approve=False, message=marked())
    removed = MembershipFactory(community=community)
    services.membership_remove(membership=removed, actor=convener, reason=marked())
    services.invitation_create(
        community=community, actor=convener, emails=["invitee@example.org"], message=marked()
    )
    services.phase_change(community=community, actor=convener, to_phase="unite", note=marked())
    services.charter_save(community=community, actor=convener, trying_to_do=marked())
    community.topics.add(marked())


def _notification(place):
    """A notification of the member's, stored as the centre stores every one."""
    from accounts.models import Notification

    Notification.objects.create(
        recipient=place.people["member"],
        kind="canary",
        dedupe="canary:1",
        group_key="canary:1",
        group_title=marked(),
        text=marked(),
        url=f"/communities/{place.community.slug}/",
        channel="off",
    )


def _survey_answers(place):
    """The member's named answers to the open survey of the place (tests/test_access.py)."""
    from evaluation.surveys import services
    from evaluation.surveys.models import Survey

    survey = Survey.objects.get(pk=place.args["evaluation:survey_answer"][0])
    answers = {
        q.pk: {"value": 3} if q.kind == "scale" else {"text": marked()}
        for q in survey.questions.all()
    }
    services.response_submit(survey=survey, user=place.people["member"], answers=answers)


def _held_reply(place):
    """A reply by e-mail the patient-data guard held for the member, as the inbound
    service stores it."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.inbound.models import HeldReply

    HeldReply.objects.create(
        user=place.people["member"],
        handler="discussion",
        object_id=1,
        text=marked(),
        expires_at=timezone.now() + timedelta(days=14),
    )


def _messages(place):
    """More of the reported conversation between the member and the convener, and a
    conversation nobody reported between the convener and a member who is no role: staff
    may read neither's text but through the report. Sent through the service, so that the
    e-mails carry the markers too; a message of each carries a file."""
    from messages import services
    from tests.factories import MembershipFactory

    people = place.people
    convener, member = people["convener"], people["member"]
    services.message_send(sender=member, recipient=convener, body=marked(), files=_files())
    services.message_send(sender=convener, recipient=member, body=marked())
    other = MembershipFactory(community=place.community).user
    services.message_send(sender=convener, recipient=other, body=marked(), files=_files())
    services.message_send(sender=other, recipient=convener, body=marked())


def _programme(place):
    """The manager reviews the member's application; the participant shares a journal entry
    with the managers. Returns the member's application and the shared entry."""
    from conveners import services

    people = place.people
    application = people["member"].applications.get()
    services.review_save(
        application=application,
        reviewer=people["manager"],
        scores=dict.fromkeys(application.programme.criteria_list(), 4),
        note=marked(),
    )
    shared = services.journal_add(
        application=people["participant"].applications.get(),
        title=marked(),
        body=marked(),
        shared_with_managers=True,
    )
    return application, shared


def _value_tags(place, shared_entry):
    """Value tags with evidence on a members-only story and on the shared journal entry:
    the network's evidence gap counts them, never quotes them."""
    from evaluation.value.services import value_tag_save
    from knowledge.models import Story

    story = Story.objects.filter(community=place.community, visibility="members").first()
    people = place.people
    value_tag_save(
        actor=people["convener"],
        story=story,
        cycle="realised",
        evidence_kind="quote",
        quote="It changed our ward rounds.",
        quote_by="A ward pharmacist",
    )
    value_tag_save(
        actor=people["participant"],
        journal_entry=shared_entry,
        cycle="potential",
        evidence_kind="figure",
        figure=3,
        figure_unit="new contacts",
    )
    return story


def _file_targets(place, path):
    """Every file of the community's replies (the access table's rule holds: members'
    content) and of the world's conversations (the rule holds for the place's own)."""
    from discussions.models import ReplyAttachment
    from messages.models import MessageAttachment

    found = [
        (
            "discussions:reply_attachment",
            path("discussions:reply_attachment", a.reply.discussion_id, a.reply_id, a.pk),
            not a.reply.discussion.is_hidden,
        )
        for a in ReplyAttachment.objects.filter(reply__discussion__community=place.community)
    ]
    own = place.args["member_messages:conversation"][0]
    found += [
        (
            "member_messages:attachment",
            path("member_messages:attachment", a.message.conversation_id, a.pk),
            a.message.conversation_id == own,
        )
        for a in MessageAttachment.objects.select_related("message")
    ]
    return found


def _discussion_targets(place, path):
    """Every discussion of the community, each edited reply's history, the list of
    unanswered questions: the access table's rules hold for them all (members' content)."""
    from discussions.models import Discussion, Reply

    found = [
        (
            "discussions:list",
            path("discussions:list", place.community.slug, query="?show=unanswered"),
            True,
        )
    ]
    for discussion in Discussion.objects.filter(community=place.community):
        found.append(
            (
                "discussions:detail",
                path("discussions:detail", discussion.pk),
                not discussion.is_hidden,
            )
        )
        found.append(("discussions:history", path("discussions:history", discussion.pk), True))
    for reply in Reply.objects.filter(
        discussion__community=place.community, edited_at__isnull=False
    ):
        found.append(
            (
                "discussions:reply_history",
                path("discussions:reply_history", reply.discussion_id, reply.pk),
                True,
            )
        )
    return found


def targets(place, *, meetings, extra):
    """(URL name, path, own) for every URL of the access table pointed into the place, and
    the same URLs pointed at the other objects of the world, with searches and exports. Own:
    the access table's rule for the name holds for this path too (it proves which roles get
    200), as it does not for a public meeting or a members-only resource."""
    from django.urls import reverse

    from knowledge.models import Resource, Story
    from tests.test_access import TABLE, named_urls

    def path(name, *args, query=""):
        return reverse(name, args=args) + query

    urls = named_urls()
    # POST-only URLs answer 405 with no body.
    found = [
        (n, place.url(n), True) for n, rule in TABLE.items() if n in urls and rule != "post_only"
    ]
    community = place.community
    for meeting in meetings:
        # The table's meeting is a community's, for its members only.
        own = meeting.visibility == "members" and meeting.community_id is not None
        for name in ("meetings:detail", "meetings:ics"):
            found.append((name, path(name, meeting.pk), own))
        if meeting.community_id:  # a network event has no minutes
            found.append(("meetings:minutes", path("meetings:minutes", meeting.pk), True))
            # Guests are listed to the meeting's conveners only.
            found.append(("meetings:attendance", path("meetings:attendance", meeting.pk), True))
    # The table's resource and story are public; the others are not.
    for resource in Resource.objects.filter(community=community).exclude(pk=place.resource.pk):
        found.append(("knowledge:resource", path("knowledge:resource", resource.pk), False))
    for story in Story.objects.filter(community=community).exclude(
        pk=place.args["knowledge:story"][0]
    ):
        found.append(("knowledge:story", path("knowledge:story", story.pk), False))
    found += _discussion_targets(place, path)
    found += _file_targets(place, path)
    slug, programme = community.slug, place.programme.slug
    found += [
        ("communities:charter_version", path("communities:charter_version", slug, 2), True),
        ("conveners:journal_entry", path("conveners:journal_entry", programme, extra.pk), True),
        ("evaluation:value_entry", path("evaluation:value_entry", extra.pk), True),
        ("communities:list", path("communities:list", query="?q=canary"), True),
        ("knowledge:library", path("knowledge:library", query="?q=canary"), True),
        ("knowledge:search", path("knowledge:search", query="?q=canary"), True),
        ("discussions:search", path("discussions:search", query="?q=canary"), True),
        (
            "knowledge:community_library",
            path("knowledge:community_library", slug, query="?q=canary"),
            True,
        ),
    ]
    # Every table in each of its formats (a workbook is a zip of XML: read it unzipped).
    for fmt in ("csv", "xlsx"):
        found.append(("meetings:attended", path("meetings:attended", query=f"?format={fmt}"), True))
        for export in ("communities", "trends", "spread", "programmes"):
            query = f"?export={export}&format={fmt}"
            found.append(("dashboard:programme", path("dashboard:programme", query=query), True))
    return found
