from django.urls import path

from evaluation.value import views

COMMUNITY, NETWORK = {"of": "community"}, {"of": "network"}

urlpatterns = [
    path("value/", views.value_index, name="value_index"),
    path("value/stories/<int:pk>/tag/", views.story_tag_new, name="value_story_tag"),
    path("value/journal/<int:pk>/", views.entry_value, name="value_entry"),
    path("value/journal/<int:pk>/tag/", views.entry_tag_new, name="value_entry_tag"),
    path("value/tags/<int:pk>/edit/", views.tag_edit, name="value_tag_edit"),
    path("value/tags/<int:pk>/remove/", views.tag_remove, name="value_tag_remove"),
    # The evidence gap of a community, of a network (views.GAP_OF), and their exports.
    path("value/communities/<slug:slug>/", views.gap_page, COMMUNITY, name="value_community"),
    path(
        "value/communities/<slug:slug>/export.csv",
        views.gap_export,
        COMMUNITY,
        name="value_community_export",
    ),
    path("value/networks/<slug:slug>/", views.gap_page, NETWORK, name="value_network"),
    path(
        "value/networks/<slug:slug>/export.csv",
        views.gap_export,
        NETWORK,
        name="value_network_export",
    ),
]
