from django.urls import path

from conveners import views

app_name = "conveners"
urlpatterns = [
    path("programmes/", views.programme_list, name="list"),
    path("programmes/new/", views.programme_create, name="create"),
    path("programmes/<slug:slug>/", views.programme_detail, name="detail"),
    path("programmes/<slug:slug>/sessions/new/", views.session_add, name="session_add"),
    path("programmes/<slug:slug>/apply/", views.apply, name="apply"),
    path("programmes/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("programmes/<slug:slug>/offer/", views.offer, name="offer"),
    path("programmes/<slug:slug>/applications/", views.applications, name="applications"),
    path("programmes/<slug:slug>/applications/<int:pk>/", views.application_review, name="review"),
    path("programmes/<slug:slug>/selection/", views.selection, name="selection"),
    path("programmes/<slug:slug>/participants/", views.participants, name="participants"),
    path(
        "programmes/<slug:slug>/participants/<int:pk>/completion/",
        views.completion,
        name="completion",
    ),
    path("programmes/<slug:slug>/journal/", views.participant, name="participant"),
    path("programmes/<slug:slug>/journal/new/", views.journal_new, name="journal_new"),
    path("programmes/<slug:slug>/journal/<int:pk>/", views.journal_entry, name="journal_entry"),
    path("programmes/<slug:slug>/shared-journal/", views.shared_journal, name="shared_journal"),
    path("sponsor/<str:token>/", views.sponsor, name="sponsor"),
]
