"""What surveys register with the apps below at start-up (EvaluationConfig.ready())."""

from accounts.notifications.registry import NotificationKind

SURVEY = NotificationKind("survey", "A survey asks for your answers", "survey_invitation")


def ready():
    from accounts.notifications.registry import register as register_kind
    from accounts.personal_data import register
    from evaluation.surveys import personal_data, tasks  # noqa: F401 (the tasks, for Celery)

    register_kind(SURVEY)
    register(name="surveys", export=personal_data.export, erase=personal_data.erase)
