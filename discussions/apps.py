from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "discussions"

    def ready(self):
        from accounts.personal_data import register
        from discussions import personal_data

        register(
            name="discussions",
            export=personal_data.export,
            files=personal_data.files,
            erase=personal_data.erase,
        )
        from communities.extensions import Tab, register_tab

        register_tab(
            Tab(
                key="discussions",
                label="Discussions",
                url_name="discussions:list",
                members_only=True,
                order=15,
            )
        )
        from communities.extensions import Holding, register_holding
        from communities.services import community_merging, community_splitting
        from discussions import receivers

        community_merging.connect(receivers.merge_discussions, dispatch_uid="discussions-merge")
        community_splitting.connect(receivers.split_discussions, dispatch_uid="discussions-split")
        register_holding(
            Holding(
                key="discussions",
                label="discussions",
                singular="discussion",
                count=receivers.discussions_count,
                choices=receivers.discussions_choices,
                order=25,
            )
        )
        from discussions.moderation import register_kinds

        register_kinds()
        from discussions.notifications import register_kinds as register_notification_kinds

        register_notification_kinds()
        from discussions import inbound

        inbound.register()
