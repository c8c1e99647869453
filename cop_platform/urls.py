from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import TemplateView

from core.health import healthz
from dashboard import views as dashboard_views


def page(template):
    return login_not_required(TemplateView.as_view(template_name=template))


urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accessibility/", page("pages/accessibility.html"), name="accessibility"),
    path("privacy/", page("pages/privacy.html"), name="privacy"),
    path("", include("accounts.urls")),
    path("", include("communities.urls")),
    path("", include("meetings.urls")),
    path("", include("knowledge.urls")),
    path("", include("discussions.urls")),
    path("", include("messages.urls")),
    path("", include("conveners.urls")),
    path("", include("dashboard.urls")),
    path("", include("evaluation.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCHMARK_FLOOR:  # `make bench` only: the page every other page is measured against
    from dashboard.bench import floor

    urlpatterns.append(path("bench/floor/", floor, name="bench-floor"))
