"""Every write about meetings: schedule, series, change, cancel, register, waiting list,
attendance, minutes, action points, reminders, calendar tokens."""

import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, IntegerField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from accounts.outbox.delivery import Mailing, email_queue, email_queue_mailings
from communities.models import Membership
from communities.services import community_writable
from core import uploads
from core.http import site_url
from core.services import audit_log
from meetings import notifications as notices
from meetings.ical import calendar, meeting_ics
from meetings.models import (
    MAX_REMINDER_HOURS,
    ActionItem,
    CalendarFeed,
    Meeting,
    MeetingGuest,
    MeetingSeries,
    Minutes,
    Registration,
    SeriesRegistration,
)
from meetings.permissions import can_view, meetings_visible_to
from meetings.selectors import meetings_to_carry

LONDON = zoneinfo.ZoneInfo("Europe/London")
MAX_SERIES = 60
REMINDER_BATCH = 200  # meetings read per query by the reminder scan


class MeetingError(ValidationError):
    """A rule of meetings said no; the message says why."""


def _audit(actor, action, meeting, **data):
    target = meeting.community or meeting.network
    return audit_log(
        actor=actor, action=action, target=target, data={"meeting": meeting.pk, **data}
    )


def _audience(meeting):
    """Everyone a meeting is announced to: the community's members, or the network's."""
    members = User.objects.filter(is_active=True, memberships__status=Membership.Status.ACTIVE)
    if meeting.community_id:
        return members.filter(memberships__community_id=meeting.community_id).distinct()
    return members.filter(memberships__community__network_id=meeting.network_id).distinct()


def _registered_people(meeting):
    return User.objects.filter(
        is_active=True,
        registrations__meeting=meeting,
        registrations__status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
    )


def _check(meeting, **errors):
    """The meeting's own rules, with any errors the caller found already, raised together so
    that a form shows each next to its field."""
    # Compared as instants: Python compares two times of the same zone by their clock
    # readings, and 02:30 BST is after 01:30 by the clock though it is the same moment as
    # 01:30 GMT on the night the clocks go forward.
    if meeting.ends_at and meeting.starts_at and _utc(meeting.ends_at) <= _utc(meeting.starts_at):
        errors["ends_at"] = "The end must be after the start"
    if errors:
        raise MeetingError(errors)
    meeting.full_clean()


def _utc(moment):
    return moment.astimezone(UTC)


def _when(moment):
    return timezone.localtime(moment).strftime("%A %-d %B %Y, %H:%M")


def _announce(
    meeting, people, *, purpose, template, about_their_registration=False, notice=None, **context
):
    """E-mail `people` about `meeting`. News of a meeting goes under the announcements
    preference; a change to a meeting someone registered for is theirs to know, always.
    `notice` ({"kind", "actor", "text"?}) tells them in the notification centre too."""
    people = list(people)
    if notice:
        notices.meeting_notify(meeting=meeting, people=people, dedupe=purpose, **notice)
    for person in people:
        email_queue(
            recipient=person,
            purpose=purpose,
            template=template,
            context={
                "meeting": meeting,
                "meeting_url": site_url("meetings:detail", meeting.pk),
                **context,
            },
            preference=None if about_their_registration else "meeting_announcements",
            transactional=about_their_registration,
        )


def _tell_registered(meeting, *, purpose, template, **context):
    """E-mail everyone registered for `meeting` about a change to it (always sent)."""
    _announce(
        meeting,
        _registered_people(meeting),
        purpose=purpose,
        template=template,
        about_their_registration=True,
        **context,
    )


PAST_START = (
    "This time has already passed. To keep the record of a meeting that has already "
    "happened, use ‘Record a past meeting’ instead: nobody is told about it"
)


