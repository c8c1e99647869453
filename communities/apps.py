from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"

    def ready(self):
        from accounts.notifications.registry import register as register_notifications
        from accounts.personal_data import register_module
        from communities import personal_data, signals  # noqa: F401 (connects the receivers)
        from communities.extensions import register_topic_source
        from communities.notifications import KINDS
        from communities.selectors import communities_open_to

        register_notifications(*KINDS)
        register_module("communities", personal_data)
        register_topic_source(communities_open_to)
