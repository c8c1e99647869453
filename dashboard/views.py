from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from accounts.services import user_home_visited
from communities import selectors as community_selectors
from core.access import AccessDenied
from core.http import table_download
from dashboard import figures, selectors
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


def _sort(rows, key):
    if key in figures.FLAGS:
        return sorted(rows, key=lambda r: (not r["flags"][key], r["community"].name))
    if key in ("members", "meetings_90", "flag_count"):
        return sorted(rows, key=lambda r: (-r[key], r["community"].name))
    if key == "last_activity":
        return sorted(
            rows, key=lambda r: (r["last_activity"] is None, r["last_activity"] or 0), reverse=False
        )
    return rows


def programme_dashboard(request):
    networks = list(figures.networks_for(request.user))
    if not networks:
        raise AccessDenied("Programme managers only")
    form = DashboardFilterForm(
        request.GET or None,
        networks=networks,
        topics=community_selectors.topic_suggestions(signed_in=True),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    communities = figures.communities_for(
        request.user,
        networks=[network.pk for network in networks],
        **{k: filters.get(k) for k in ("network", "region", "phase", "topic") if filters.get(k)},
    )
    # The figures come from the cache while nothing in these networks has changed.
    places = list(communities.values_list("pk", "network_id"))
    ids = [pk for pk, _ in places]
    network_ids = [network_id for _, network_id in places]

    def cached(name, compute, *parts):
        return figures.cached(name, network_ids=network_ids, parts=(ids, *parts), compute=compute)

    sort = filters.get("sort") or "name"

    def table():
        return _sort(cached("table", lambda: figures.community_table(communities)), sort)

    def trends():
        return cached("trends", lambda: figures.trends(ids))

    def spread():
        # What the viewer may see of the resources: theirs alone.
        return cached("spread", lambda: figures.spread(ids, viewer=request.user), request.user.pk)

    export = request.GET.get("export")

    def _csv(filename, header, rows):
        # Every table downloads as CSV or, with format=xlsx, as an Excel workbook.
        return table_download(
            name=filename.removesuffix(".csv"),
            header=header,
            rows=rows,
            fmt=request.GET.get("format", "csv"),
        )

    if export == "communities":
        return _csv(
            "communities.csv",
            [
                "Community",
                "Network",
                "Phase",
                "Members",
                "Organisations",
                "Meetings in 90 days",
                "Average attendance",
                "Attendance against capacity (%)",
                "Minutes within 7 days",
                "Action points done",
                "Resources",
                "Adoptions elsewhere",
                "Last activity",
                *figures.FLAGS.values(),
            ],
            (
                [
                    r["community"].name,
                    r["network"],
                    r["phase"],
                    r["members"],
                    r["organisations"],
                    r["meetings_90"],
                    r["average_attendance"] if r["average_attendance"] is not None else "",
                    r["attendance_vs_capacity"] if r["attendance_vs_capacity"] is not None else "",
                    r["minutes_on_time"],
                    r["actions_done"],
                    r["resources"],
                    r["adoptions_elsewhere"],
                    r["last_activity"].date().isoformat() if r["last_activity"] else "",
                    *("yes" if r["flags"][k] else "" for k in figures.FLAGS),
                ]
                for r in table()
            ),
        )
    if export == "trends":
        trend = trends()
        months = [m for m, _ in trend[0]["points"]]
        return _csv(
            "trends.csv",
            ["Month", *(s["name"] for s in trend)],
            (
                [m.strftime("%Y-%m"), *(s["points"][i][1] for s in trend)]
                for i, m in enumerate(months)
            ),
        )
    if export == "spread":
        return _csv(
            "spread.csv",
            ["Resource", "From", "Adopted by", "When"],
            ([s["resource"], s["from"], s["to"], s["when"].date().isoformat()] for s in spread()),
        )
    programmes = figures.programmes(request.user, networks=[network.pk for network in networks])
    if export == "programmes":
        return _csv(
            "programmes.csv",
            ["Programme", "Participant", "Sessions attended", "Meetings convened", "Commitment"],
            (
                [p["programme"].name, r["name"], r["sessions"], r["convened"], r["commitment"]]
                for p in programmes
                for r in p["participants"]
            ),
        )
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("format", None)
    query = query.urlencode()
    query_prefix = f"{query}&" if query else ""

    def drawn():
        rows = table()
        return {
            "form": str(form),
            "figures": render_to_string(
                "dashboard/figures.html",
                {
                    "rows": rows,
                    "flags": figures.FLAGS,
                    "query": query,
                    "query_prefix": query_prefix,
                    "headline": cached(
                        "headline",
                        lambda: figures.headline(
                            rows, communities, since=timezone.now() - timedelta(days=90)
                        ),
                    ),
                    "trends": figures.trend_bars(trends()),
                    "spread": spread(),
                },
            ),
        }

    # The filter form, the headline, the communities table (a row per community, hundreds
    # in a large network), the trends and the spread are drawn once and kept with the
    # figures they show: the same key parts and network generations (a change in a network
    # is on the next view), plus whatever else the drawing depends on: the query (the
    # form's values and the links), the viewer's networks (the form's choices), the viewer
    # (the spread shows what they may see), and their time zone and language (dates are
    # written in them). Every value in them was escaped by the templates that drew them.
    page = cached(
        "page",
        drawn,
        query,
        [(network.slug, network.name) for network in networks],
        request.user.pk,
        timezone.get_current_timezone_name(),
        translation.get_language(),
    )
    return render(
        request,
        "dashboard/programme.html",
        {
            "form_html": mark_safe(page["form"]),  # noqa: S308  # nosec B308, B703
            "figures_html": mark_safe(page["figures"]),  # noqa: S308  # nosec B308, B703
            "programmes": programmes,
            "query": query,
            "query_prefix": query_prefix,
        },
    )