@transaction.atomic
def meeting_schedule(*, actor, community=None, network=None, announce=True, **fields):
    """A meeting to come: saved, and announced to everyone it is for. A start in the past is
    refused: people would be invited to something that has happened (meeting_record_past
    keeps the record of those)."""
    meeting = Meeting(community=community, network=network, created_by=actor, **fields)
    errors = {}
    if meeting.starts_at and meeting.starts_at <= timezone.now():
        errors["starts_at"] = PAST_START
    _check(meeting, **errors)
    meeting.save()
    _audit(actor, "meeting.schedule", meeting, title=meeting.title)
    if meeting.series_id:
        # Those registered for the whole series get a place in the meetings added to it.
        for follower in SeriesRegistration.objects.filter(
            series_id=meeting.series_id
        ).select_related("user"):
            if follower.user.is_active and can_view(follower.user, meeting):
                registration_create(meeting=meeting, user=follower.user)
    if announce:
        _announce(
            meeting,
            _audience(meeting),
            purpose=f"meeting-new:{meeting.pk}",
            template="meeting_new",
            notice={"kind": "meeting_new", "actor": actor},
        )
    return meeting


@transaction.atomic
def meeting_record_past(*, actor, community, attendees=(), **fields):
    """The record of a community meeting that has already happened, with who came: nobody
    is told (it is news to no one, and no one can register for it), and its minutes can be
    written and published at once."""
    meeting = Meeting(community=community, created_by=actor, **fields)
    errors = {}
    if meeting.starts_at and meeting.starts_at > timezone.now():
        errors["starts_at"] = (
            "This meeting has not started yet: schedule it instead, so that members are told"
        )
    _check(meeting, **errors)
    meeting.save()
    Registration.objects.bulk_create(
        Registration(
            meeting=meeting, user=person, status=Registration.Status.REGISTERED, attended=True
        )
        for person in attendees
    )
    _audit(actor, "meeting.record_past", meeting, title=meeting.title, attended=len(attendees))
    return meeting


def series_dates(*, first_date, until, frequency, weekday, ordinal):
    """The dates of a series: weekly on a weekday, or monthly on the nth (or last) weekday."""
    from dateutil import rrule

    day = [rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU][weekday]
    if frequency == "weekly":
        rule = rrule.rrule(rrule.WEEKLY, byweekday=day, dtstart=first_date, until=until)
    else:
        rule = rrule.rrule(rrule.MONTHLY, byweekday=day(ordinal), dtstart=first_date, until=until)
    return [d.date() for d in rule[:MAX_SERIES]]


def _off_the_clock(moment):
    """Whether London's clocks never read this time (the hour they skip in spring)."""
    return _utc(moment).astimezone(LONDON).replace(tzinfo=None) != moment.replace(tzinfo=None)


def series_slot(*, day, start_time, end_time):
    """When one meeting of a series starts and ends: at the same wall-clock times in London
    all year (14:00 is 14:00 in winter and in summer).

    On the last Sunday of March the clocks go from 01:00 straight to 02:00, so a time in
    between does not exist that day. Such a meeting is moved an hour later by the clock and
    keeps its length: 01:30-02:30 becomes 02:30-03:30 BST (01:30 read as winter time, which
    is how calendar programs read a time the clocks skip: RFC 5545 section 3.3.5). Moving it
    beats dropping a date people count on; series_clock_changes says which moved, and why."""
    starts_at = datetime.combine(day, start_time, tzinfo=LONDON)
    ends_at = datetime.combine(day, end_time, tzinfo=LONDON)
    if _off_the_clock(starts_at):
        length = datetime.combine(day, end_time) - datetime.combine(day, start_time)
        ends_at = _utc(starts_at) + length
    # In UTC: arithmetic on two times of one zone goes by their clock readings.
    return _utc(starts_at), _utc(ends_at)


def series_clock_changes(*, meetings, start_time, end_time):
    """A sentence for each meeting of a series that the clock change moved (series_slot)."""
    notes = []
    for meeting in meetings:
        starts, ends = (_utc(m).astimezone(LONDON) for m in (meeting.starts_at, meeting.ends_at))
        if (starts.time(), ends.time()) == (start_time, end_time):
            continue
        skipped = start_time if starts.time() != start_time else end_time
        notes.append(
            f"{starts:%A %-d %B %Y}: the clocks go forward an hour at 01:00 that night, so "
            f"{skipped:%H:%M} does not exist; that meeting is at {starts:%H:%M} to "
            f"{ends:%H:%M} instead."
        )
    return notes


