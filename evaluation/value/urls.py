from django.urls import path

from evaluation.value import views

urlpatterns = [
    path("value/", views.value_index, name="value_index"),
    path("value/stories/<int:pk>/tag/", views.story_tag_new, name="value_story_tag"),
    path("value/journal/<int:pk>/", views.entry_value, name="value_entry"),
    path("value/journal/<int:pk>/tag/", views.entry_tag_new, name="value_entry_tag"),
    path("value/tags/<int:pk>/edit/", views.tag_edit, name="value_tag_edit"),
    path("value/tags/<int:pk>/remove/", views.tag_remove, name="value_tag_remove"),
    path("value/communities/<slug:slug>/", views.community_gap, name="value_community"),
    path(
        "value/communities/<slug:slug>/export.csv",
        views.community_gap_export,
        name="value_community_export",
    ),
    path("value/networks/<slug:slug>/", views.network_gap, name="value_network"),
    path(
        "value/networks/<slug:slug>/export.csv",
        views.network_gap_export,
        name="value_network_export",
    ),
]
