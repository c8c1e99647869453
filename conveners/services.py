"""Every write of the leadership programme, with its rules: the application window, one
application per person, a sponsor who confirms once, offers within the cohort size, the
waiting list taking a declined place."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.outbox.delivery import email_queue, email_queue_rendered
from conveners.models import (
    Application,
    JournalEntry,
    LeadershipProgramme,
    ProgrammeSession,
    Review,
)
from core.http import site_url
from core.services import audit_log
from meetings.models import Meeting, Registration
from meetings.services import meeting_schedule

SPONSOR_SALT = "conveners.sponsor"
TAKEN = (Application.Status.OFFERED, Application.Status.ACCEPTED)
APPLICATION_FIELDS = (
    "community",
    "proposed_domain",
    "motivation",
    "hopes",
    "region",
    "profession",
    "organisation",
    "sponsor_name",
    "sponsor_role",
    "sponsor_email",
    "commitment",
)


class ProgrammeError(ValidationError):
    """A rule of the programme said no; the message says why."""


def _audit(actor, action, programme, **data):
    return audit_log(actor=actor, action=action, target=programme, data=data)


@transaction.atomic
def programme_create(*, actor, **fields):
    programme = LeadershipProgramme(created_by=actor, **fields)
    programme.full_clean()
    programme.save()
    _audit(actor, "programme.create", programme)
    return programme


@transaction.atomic
def session_add(
    *,
    programme,
    actor,
    kind,
    title,
    starts_at,
    ends_at,
    venue="",
    joining_link="",
    format="in-person",
):
    meeting = meeting_schedule(
        actor=actor,
        network=programme.network,
        announce=False,
        kind=Meeting.Kind.PROGRAMME,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        joining_link=joining_link,
        format=format,
        visibility=Meeting.Visibility.MEMBERS,
    )
    session = ProgrammeSession.objects.create(programme=programme, meeting=meeting, kind=kind)
    for application in programme.applications.filter(
        status=Application.Status.ACCEPTED
    ).select_related("applicant"):
        Registration.objects.get_or_create(meeting=meeting, user=application.applicant)
    _audit(actor, "programme.session", programme, title=title)
    return session


def _check_window(programme):
    today = timezone.localdate()
    if today < programme.applications_open:
        raise ProgrammeError(f"Applications open on {programme.applications_open:%-d %B %Y}")
    if today > programme.applications_close:
        raise ProgrammeError(f"Applications closed on {programme.applications_close:%-d %B %Y}")


@transaction.atomic
def application_save(*, programme, applicant, **fields):
    """Create or update the person's one application, as a draft or while submitted."""
    _check_window(programme)
    application, created = Application.objects.select_for_update().get_or_create(
        programme=programme, applicant=applicant
    )
    if application.status not in (Application.Status.DRAFT, Application.Status.SUBMITTED):
        raise ProgrammeError("This application has been decided on: it can no longer be changed")
    sponsor_changed = (
        fields.get("sponsor_email", application.sponsor_email).lower()
        != application.sponsor_email.lower()
    )
    for field in APPLICATION_FIELDS:
        if field in fields:
            setattr(application, field, fields[field])
    if sponsor_changed:
        application.sponsor_confirmed_at = None
    application.save()
    if application.status == Application.Status.SUBMITTED and sponsor_changed:
        _ask_sponsor(application)
    _audit(
        applicant,
        "application.save" if not created else "application.create",
        programme,
        application=application.pk,
    )
    return application


def _required_for_submission(application):
    missing = {}
    if not application.community_id and not application.proposed_domain.strip():
        missing["community"] = (
            "Choose the community you convene, or describe the one you want to start"
        )
    for field, message in [
        ("motivation", "Say why you want to take part"),
        ("sponsor_name", "Enter your sponsor's name"),
        ("sponsor_role", "Enter your sponsor's role"),
        ("sponsor_email", "Enter your sponsor's e-mail address"),
    ]:
        if not getattr(application, field).strip():
            missing[field] = message
    if not application.commitment:
        missing["commitment"] = "Tick to confirm the commitment to convene the meetings"
    return missing


