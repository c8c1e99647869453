from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.services import user_home_visited
from communities import selectors as community_selectors
from core.access import AccessDenied
from dashboard import exports, selectors
from dashboard.forms import DashboardFilterForm


@login_not_required
def home(request):
    if request.user.is_authenticated:
        token = request.session.pop("invitation_token", None)
        if token:  # back from sign-up or sign-in: finish answering the invitation
            return redirect("communities:invitation", token)
        now = timezone.now()
        response = render(
            request, "dashboard/home.html", selectors.home_context(user=request.user, now=now)
        )
        user_home_visited(user=request.user, when=now)
        return response
    return render(request, "dashboard/welcome.html", selectors.welcome_context())


def _programme_for(request):
    """The viewer's dashboard for the filters in the query, with its filter form. Anyone who
    manages no network finds no dashboard."""
    networks = selectors.programme_networks(viewer=request.user)
    if not networks:
        raise AccessDenied("Programme managers only")
    form = DashboardFilterForm(
        request.GET or None,
        networks=networks,
        topics=community_selectors.topic_suggestions(signed_in=True),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.ProgrammeFigures(viewer=request.user, networks=networks, filters=filters)


def _query_without(params, *names):
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def programme_dashboard(request):
    form, dashboard = _programme_for(request)
    export = request.GET.get("export")
    if export in exports.TABLES:  # the page's download links of before: the same file
        return _download(request, dashboard, export)
    query = _query_without(request.GET, "export", "format")
    page = dashboard.drawn(form=form, query=query)
    return render(
        request,
        "dashboard/programme.html",
        {
            "form_html": page["form"],
            "figures_html": page["figures"],
            "programmes": dashboard.programmes(),
            "query_prefix": f"{query}&" if query else "",
        },
    )


def programme_export(request, table):
    """One of the dashboard's tables as a download (dashboard/exports.py), for the filters
    and the order in the query."""
    _, dashboard = _programme_for(request)
    return _download(request, dashboard, table)


def _download(request, dashboard, table):
    return exports.download(table, dashboard, fmt=request.GET.get("format", "csv"))
