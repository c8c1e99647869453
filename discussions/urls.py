from django.urls import path

from discussions import views

app_name = "discussions"

urlpatterns = [
    path("discussions/search/", views.discussion_search, name="search"),
    path("communities/<slug:slug>/discussions/", views.discussion_list, name="list"),
    path("communities/<slug:slug>/discussions/new/", views.discussion_create, name="create"),
    path("communities/<slug:slug>/discussions/people/", views.people, name="people"),
    path(
        "communities/<slug:slug>/discussions/ground-rules/",
        views.ground_rules,
        name="ground_rules",
    ),
    path("discussions/<int:pk>/", views.discussion_detail, name="detail"),
    path("discussions/<int:pk>/edit/", views.discussion_edit, name="edit"),
    path("discussions/<int:pk>/history/", views.history, name="history"),
    path("discussions/<int:pk>/document/", views.attachment, name="attachment"),
    path("discussions/<int:pk>/reply/", views.reply_create, name="reply"),
    path("discussions/<int:pk>/follow/", views.follow, name="follow"),
    path("discussions/<int:pk>/pin/", views.pin, name="pin"),
    path("discussions/<int:pk>/close/", views.close, name="close"),
    path("discussions/<int:pk>/move/", views.move, name="move"),
    path("discussions/<int:pk>/report/", views.report, name="report"),
    path("discussions/<int:pk>/hide/", views.hide, name="hide"),
    path("discussions/<int:pk>/show/", views.unhide, name="unhide"),
    path("discussions/<int:pk>/replies/<int:reply_pk>/", views.reply_link, name="reply_link"),
    path("discussions/<int:pk>/replies/<int:reply_pk>/edit/", views.reply_edit, name="reply_edit"),
    path(
        "discussions/<int:pk>/replies/<int:reply_pk>/history/",
        views.reply_history,
        name="reply_history",
    ),
    path(
        "discussions/<int:pk>/replies/<int:reply_pk>/files/<int:file_pk>/",
        views.reply_attachment,
        name="reply_attachment",
    ),
    path("discussions/<int:pk>/replies/<int:reply_pk>/helpful/", views.helpful, name="helpful"),
    path("discussions/<int:pk>/replies/<int:reply_pk>/answer/", views.answer, name="answer"),
    path(
        "discussions/<int:pk>/replies/<int:reply_pk>/report/",
        views.reply_report,
        name="reply_report",
    ),
    path("discussions/<int:pk>/replies/<int:reply_pk>/hide/", views.reply_hide, name="reply_hide"),
    path(
        "discussions/<int:pk>/replies/<int:reply_pk>/show/",
        views.reply_unhide,
        name="reply_unhide",
    ),
]
