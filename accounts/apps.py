from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import signals  # noqa: F401 - connects the sign-in audit receivers
        from accounts.notifications import signals as _  # noqa: F401 - the bell at sign-in
        from accounts.retention import sweep_rows_ensure

        post_migrate.connect(sweep_rows_ensure, sender=self)
