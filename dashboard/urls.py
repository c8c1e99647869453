from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.programme_dashboard, name="programme"),
    # The dashboard's tables as downloads (dashboard/exports.py TABLES).
    path(
        "dashboard/export/communities/",
        views.programme_export,
        {"table": "communities"},
        name="export_communities",
    ),
    path(
        "dashboard/export/trends/",
        views.programme_export,
        {"table": "trends"},
        name="export_trends",
    ),
    path(
        "dashboard/export/spread/",
        views.programme_export,
        {"table": "spread"},
        name="export_spread",
    ),
    path(
        "dashboard/export/programmes/",
        views.programme_export,
        {"table": "programmes"},
        name="export_programmes",
    ),
]
