from django.apps import AppConfig


class MemberMessagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messages"
    # "messages" is django.contrib.messages' label.
    label = "member_messages"
    verbose_name = "Private messages"

    def ready(self):
        from accounts.notifications.registry import NotificationKind, register
        from accounts.personal_data import register as register_personal_data
        from communities.extensions import register_person_action
        from messages import personal_data
        from messages.selectors import person_action

        register(
            NotificationKind(
                key="message",
                label="Private messages",
                email_template="message_received",
                default="immediate",
            )
        )
        register_personal_data(
            name="messages",
            export=personal_data.export,
            files=personal_data.files,
            erase=personal_data.erase,
        )
        register_person_action(person_action)
        from messages import inbound

        inbound.register()
