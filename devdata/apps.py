from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo and scale data and their commands (`seed_demo`, `seed_scale`): development
    only. Installed outside production (settings decide); it may import every app, and no
    app imports it."""

    name = "devdata"
    verbose_name = "development data"
