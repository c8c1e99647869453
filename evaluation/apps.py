from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    """Showing the value a community creates: surveys, value-creation stories and the map of
    how a network's communities hold together."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluation"

    def ready(self):
        from accounts.personal_data import register
        from evaluation.value import personal_data as value_personal_data

        register(name="evaluation_value", export=value_personal_data.export)
        from evaluation.surveys import setup

        setup.ready()
        from evaluation.network import caching

        caching.connect()