@transaction.atomic
def series_schedule(*, community, actor, title, description, dates, start_time, end_time, **fields):
    """One meeting per date, each editable or cancellable on its own; announced once."""
    if not dates:
        raise MeetingError({"until": "No date matches this rule before the end date"})
    if end_time <= start_time:
        raise MeetingError({"end_time": "The end must be after the start"})
    if datetime.combine(dates[0], start_time, tzinfo=LONDON) <= timezone.now():
        raise MeetingError(
            {
                "first_date": f"The first meeting would be on {dates[0]:%A %-d %B %Y} at "
                f"{start_time:%H:%M}, which has passed: choose a later date"
            }
        )
    series = MeetingSeries.objects.create(
        community=community, title=title, description=description, created_by=actor
    )
    meetings = []
    for day in dates:
        starts_at, ends_at = series_slot(day=day, start_time=start_time, end_time=end_time)
        meetings.append(
            meeting_schedule(
                actor=actor,
                community=community,
                announce=False,
                series=series,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                **fields,
            )
        )
    _announce(
        meetings[0],
        _audience(meetings[0]),
        purpose=f"series-new:{series.pk}",
        template="meeting_new",
        notice={
            "kind": "meeting_new",
            "actor": actor,
            "text": f"New meetings: {title}, {len(meetings)} dates",
        },
        series=series,
        series_meetings=meetings,
    )
    return series, meetings


MOVING_FIELDS = ("starts_at", "ends_at", "venue", "format", "joining_link")


@transaction.atomic
def meeting_update(*, meeting, actor, **fields):
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        raise MeetingError("This meeting is cancelled: it can no longer be changed")
    capacity = fields.get("capacity", meeting.capacity)
    registered = meeting.registrations.filter(status=Registration.Status.REGISTERED).count()
    if capacity is not None and capacity < registered:
        raise MeetingError(
            {
                "capacity": f"{registered} people are already registered: the capacity cannot be less than that"
            }
        )
    moved = any(f in fields and fields[f] != getattr(meeting, f) for f in MOVING_FIELDS)
    errors = {}
    now = timezone.now()
    new_start = fields.get("starts_at", meeting.starts_at)
    if meeting.starts_at > now and new_start != meeting.starts_at and new_start <= now:
        # A meeting to come cannot be moved to a time that has passed: those registered
        # would be told it moved to a moment they can no longer attend.
        errors["starts_at"] = "This time has already passed: choose a time to come"
    for field, value in fields.items():
        setattr(meeting, field, value)
    if moved or any(f in fields for f in ("title", "agenda")):
        meeting.sequence += 1
    _check(meeting, **errors)
    meeting.save()
    _promote_waiting(meeting)
    _audit(actor, "meeting.update", meeting, moved=moved)
    if moved and not meeting.is_past:  # correcting the record of a past meeting tells no one
        _tell_registered(
            meeting,
            purpose=f"meeting-moved:{meeting.pk}:{meeting.sequence}",
            template="meeting_changed",
            notice={"kind": "meeting_changed", "actor": actor},
        )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting, actor, reason):
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        return meeting
    if not reason.strip():
        raise MeetingError(
            {"reason": "Say why the meeting is cancelled: registered people will read it"}
        )
    meeting.status, meeting.cancel_reason = Meeting.Status.CANCELLED, reason.strip()
    meeting.sequence += 1
    meeting.save()
    _audit(actor, "meeting.cancel", meeting)
    _tell_registered(
        meeting,
        purpose=f"meeting-cancelled:{meeting.pk}",
        template="meeting_cancelled",
    )
    return meeting


# --- a community merged or split ---------------------------------------------------------------


@transaction.atomic
def meetings_transfer(*, community, to, actor, meeting_ids=None):
    """Move the future meetings of `community` (all of them, or those of `meeting_ids`)
    to `to`, with their registrations and waiting lists; past and cancelled meetings stay
    with the community's record. All of them (a merge): the meeting series go too. Some
    (a split): a moved meeting leaves its series, which stays, and the people registered
    are told the meeting now belongs to `to`. Returns the meetings moved."""
    meetings = meetings_to_carry(community=community).select_for_update()
    if meeting_ids is not None:
        meetings = meetings.filter(pk__in=meeting_ids)
    meetings = list(meetings)
    ids = [m.pk for m in meetings]
    # Calendars take a higher SEQUENCE as an update: the organiser is now `to`.
    changes = {"community": to, "sequence": models.F("sequence") + 1}
    if meeting_ids is None:
        MeetingSeries.objects.filter(community=community).update(community=to)
    else:
        changes["series"] = None
    Meeting.objects.filter(pk__in=ids).update(**changes)
    for meeting in meetings:
        meeting.community, meeting.sequence = to, meeting.sequence + 1
        _audit(actor, "meeting.transfer", meeting, source=community.slug, to=to.slug)
        if meeting_ids is not None:
            _tell_registered(
                meeting,
                purpose=f"meeting-transferred:{meeting.pk}:{to.pk}",
                template="meeting_moved",
                community=community,
                new=to,
            )
    return meetings


