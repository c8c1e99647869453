from django.urls import path

from evaluation.surveys import views

urlpatterns = [
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/questions/new/", views.question_add, name="survey_question_add"),
    path(
        "surveys/<int:pk>/questions/<int:question_pk>/delete/",
        views.question_delete,
        name="survey_question_delete",
    ),
    path("surveys/<int:pk>/open/", views.survey_open, name="survey_open"),
    path("surveys/<int:pk>/remind/", views.survey_remind, name="survey_remind"),
    path("surveys/<int:pk>/close/", views.survey_close, name="survey_close"),
    path("surveys/<int:pk>/answer/", views.survey_answer, name="survey_answer"),
    path("surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path(
        "surveys/<int:pk>/results/questions/<int:question_pk>/",
        views.survey_written_answers,
        name="survey_written_answers",
    ),
    path("surveys/<int:pk>/results.<str:fmt>", views.survey_export, name="survey_export"),
]
