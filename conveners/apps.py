from django.apps import AppConfig


class ConvenersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conveners"

    def ready(self):
        from accounts.personal_data import register
        from conveners import personal_data

        register(name="conveners", export=personal_data.export, erase=personal_data.erase)
