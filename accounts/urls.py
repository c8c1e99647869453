from django.urls import path

from accounts import views
from accounts.inbound import views as inbound_views
from accounts.notifications.urls import urlpatterns as notification_urls

app_name = "accounts"
urlpatterns = [
    path("accounts/settings/", views.account_overview, name="overview"),
    path("accounts/settings/profile/", views.profile_edit, name="profile"),
    path("accounts/settings/preferences/", views.preferences_edit, name="preferences"),
    path("accounts/settings/data/", views.personal_data, name="personal_data"),
    path("accounts/settings/close/", views.account_delete, name="delete"),
    path("accounts/settings/sign-ins/remove/", views.sign_in_remove, name="sign_in_remove"),
    path("accounts/sso/existing-account/", views.sso_existing_account, name="sso_existing_account"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("inbound/mailgun/", inbound_views.webhook, name="inbound_webhook"),
    path("accounts/replies/<int:pk>/", inbound_views.held_reply, name="held_reply"),
    path(
        "accounts/replies/<int:pk>/discard/",
        inbound_views.held_reply_discard,
        name="held_reply_discard",
    ),
    *notification_urls,
]
