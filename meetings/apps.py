from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"

    def ready(self):
        from accounts.notifications.registry import register as register_kind
        from meetings.notifications import KINDS

        for kind in KINDS:
            register_kind(kind)
        from accounts.personal_data import register
        from meetings import personal_data

        register(name="meetings", export=personal_data.export, erase=personal_data.erase)
        from communities.extensions import Tab, register_network_panel, register_panel, register_tab
        from meetings.panels import community_meetings_panel, network_events_panel

        register_tab(
            Tab(
                key="meetings",
                label="Meetings",
                url_name="meetings:community_list",
                members_only=False,
                order=10,
            )
        )
        register_panel(community_meetings_panel, order=10)
        from communities.extensions import Holding, register_holding
        from communities.services import community_archived, community_merging, community_splitting
        from meetings import receivers

        community_archived.connect(
            receivers.cancel_future_meetings, dispatch_uid="meetings-archive"
        )
        community_merging.connect(receivers.merge_meetings, dispatch_uid="meetings-merge")
        community_splitting.connect(receivers.split_meetings, dispatch_uid="meetings-split")
        register_holding(
            Holding(
                key="meetings",
                label="future meetings",
                singular="future meeting",
                count=receivers.future_meetings_count,
                choices=receivers.future_meetings_choices,
                order=10,
            )
        )
        register_holding(
            Holding(
                key="actions",
                label="open action points",
                singular="open action point",
                count=receivers.open_actions_count,
                order=30,
            )
        )
        register_network_panel(network_events_panel, order=10)
        from allauth.account.signals import email_confirmed, user_signed_up

        from meetings.guest_receivers import claim_on_email_confirmed, claim_on_sign_up

        email_confirmed.connect(claim_on_email_confirmed, dispatch_uid="meetings-guest-confirm")
        user_signed_up.connect(claim_on_sign_up, dispatch_uid="meetings-guest-sign-up")
