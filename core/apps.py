from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        if settings.DATABASE_REPLICAS:
            # A Celery task's writes keep its own reads on the primary (core/replicas.py).
            from core import replicas

            replicas.connect_task_signals()
