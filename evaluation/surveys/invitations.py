"""Telling the audience of an open survey: the invitation, and the one reminder. Each
person is told once per event (the notification centre's dedupe key), however often it
runs. Run by the tasks (evaluation.surveys.tasks) after a service opened or reminded."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications.services import notify
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
    )


@transaction.atomic
def invitations_send(*, survey):
    """Invite every respondent, each exactly once (the centre's dedupe key), however often
    it runs. Returns how many were told now."""
    survey = Survey.objects.get(pk=survey.pk)
    if survey.status != Survey.Status.OPEN:
        return 0
    told = _tell(
        survey,
        survey.respondents.all(),
        dedupe=f"survey:{survey.pk}:invite",
        text=f"Please answer the survey: {survey.title}",
    )
    survey.respondents.filter(invited_at__isnull=True).update(invited_at=timezone.now())
    return told


@transaction.atomic
def reminders_send(*, survey):
    survey = Survey.objects.get(pk=survey.pk)
    if survey.status != Survey.Status.OPEN:
        return 0
    return _tell(
        survey,
        survey.respondents.filter(done=False),
        dedupe=f"survey:{survey.pk}:reminder",
        text=f"A reminder: your answers to {survey.title} are still welcome",
    )