@transaction.atomic
def application_submit(*, application):
    application = (
        Application.objects.select_for_update()
        .select_related("programme", "applicant")
        .get(pk=application.pk)
    )
    _check_window(application.programme)
    if application.status == Application.Status.SUBMITTED:
        return application
    if application.status != Application.Status.DRAFT:
        raise ProgrammeError("This application has already been decided on")
    missing = _required_for_submission(application)
    if missing:
        raise ProgrammeError(missing)
    application.status, application.submitted_at = Application.Status.SUBMITTED, timezone.now()
    application.save()
    _audit(
        application.applicant,
        "application.submit",
        application.programme,
        application=application.pk,
    )
    _tell_applicant(
        application,
        purpose=f"application-received:{application.pk}",
        template="application_received",
        page="conveners:apply",
    )
    _ask_sponsor(application)
    return application


def sponsor_token(application):
    return signing.dumps(
        {"a": application.pk, "e": application.sponsor_email.lower()}, salt=SPONSOR_SALT
    )


def _ask_sponsor(application):
    context = {
        "application": application,
        "programme": application.programme,
        "confirm_url": site_url("conveners:sponsor", sponsor_token(application)),
        "site_name": settings.SITE_NAME,
    }
    email_queue_rendered(
        to_address=application.sponsor_email,
        purpose=f"sponsor-request:{application.pk}:{application.sponsor_email.lower()}",
        subject=f"Please confirm your support for {application.applicant.name}",
        text=render_to_string("emails/sponsor_request.txt", context),
        html=render_to_string("emails/sponsor_request.html", context),
    )


def sponsor_application(token):
    """The application a sponsor link is for, or raise ProgrammeError."""
    try:
        data = signing.loads(token, salt=SPONSOR_SALT)
        application = Application.objects.select_related("programme", "applicant").get(pk=data["a"])
    except (signing.BadSignature, Application.DoesNotExist, KeyError, TypeError) as exc:
        raise ProgrammeError(
            "This confirmation link does not work. Ask the applicant to check the address they gave"
        ) from exc
    if application.sponsor_email.lower() != data["e"]:
        raise ProgrammeError(
            "The applicant has since named another sponsor: this link no longer applies"
        )
    return application


@transaction.atomic
def sponsor_confirm(*, token):
    """Returns (application, newly_confirmed)."""
    application = sponsor_application(token)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.sponsor_confirmed_at:
        return application, False
    application.sponsor_confirmed_at = timezone.now()
    application.save(update_fields=["sponsor_confirmed_at", "updated_at"])
    _audit(None, "application.sponsor_confirmed", application.programme, application=application.pk)
    return application, True


@transaction.atomic
def application_withdraw(*, application):
    if application.status in (
        Application.Status.WITHDRAWN,
        Application.Status.REJECTED,
        Application.Status.DECLINED,
    ):
        return application
    was_taking_a_place = application.status in TAKEN
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    _audit(
        application.applicant,
        "application.withdraw",
        application.programme,
        application=application.pk,
    )
    if was_taking_a_place:
        _offer_next(application.programme, actor=None)
    return application


@transaction.atomic
def review_save(*, application, reviewer, scores, note=""):
    criteria = application.programme.criteria_list()
    if set(scores) != set(criteria) or any(not 1 <= int(v) <= 5 for v in scores.values()):
        raise ProgrammeError("Score every criterion from 1 to 5")
    review, _ = Review.objects.update_or_create(
        application=application,
        reviewer=reviewer,
        defaults={"scores": {k: int(v) for k, v in scores.items()}, "note": note},
    )
    _audit(reviewer, "application.review", application.programme, application=application.pk)
    return review


def _tell_applicant(application, *, purpose, template, page):
    """E-mail the applicant about their application (always sent), with a link to `page`
    (a URL name) of the programme."""
    email_queue(
        recipient=application.applicant,
        purpose=purpose,
        template=template,
        context={
            "application": application,
            "programme": application.programme,
            "url": site_url(page, application.programme.slug),
        },
        transactional=True,
    )


def _tell_outcome(application):
    _tell_applicant(
        application,
        purpose=f"application-outcome:{application.pk}:{application.status}:{application.decided_at.isoformat()}",
        template="application_outcome",
        page="conveners:offer",
    )


