from django.apps import AppConfig


class ConvenersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conveners"