@transaction.atomic
def actions_transfer(*, community, to, actor):
    """Move the open action points of `community` to `to` (a merge): their owners find them
    where the work goes on. Done ones stay with the record. Returns how many moved."""
    moved = ActionItem.objects.filter(community=community, status=ActionItem.Status.OPEN).update(
        community=to
    )
    if moved:
        audit_log(
            actor=actor,
            action="action.transfer",
            target=to,
            data={"source": community.slug, "count": moved},
        )
    return moved


# --- registrations and the waiting list -------------------------------------------------------


def _ics_attachment(meeting):
    """The meeting as a calendar file, as a registered person's calendar should hold it."""
    return {
        "filename": "meeting.ics",
        "content": meeting_ics(meeting, with_joining_link=True),
        "mimetype": "text/calendar",
    }


def _registration_confirm(registration, meeting):
    """Tell the person at once what they signed up for: a place, with the calendar file,
    or a place on the waiting list. Once per registration (a new one after cancelling is
    told again)."""
    registered = registration.status == Registration.Status.REGISTERED
    email_queue(
        recipient=registration.user,
        purpose=f"meeting-registered:{registration.pk}:{registration.updated_at.isoformat()}",
        template="meeting_registered",
        context={
            "meeting": meeting,
            "meeting_url": site_url("meetings:detail", meeting.pk),
            "waiting": not registered,
        },
        transactional=True,  # about their own registration, which they just made
        attachments=[_ics_attachment(meeting)] if registered else None,
    )


@transaction.atomic
def registration_create(*, meeting, user, notify=True):
    """Register, or join the waiting list when the meeting is full, and confirm it by
    e-mail (unless notify is off: a caller that confirms several at once). Idempotent."""
    # We lock the meeting row: two people must never take the last place at once.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    community_writable(meeting.community)
    if meeting.is_cancelled:
        raise MeetingError("This meeting has been cancelled: registration is closed")
    if meeting.starts_at <= timezone.now():
        raise MeetingError("This meeting has already started: registration is closed")
    registration, _ = Registration.objects.get_or_create(
        meeting=meeting, user=user, defaults={"status": Registration.Status.CANCELLED}
    )
    if registration.status != Registration.Status.CANCELLED:
        return registration
    taken = meeting.registrations.filter(status=Registration.Status.REGISTERED).count()
    if meeting.capacity is not None and taken >= meeting.capacity:
        registration.status, registration.waiting_since = (
            Registration.Status.WAITING,
            timezone.now(),
        )
    else:
        registration.status, registration.waiting_since = Registration.Status.REGISTERED, None
    registration.save()
    _audit(user, f"registration.{registration.status}", meeting, user=user.pk)
    if notify:
        _registration_confirm(registration, meeting)
    return registration


def _promote_waiting(meeting):
    """Give free places to the waiting list, first come first served. Caller holds the lock."""
    promoted = []
    while True:
        taken = meeting.registrations.filter(status=Registration.Status.REGISTERED).count()
        if meeting.capacity is not None and taken >= meeting.capacity:
            break
        first = (
            meeting.registrations.filter(status=Registration.Status.WAITING)
            .select_related("user")
            .order_by("waiting_since", "pk")
            .first()
        )
        if first is None:
            break
        first.status, first.waiting_since = Registration.Status.REGISTERED, None
        first.save(update_fields=["status", "waiting_since", "updated_at"])
        promoted.append(first)
        email_queue(
            recipient=first.user,
            purpose=f"meeting-promoted:{first.pk}:{first.updated_at.isoformat()}",
            template="meeting_promoted",
            context={"meeting": meeting, "meeting_url": site_url("meetings:detail", meeting.pk)},
            transactional=True,  # about their own registration
            attachments=[_ics_attachment(meeting)],
        )
        _audit(None, "registration.promoted", meeting, user=first.user_id)
    return promoted


