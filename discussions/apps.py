from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self):
        from accounts.notifications.registry import register as register_notifications
        from accounts.personal_data import register_module
        from communities import extensions
        from communities.moderation.registry import register as register_moderation
        from communities.services import register_transfers
        from discussions import inbound, moderation, notifications, personal_data, receivers

        register_module("discussions", personal_data)
        extensions.register_tab(
            extensions.Tab("discussions", "Discussions", "discussions:list", order=15)
        )
        register_transfers(
            "discussions", merge=receivers.merge_discussions, split=receivers.split_discussions
        )
        extensions.register_holding(
            extensions.titled_rows(
                "discussions", "discussions", "discussion", receivers.discussions_of, order=25
            )
        )
        register_moderation(moderation.DISCUSSION, moderation.REPLY)
        register_notifications(*notifications.KINDS)
        inbound.register()
