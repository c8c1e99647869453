from django.urls import include, path

app_name = "evaluation"

urlpatterns = [
    path("", include("evaluation.network.urls")),
    path("", include("evaluation.value.urls")),
    path("", include("evaluation.surveys.urls")),
    path("", include("evaluation.report.urls")),
]