@transaction.atomic
def registration_cancel(*, registration):
    meeting = Meeting.objects.select_for_update().get(pk=registration.meeting_id)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        return registration
    registration.status, registration.waiting_since = Registration.Status.CANCELLED, None
    registration.save(update_fields=["status", "waiting_since", "updated_at"])
    _audit(registration.user, "registration.cancel", meeting, user=registration.user_id)
    if not meeting.is_cancelled and meeting.starts_at > timezone.now():
        _promote_waiting(meeting)
    return registration


def _series_to_come(series, user):
    """The meetings of a series still to come that this person may see, soonest first."""
    return (
        meetings_visible_to(user)
        .filter(series=series, status=Meeting.Status.SCHEDULED, starts_at__gt=timezone.now())
        .select_related("community", "network")
        .order_by("starts_at", "pk")
    )


@transaction.atomic
def series_register(*, series, user):
    """Register for every meeting of a series to come, and for those added to it later.
    Each goes through registration_create (its row lock, the capacity, the waiting list);
    one e-mail confirms them all, with the places as one calendar file."""
    follower, created = SeriesRegistration.objects.get_or_create(series=series, user=user)
    registrations = [
        registration_create(meeting=meeting, user=user, notify=False)
        for meeting in _series_to_come(series, user)
    ]
    if created:
        audit_log(
            actor=user,
            action="series.register",
            target=series.community,
            data={"series": series.pk, "meetings": len(registrations)},
        )
        _series_confirm(follower, registrations)
    return registrations


def _series_confirm(follower, registrations):
    if not registrations:
        return
    placed = [r.meeting for r in registrations if r.status == Registration.Status.REGISTERED]
    waiting = [r.meeting for r in registrations if r.status == Registration.Status.WAITING]
    attachments = None
    if placed:
        ics = calendar(
            placed, name=follower.series.title, joining_link_for={m.pk for m in placed}
        ).decode()
        attachments = [{"filename": "meetings.ics", "content": ics, "mimetype": "text/calendar"}]
    email_queue(
        recipient=follower.user,
        purpose=f"series-registered:{follower.pk}",
        template="meeting_registered",
        context={
            "series": follower.series,
            "placed": placed,
            "waiting_list": waiting,
            "meeting_url": site_url("meetings:detail", registrations[0].meeting_id),
        },
        transactional=True,  # about their own registration, which they just made
        attachments=attachments,
    )


@transaction.atomic
def series_leave(*, series, user):
    """Leave a whole series: no place in meetings added later, and every registration for
    a meeting of it to come cancelled as one cancellation is (the waiting list moves up)."""
    SeriesRegistration.objects.filter(series=series, user=user).delete()
    cancelled = [
        registration_cancel(registration=registration)
        for registration in Registration.objects.filter(
            user=user,
            meeting__series=series,
            meeting__starts_at__gt=timezone.now(),
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
        )
    ]
    audit_log(
        actor=user,
        action="series.leave",
        target=series.community,
        data={"series": series.pk, "meetings": len(cancelled)},
    )
    return cancelled


@transaction.atomic
def attendance_record(*, meeting, actor, attended_ids, walk_in_users=()):
    """Mark who came (registered people not ticked are absent) and add walk-ins: once the
    meeting has started, never before (nobody has come yet), and never for a cancelled one."""
    _attendance_open(meeting, "attended")
    attended_ids = {int(i) for i in attended_ids}
    for registration in meeting.registrations.filter(status=Registration.Status.REGISTERED):
        registration.attended = registration.pk in attended_ids
        registration.save(update_fields=["attended", "updated_at"])
    for user in walk_in_users:
        registration, created = Registration.objects.get_or_create(
            meeting=meeting,
            user=user,
            defaults={"status": Registration.Status.REGISTERED, "attended": True, "walk_in": True},
        )
        if not created:
            registration.status, registration.attended = Registration.Status.REGISTERED, True
            registration.save(update_fields=["status", "attended", "updated_at"])
    _audit(actor, "meeting.attendance", meeting, attended=len(attended_ids) + len(walk_in_users))


