from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self):
        from allauth.account.signals import email_confirmed, user_signed_up

        from accounts.notifications.registry import register as register_notifications
        from accounts.personal_data import register_module
        from communities import extensions
        from communities.services import community_archived, register_transfers
        from meetings import guest_receivers, notifications, personal_data, receivers
        from meetings.panels import community_meetings_panel, network_events_panel

        register_notifications(*notifications.KINDS)
        register_module("meetings", personal_data)
        extensions.register_tab(
            extensions.Tab(
                "meetings", "Meetings", "meetings:community_list", members_only=False, order=10
            )
        )
        extensions.register_panel(community_meetings_panel, order=10)
        extensions.register_network_panel(network_events_panel, order=10)
        community_archived.connect(
            receivers.cancel_future_meetings, dispatch_uid="meetings-archive"
        )
        register_transfers(
            "meetings", merge=receivers.merge_meetings, split=receivers.split_meetings
        )
        extensions.register_holding(
            extensions.Holding(
                "meetings",
                "future meetings",
                "future meeting",
                receivers.future_meetings_count,
                receivers.future_meetings_choices,
                order=10,
            ),
            extensions.Holding(
                "actions",
                "open action points",
                "open action point",
                receivers.open_actions_count,
                order=30,
            ),
        )
        email_confirmed.connect(
            guest_receivers.claim_on_email_confirmed, dispatch_uid="meetings-guest-confirm"
        )
        user_signed_up.connect(
            guest_receivers.claim_on_sign_up, dispatch_uid="meetings-guest-sign-up"
        )
