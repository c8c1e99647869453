from celery import shared_task

from core.queue import RETRY_TRANSIENT
from evaluation.surveys.invitations import invitations_send, reminders_send
from evaluation.surveys.models import Survey


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def send_invitations_task(survey_id, user_ids=None):
    """Invite the audience of an opened survey (or the newcomers of `user_ids`): run it
    again and nobody is told twice."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is not None:
        invitations_send(survey=survey, user_ids=user_ids)


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def send_reminders_task(survey_id):
    """Remind those who have not answered: each once, however often it runs."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is not None:
        reminders_send(survey=survey)
