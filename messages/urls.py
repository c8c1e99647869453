from django.urls import path

from messages import views

app_name = "member_messages"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/settings/", views.settings_page, name="settings"),
    path("messages/to/<int:person_pk>/", views.start, name="start"),
    path("messages/<int:pk>/", views.conversation, name="conversation"),
    path("messages/<int:pk>/files/<int:file_pk>/", views.attachment, name="attachment"),
    path("messages/<int:pk>/mute/", views.mute, name="mute"),
    path("messages/<int:pk>/report/", views.report, name="report"),
    path("messages/people/<int:person_pk>/block/", views.block, name="block"),
    path("messages/people/<int:person_pk>/unblock/", views.unblock, name="unblock"),
    path("messages/reports/", views.reports, name="reports"),
    path("messages/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("messages/reports/<int:pk>/close/", views.report_close, name="report_close"),
]