@transaction.atomic
def application_decide(*, application, actor, decision):
    """shortlist, waitlist, reject or offer. An offer never takes the cohort beyond its size."""
    # Lock the programme: two managers offering the last place at once must not both succeed.
    programme = LeadershipProgramme.objects.select_for_update().get(pk=application.programme_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    status = {
        "shortlist": Application.Status.SHORTLISTED,
        "waitlist": Application.Status.WAITLISTED,
        "reject": Application.Status.REJECTED,
        "offer": Application.Status.OFFERED,
    }[decision]
    if application.status == status:
        return application
    if application.status in (
        Application.Status.DRAFT,
        Application.Status.WITHDRAWN,
        Application.Status.ACCEPTED,
        Application.Status.DECLINED,
    ):
        raise ProgrammeError(
            f"This application is {application.get_status_display().lower()}: it cannot be {decision}ed"
        )
    if status == Application.Status.OFFERED:
        taken = programme.applications.filter(status__in=TAKEN).count()
        if taken >= programme.cohort_size:
            raise ProgrammeError(
                f"The cohort is full ({programme.cohort_size} places offered or accepted). Waitlist this application: "
                "it will be offered a place if someone declines"
            )
    application.status, application.decided_at = status, timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    _audit(actor, f"application.{decision}", programme, application=application.pk)
    if status != Application.Status.SHORTLISTED:
        _tell_outcome(application)
    return application


def _offer_next(programme, *, actor):
    programme = LeadershipProgramme.objects.select_for_update().get(pk=programme.pk)
    if programme.applications.filter(status__in=TAKEN).count() >= programme.cohort_size:
        return None
    following = (
        programme.applications.filter(status=Application.Status.WAITLISTED)
        .order_by("decided_at", "pk")
        .first()
    )
    if following is None:
        return None
    return application_decide(application=following, actor=actor, decision="offer")


@transaction.atomic
def offer_answer(*, application, accept):
    application = (
        Application.objects.select_for_update()
        .select_related("programme", "applicant")
        .get(pk=application.pk)
    )
    if application.status == (
        Application.Status.ACCEPTED if accept else Application.Status.DECLINED
    ):
        return application
    if application.status != Application.Status.OFFERED:
        raise ProgrammeError("There is no offer waiting for an answer on this application")
    application.status = Application.Status.ACCEPTED if accept else Application.Status.DECLINED
    application.save(update_fields=["status", "updated_at"])
    _audit(
        application.applicant,
        "application.accept" if accept else "application.decline",
        application.programme,
        application=application.pk,
    )
    if accept:
        for session in application.programme.sessions.select_related("meeting"):
            if session.meeting.starts_at > timezone.now():
                Registration.objects.update_or_create(
                    meeting=session.meeting,
                    user=application.applicant,
                    defaults={"status": Registration.Status.REGISTERED},
                )
    else:
        _offer_next(application.programme, actor=None)
    return application


@transaction.atomic
def journal_add(*, application, title, body, shared_with_managers=False):
    if not application.is_participant:
        raise ProgrammeError("The journal opens when you join the programme")
    entry = JournalEntry.objects.create(
        application=application, title=title, body=body, shared_with_managers=shared_with_managers
    )
    return entry


@transaction.atomic
def journal_share(*, entry, shared):
    entry.shared_with_managers = shared
    entry.save(update_fields=["shared_with_managers"])
    return entry


@transaction.atomic
def journal_publish_story(*, entry, community):
    """Publish a journal entry as a story in the community's library (members only)."""
    from knowledge.services import KnowledgeError, story_create

    try:
        story = story_create(
            author=entry.application.applicant,
            community=community,
            title=entry.title,
            what_happened=entry.body,
        )
    except KnowledgeError as exc:
        raise ProgrammeError({"community": exc.messages}) from exc
    return story


@transaction.atomic
def completion_mark(*, application, actor, completed, trains_others):
    if not application.is_participant:
        raise ProgrammeError("Only participants can complete the programme")
    application.completed, application.trains_others = completed, trains_others
    application.save(update_fields=["completed", "trains_others", "updated_at"])
    _audit(
        actor,
        "application.completion",
        application.programme,
        application=application.pk,
        completed=completed,
    )
    return application
