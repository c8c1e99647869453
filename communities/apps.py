from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "communities"

    def ready(self):
        from accounts.notifications.registry import register as register_kind
        from communities.notifications import KINDS

        for kind in KINDS:
            register_kind(kind)
        from accounts.personal_data import register
        from communities import personal_data, signals  # noqa: F401 (connects the receivers)

        register(name="communities", export=personal_data.export, erase=personal_data.erase)
        from communities.extensions import register_topic_source
        from communities.selectors import communities_open_to

        register_topic_source(communities_open_to)
