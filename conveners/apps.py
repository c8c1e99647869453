from django.apps import AppConfig


class ConvenersConfig(AppConfig):
    name = "conveners"

    def ready(self):
        from accounts.personal_data import register_module
        from conveners import personal_data

        register_module("conveners", personal_data)
