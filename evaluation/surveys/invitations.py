"""Telling the audience of an open survey: the invitation, and the one reminder. Each
person is told once per event (the notification centre's dedupe key), however often it
runs. Run by the tasks (evaluation.surveys.tasks) after a service opened or reminded, or
asked a newcomer. The e-mail says who will read the answers and whether they carry the
person's name (notices)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications.services import notify
from evaluation.surveys import notices
from evaluation.surveys.models import Survey

KIND = "survey"


def _tell(survey, respondents, *, dedupe, text):
    people = User.objects.filter(pk__in=respondents.values("user_id"))
    return notify(
        recipients=list(people),
        kind=KIND,
        dedupe=dedupe,
        group_key=f"survey:{survey.pk}",
        group_title=survey.title,
        text=text,
        url=reverse("evaluation:survey_answer", args=[survey.pk]),
        email_context={
            "readers": notices.readers(survey),
            "anonymity": notices.anonymity(survey),
        },
    )


def _open(survey):
    survey = Survey.objects.select_related("network", "created_by").get(pk=survey.pk)
    return survey if survey.status == Survey.Status.OPEN else None


@transaction.atomic
def invitations_send(*, survey, user_ids=None):
    """Invite every respondent (or those of `user_ids`), each exactly once (the centre's
    dedupe key), however often it runs. Returns how many were told now."""
    survey = _open(survey)
    if survey is None:
        return 0
    respondents = survey.respondents.all()
    if user_ids is not None:
        respondents = respondents.filter(user_id__in=user_ids)
    told = _tell(
        survey,
        respondents,
        dedupe=f"survey:{survey.pk}:invite",
        text=f"Please answer the survey: {survey.title}",
    )
    respondents.filter(invited_at__isnull=True).update(invited_at=timezone.now())
    return told


@transaction.atomic
def reminders_send(*, survey):
    survey = _open(survey)
    if survey is None:
        return 0
    return _tell(
        survey,
        survey.respondents.filter(done=False),
        dedupe=f"survey:{survey.pk}:reminder",
        text=f"A reminder: your answers to {survey.title} are still welcome",
    )
