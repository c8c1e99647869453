from django.urls import path

from knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/search/", views.search, name="search"),
    path("library/new/", views.resource_create, name="resource_create"),
    path("library/resources/<int:pk>/", views.resource_detail, name="resource"),
    path("library/resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
    path("library/resources/<int:pk>/delete/", views.resource_delete, name="resource_delete"),
    path("library/resources/<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("library/resources/<int:pk>/download/", views.download, name="download"),
    path(
        "library/resources/<int:pk>/versions/<int:number>/download/",
        views.version_download,
        name="version_download",
    ),
    path("library/resources/<int:pk>/adopt/", views.adopt, name="adopt"),
    path("library/resources/<int:pk>/useful/", views.useful, name="useful"),
    path("library/resources/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("library/resources/<int:pk>/hide/", views.resource_hide, name="resource_hide"),
    path(
        "library/resources/<int:pk>/take-over/",
        views.resource_take_over,
        name="resource_take_over",
    ),
    path(
        "library/resources/<int:pk>/comments/<int:comment_pk>/hide/",
        views.comment_hide,
        name="comment_hide",
    ),
    path(
        "library/resources/<int:pk>/comments/<int:comment_pk>/report/",
        views.comment_report,
        name="comment_report",
    ),
    path("library/stories/", views.story_list, name="stories"),
    path("library/stories/<int:pk>/", views.story_detail, name="story"),
    path("library/stories/<int:pk>/report/", views.story_report, name="story_report"),
    path("library/stories/<int:pk>/hide/", views.story_hide, name="story_hide"),
    path("library/stories/<int:pk>/show/", views.story_unhide, name="story_unhide"),
    path("communities/<slug:slug>/library/", views.community_library, name="community_library"),
    path("communities/<slug:slug>/stories/new/", views.story_create, name="story_create"),
]