def _attendance_open(meeting, field):
    """Attendance is recorded once the meeting has started, and never for a cancelled one."""
    if meeting.is_cancelled:
        raise MeetingError({field: "This meeting was cancelled: nobody attended it"})
    if meeting.starts_at > timezone.now():
        raise MeetingError(
            {
                field: "Attendance can be recorded once the meeting has started, "
                f"on {_when(meeting.starts_at)}"
            }
        )


@transaction.atomic
def guest_record(*, meeting, actor, name, organisation="", email=""):
    """Someone without an account came: recorded by name, organisation and e-mail, and
    counted in the meeting's attendance. Someone with an account is a walk-in instead (the
    attendance page takes them by e-mail or from the list of members), so that nobody is
    counted twice."""
    _attendance_open(meeting, "name")
    name, organisation, email = name.strip(), organisation.strip(), email.strip().lower()
    errors = {}
    if not name:
        errors["name"] = "Enter the guest's name"
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = (
            f"{email} belongs to an account: add them as a walk-in on the attendance page"
        )
    elif email and meeting.guests.filter(email=email).exists():
        errors["email"] = f"A guest with the address {email} is already recorded"
    if errors:
        raise MeetingError(errors)
    guest = MeetingGuest(
        meeting=meeting, name=name, organisation=organisation, email=email, recorded_by=actor
    )
    guest.full_clean()
    guest.save()
    _audit(actor, "meeting.guest", meeting, guest=guest.pk)
    return guest


@transaction.atomic
def guest_remove(*, guest, actor):
    """A guest recorded by mistake. Only an unclaimed guest: once claimed, the attendance is
    the person's own walk-in registration, changed on the attendance page like any other."""
    if guest.user_id:
        raise MeetingError("This guest's attendance is now on their account")
    meeting = guest.meeting
    guest.delete()
    _audit(actor, "meeting.guest_remove", meeting)


@transaction.atomic
def guests_claim(*, user, email):
    """A person has verified `email` on their account: the attendance recorded for a guest
    with that address becomes theirs, as a walk-in registration of each meeting (which is
    how the figures, their attendance history and the revalidation record count it from
    then on), and the guest row keeps who claimed it. Only a verified address may claim:
    the callers are allauth's signals for a confirmed address or a sign-up whose address
    is already verified (meetings.guest_receivers). Safe to call again."""
    email = email.strip().lower()
    guests = list(
        MeetingGuest.objects.select_for_update()
        .filter(email=email, user__isnull=True)
        .select_related("meeting")
    )
    if not guests or not user.is_active:
        return 0
    now = timezone.now()
    for guest in guests:
        registration, created = Registration.objects.get_or_create(
            meeting=guest.meeting,
            user=user,
            defaults={"status": Registration.Status.REGISTERED, "attended": True, "walk_in": True},
        )
        if not created:
            registration.status, registration.attended = Registration.Status.REGISTERED, True
            registration.save(update_fields=["status", "attended", "updated_at"])
        guest.user, guest.claimed_at = user, now
        guest.save(update_fields=["user", "claimed_at"])
        _audit(user, "meeting.guest_claim", guest.meeting, guest=guest.pk)
    return len(guests)


# --- minutes and action points -----------------------------------------------------------------


def minutes_save(*, meeting, document=None, **fields):
    """Save the draft: notes, decisions, a document (new, replacing the one before, or
    removed), new action points, and which open actions from earlier meetings are now done
    (closed) or carried on. The keyword arguments are _minutes_save's.

    A new document is checked and stored under a random name first (no file work while
    the row is locked), its own name kept for display and download only; if the save
    fails, the new file is deleted again. The document it replaces, or the one removed, is
    deleted once the save commits; if it rolls back, the row still names the old one.
    """
    if document is None:
        return _minutes_save(meeting=meeting, document=None, **fields)
    storage = Minutes._meta.get_field("document").storage
    with uploads.stored_upload(document, folder="minutes", storage=storage) as (stored, checked):
        return _minutes_save(meeting=meeting, document=(stored, checked.name), **fields)


