from django.urls import path

from evaluation.report import views

COMMUNITY, NETWORK = {"kind": "community"}, {"kind": "network"}

urlpatterns = [
    path("evaluation/reports/", views.report_index, name="report_index"),
    path(
        "evaluation/reports/communities/<slug:slug>/",
        views.report_page,
        COMMUNITY,
        name="report_community",
    ),
    path(
        "evaluation/reports/communities/<slug:slug>/report.pdf",
        views.report_pdf,
        COMMUNITY,
        name="report_community_pdf",
    ),
    path(
        "evaluation/reports/networks/<slug:slug>/",
        views.report_page,
        NETWORK,
        name="report_network",
    ),
    path(
        "evaluation/reports/networks/<slug:slug>/report.pdf",
        views.report_pdf,
        NETWORK,
        name="report_network_pdf",
    ),
]
