from django.urls import path

from evaluation.network import views

urlpatterns = [
    path("evaluation/network-maps/", views.network_maps, name="network_maps"),
    path("evaluation/network-maps/<slug:slug>/", views.network_map, name="network_map"),
    path(
        "evaluation/network-maps/<slug:slug>/map.graphml",
        views.network_map_graphml,
        name="network_map_graphml",
    ),
    path(
        "evaluation/network-maps/<slug:slug>/edges.csv",
        views.network_map_csv,
        name="network_map_csv",
    ),
]
