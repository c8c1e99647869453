from django.urls import path

from meetings import views

app_name = "meetings"
urlpatterns = [
    path("communities/<slug:slug>/meetings/", views.community_list, name="community_list"),
    path("communities/<slug:slug>/meetings/new/", views.schedule, name="schedule"),
    path(
        "communities/<slug:slug>/meetings/series/new/",
        views.schedule_series,
        name="schedule_series",
    ),
    path("communities/<slug:slug>/meetings/past/new/", views.record_past, name="record_past"),
    path("communities/<slug:slug>/calendar.ics", views.community_feed, name="community_feed"),
    path(
        "networks/<slug:slug>/events/new/",
        views.schedule_network_event,
        name="schedule_network_event",
    ),
    path("meetings/<int:pk>/", views.detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.edit, name="edit"),
    path("meetings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("meetings/<int:pk>/register/", views.register, name="register"),
    path("meetings/<int:pk>/unregister/", views.unregister, name="unregister"),
    path("meetings/<int:pk>/series/register/", views.series_register, name="series_register"),
    path("meetings/<int:pk>/series/leave/", views.series_leave, name="series_leave"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/guests/new/", views.guest_new, name="guest_new"),
    path(
        "meetings/<int:pk>/guests/<int:guest_pk>/remove/",
        views.guest_remove,
        name="guest_remove",
    ),
    path("meetings/<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    path("meetings/<int:pk>/minutes/document/", views.minutes_document, name="minutes_document"),
    path("meetings/<int:pk>/meeting.ics", views.meeting_ics, name="ics"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("my/actions/", views.my_actions, name="my_actions"),
    path("my/meetings/attended/", views.attended, name="attended"),
    path("my/calendar/", views.calendar_settings, name="calendar"),
    path("calendar/<str:token>.ics", views.personal_feed, name="personal_feed"),
]
