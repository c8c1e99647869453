from django.urls import path

from communities import transform_views, views
from communities.moderation import views as moderation_views

app_name = "communities"
urlpatterns = [
    path("communities/", views.community_list, name="list"),
    path("communities/new/", views.community_create, name="create"),
    path("communities/<slug:slug>/", views.community_detail, name="detail"),
    path("communities/<slug:slug>/edit/", views.community_edit, name="edit"),
    path("communities/<slug:slug>/join/", views.community_join, name="join"),
    path("communities/<slug:slug>/leave/", views.community_leave, name="leave"),
    path("communities/<slug:slug>/members/", views.member_list, name="members"),
    path("communities/<slug:slug>/members/<int:pk>/", views.member_detail, name="member"),
    path(
        "communities/<slug:slug>/members/<int:pk>/manage/",
        views.member_manage,
        name="member_manage",
    ),
    path("communities/<slug:slug>/requests/", views.request_list, name="requests"),
    path("communities/<slug:slug>/requests/<int:pk>/", views.request_decide, name="request"),
    path("communities/<slug:slug>/invite/", views.invite, name="invite"),
    path("communities/<slug:slug>/needs-and-offers/", views.needs_offers, name="needs_offers"),
    path(
        "communities/<slug:slug>/needs-and-offers/mine/",
        views.needs_offers_mine,
        name="needs_offers_mine",
    ),
    path("communities/<slug:slug>/charter/", views.charter, name="charter"),
    path("communities/<slug:slug>/charter/edit/", views.charter_edit, name="charter_edit"),
    path(
        "communities/<slug:slug>/charter/<int:number>/",
        views.charter_version,
        name="charter_version",
    ),
    path("communities/<slug:slug>/phase/", views.phase_change, name="phase"),
    path("communities/<slug:slug>/transform/", transform_views.transform, name="transform"),
    path(
        "communities/<slug:slug>/transform/archive/",
        transform_views.transform_archive,
        name="transform_archive",
    ),
    path(
        "communities/<slug:slug>/transform/merge/",
        transform_views.transform_merge,
        name="transform_merge",
    ),
    path(
        "communities/<slug:slug>/transform/split/",
        transform_views.transform_split,
        name="transform_split",
    ),
    path("communities/<slug:slug>/activity/", views.activity, name="activity"),
    path("communities/<slug:slug>/reports/", moderation_views.queue, name="moderation"),
    path(
        "communities/<slug:slug>/reports/<int:pk>/dismiss/",
        moderation_views.dismiss,
        name="report_dismiss",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("networks/<slug:slug>/", views.network_detail, name="network"),
    path("people/<int:pk>/", views.person_detail, name="person"),
]
