"""What surveys register with the apps below at start-up (EvaluationConfig.ready())."""

from accounts.notifications.registry import NotificationKind

SURVEY = NotificationKind("survey", "A survey asks for your answers", "survey_invitation")


def newcomer_baseline(sender, membership, **kwargs):
    """communities.services.membership_started: a newcomer is asked the open baselines of
    the community they joined."""
    from evaluation.surveys.services import newcomer_ask

    newcomer_ask(membership=membership)


def ready():
    from accounts.notifications.registry import register as register_kind
    from accounts.personal_data import register
    from communities.services import membership_started
    from evaluation.surveys import personal_data, tasks  # noqa: F401 (the tasks, for Celery)

    register_kind(SURVEY)
    register(name="surveys", export=personal_data.export, erase=personal_data.erase)
    membership_started.connect(newcomer_baseline, dispatch_uid="evaluation-newcomer-baseline")
