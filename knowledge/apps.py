from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"

    def ready(self):
        from accounts.personal_data import register_module
        from communities import extensions
        from communities.moderation.registry import register as register_moderation
        from communities.services import register_transfers
        from knowledge import moderation, personal_data, receivers
        from knowledge.panels import community_library_panel
        from knowledge.selectors import resources_open_to

        register_module("knowledge", personal_data)
        extensions.register_tab(
            extensions.Tab(
                "library", "Library", "knowledge:community_library", members_only=False, order=20
            )
        )
        extensions.register_panel(community_library_panel, order=20)
        extensions.register_topic_source(resources_open_to)
        register_moderation(moderation.STORY, moderation.COMMENT)
        register_transfers(
            "knowledge", merge=receivers.merge_library, split=receivers.split_library
        )
        extensions.register_holding(
            extensions.titled_rows(
                "resources", "resources", "resource", receivers.resources_of, order=20
            )
        )