@transaction.atomic
def _minutes_save(
    *,
    meeting,
    actor,
    notes,
    decisions,
    previous_minutes_agreed,
    document,
    remove_document=False,
    actions=(),
    closed=(),
    carried=(),
):
    """minutes_save once a new document is stored: document is (stored name, download
    name), or None to keep the current one (or remove it, with remove_document)."""
    minutes, _ = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
    minutes.notes, minutes.decisions = notes, decisions
    minutes.previous_minutes_agreed = previous_minutes_agreed
    document_change = None
    if document is not None or (remove_document and minutes.document):
        old = minutes.document.name
        minutes.document, minutes.document_name = document or ("", "")
        uploads.delete_file_on_commit(minutes.document.storage, old)
        document_change = "remove" if document is None else "replace" if old else "add"
    minutes.save()
    for action in actions:
        ActionItem.objects.create(community=meeting.community, meeting=meeting, **action)
    now = timezone.now()
    for action in ActionItem.objects.filter(
        pk__in=[a.pk for a in closed], status=ActionItem.Status.OPEN
    ):
        action.status, action.done_at, action.closed_in = ActionItem.Status.DONE, now, meeting
        action.save(update_fields=["status", "done_at", "closed_in"])
    _audit(
        actor,
        "minutes.save",
        meeting,
        new_actions=len(actions),
        closed=len(closed),
        **({"document": document_change} if document_change else {}),
    )
    return minutes


@transaction.atomic
def minutes_publish(*, minutes, actor):
    """Publish once, and e-mail the minutes to every active member of the community."""
    minutes = (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__community")
        .get(pk=minutes.pk)
    )
    if minutes.is_published:
        return minutes
    if minutes.meeting.starts_at > timezone.now():
        # Minutes record what happened: a draft may be prepared, but not sent to every
        # member before the meeting has even begun.
        raise MeetingError(
            "The minutes can be published once the meeting has taken place, on "
            f"{_when(minutes.meeting.starts_at)}. Your draft is saved until then"
        )
    minutes.status, minutes.published_at, minutes.published_by = (
        Minutes.Status.PUBLISHED,
        timezone.now(),
        actor,
    )
    minutes.save()
    meeting = minutes.meeting
    _audit(actor, "minutes.publish", meeting)
    actions = list(meeting.action_items.select_related("owner"))
    audience = list(_audience(meeting))
    notices.meeting_notify(
        meeting=meeting,
        people=audience,
        kind="minutes_published",
        dedupe=f"minutes:{minutes.pk}",
        actor=actor,
    )
    for person in audience:
        email_queue(
            recipient=person,
            purpose=f"minutes:{minutes.pk}",
            template="minutes_published",
            context={
                "meeting": meeting,
                "minutes": minutes,
                "actions": actions,
                "meeting_url": site_url("meetings:detail", meeting.pk),
            },
            preference="minutes",
        )
    return minutes


@transaction.atomic
def action_complete(*, action, actor):
    if action.status == ActionItem.Status.DONE:
        return action
    action.status, action.done_at = ActionItem.Status.DONE, timezone.now()
    action.save(update_fields=["status", "done_at"])
    audit_log(
        actor=actor, action="action.done", target=action.community, data={"action": action.pk}
    )
    return action


# --- reminders ------------------------------------------------------------------------------------


def _remind_at():
    """When a meeting's reminder is due, in SQL: its start less its reminder hours."""
    # A small integer times an hour: cast, since Django multiplies only plain integers.
    hours = Cast("reminder_hours", IntegerField())
    lead = ExpressionWrapper(hours * timedelta(hours=1), output_field=DurationField())
    return ExpressionWrapper(F("starts_at") - lead, output_field=DateTimeField())


