from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge"

    def ready(self):
        from accounts.personal_data import register
        from knowledge import personal_data

        register(
            name="knowledge",
            export=personal_data.export,
            files=personal_data.files,
            erase=personal_data.erase,
        )
        from communities.extensions import Tab, register_panel, register_tab
        from knowledge.panels import community_library_panel

        register_tab(
            Tab(
                key="library",
                label="Library",
                url_name="knowledge:community_library",
                members_only=False,
                order=20,
            )
        )
        register_panel(community_library_panel, order=20)
        from communities.extensions import register_topic_source
        from knowledge.selectors import resources_open_to

        register_topic_source(resources_open_to)
        from knowledge.moderation import register_kinds

        register_kinds()
        from communities.extensions import Holding, register_holding
        from communities.services import community_merging, community_splitting
        from knowledge import receivers

        community_merging.connect(receivers.merge_library, dispatch_uid="knowledge-merge")
        community_splitting.connect(receivers.split_library, dispatch_uid="knowledge-split")
        register_holding(
            Holding(
                key="resources",
                label="resources",
                singular="resource",
                count=receivers.resources_count,
                choices=receivers.resources_choices,
                order=20,
            )
        )
