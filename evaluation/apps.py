from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    """Showing the value a community creates: surveys, value-creation stories and the map of
    how a network's communities hold together."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluation"