def reminders_due(*, now=None):
    """Meetings whose reminder time has come, which have not started yet, and whose
    reminders for this start time are not queued yet.

    One query on the (status, starts_at) index: no meeting is reminded earlier than
    MAX_REMINDER_HOURS before it starts (the form takes no more), so the range ends there,
    and the due time itself is compared in the database, for every reminder time alike."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=MAX_REMINDER_HOURS),
        )
        .alias(remind_at=_remind_at())
        .filter(remind_at__lte=now)
        .exclude(reminded_for=F("starts_at"))
    )


@dataclass
class ReminderRun:
    meetings: int = 0
    emails: int = 0


def reminders_send(*, now=None, dry_run=False, batch_size=None, progress=None):
    """Queue every reminder that is due, a batch of meetings at a time (each batch in its
    own transaction, with a fixed number of queries: an interrupted run keeps the batches it
    stored); the periodic task and `manage.py send_reminders` both run this. With dry_run,
    count what would be queued and write nothing. progress(done, total) is called after each
    batch."""
    batch_size = batch_size or REMINDER_BATCH
    due = reminders_due(now=now)
    total = due.count()
    run, last = ReminderRun(), 0
    while True:
        # Keyset batches: a meeting queued in one batch leaves the due set, one not yet
        # queued keeps its place after the last id seen.
        ids = list(due.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return run
        if dry_run:
            run.meetings += len(ids)
            run.emails += (
                _reminder_registrations(ids)
                .filter(user__is_active=True, user__meeting_reminders=True)
                .count()
            )
        else:
            # Locked, and due still: a scan running beside this one may have queued some.
            meetings, emails = reminders_queue_many(meetings=due.filter(pk__in=ids))
            run.meetings += meetings
            run.emails += emails
        last = ids[-1]
        if progress:
            progress(run.meetings, total)


def _reminder_registrations(meeting_ids):
    return Registration.objects.filter(
        meeting_id__in=meeting_ids, status=Registration.Status.REGISTERED
    )


def _reminder_people(meeting_ids):
    """Everyone registered for these meetings, once for each meeting (reminder_meeting),
    with what a reminder reads of them: their address, name and time zone, and whether
    they take reminders (accounts.outbox.render; the test of the scan's queries would
    see a read of anything else, one query a person)."""
    return (
        User.objects.filter(
            registrations__meeting_id__in=meeting_ids,
            registrations__status=Registration.Status.REGISTERED,
        )
        .annotate(reminder_meeting=F("registrations__meeting_id"))
        .only("email", "name", "timezone", "is_active", "meeting_reminders")
        .order_by("registrations__pk")
    )


@transaction.atomic
def reminders_queue_many(*, meetings):
    """The reminders of these meetings (a queryset), whatever their number, with a fixed
    number of queries (the outbox stores them all at once: accounts.outbox.bulk): one per
    registered person for the meeting's start time, with the .ics attached, drawn once per
    meeting and time zone. Each
    meeting is locked, and marked as reminded for its start time (so that the scan finds it
    no more) in the transaction that stores its reminders. Safe to call again: the outbox
    keeps one per (person, purpose). Returns (meetings, reminders queued)."""
    locked = list(
        meetings.select_related("community", "network")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if not locked:
        return 0, 0
    registered = {}
    for person in _reminder_people([m.pk for m in locked]):
        registered.setdefault(person.reminder_meeting, []).append(person)
    queued = email_queue_mailings(
        mailings=[_reminder(meeting, registered.get(meeting.pk, [])) for meeting in locked],
        template="meeting_reminder",
        preference="meeting_reminders",
    )
    # Each row is locked: its start time is the one the reminders were drawn for.
    Meeting.objects.filter(pk__in=[m.pk for m in locked]).update(reminded_for=F("starts_at"))
    return len(locked), queued


def _reminder(meeting, recipients):
    """A meeting's reminder to these people: the same message to each, in their time zone."""
    ics = meeting_ics(meeting, with_joining_link=True)
    return Mailing(
        recipients=recipients,
        context={"meeting": meeting, "meeting_url": site_url("meetings:detail", meeting.pk)},
        purpose=f"meeting-reminder:{meeting.pk}:{meeting.starts_at.isoformat()}",
        attachments=[{"filename": "meeting.ics", "content": ics, "mimetype": "text/calendar"}],
    )


def reminders_queue(*, meeting):
    """One meeting's reminders, due or not (reminders_queue_many). Returns how many."""
    return reminders_queue_many(meetings=Meeting.objects.filter(pk=meeting.pk))[1]


# --- calendar feeds -------------------------------------------------------------------------------


def calendar_feed_get(*, user):
    feed, _ = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


@transaction.atomic
def calendar_feed_reset(*, user, include_community_meetings=None):
    feed = calendar_feed_get(user=user)
    feed.token = secrets.token_urlsafe(32)
    if include_community_meetings is not None:
        feed.include_community_meetings = include_community_meetings
    feed.save()
    audit_log(actor=user, action="calendar.reset", target=user)
    return feed


@transaction.atomic
def calendar_feed_settings(*, user, include_community_meetings):
    feed = calendar_feed_get(user=user)
    feed.include_community_meetings = include_community_meetings
    feed.save(update_fields=["include_community_meetings"])
    return feed
