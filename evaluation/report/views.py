"""The report pages: the reader is checked first (permissions: 404 for anyone else), then
the period from the query (a wrong date is said next to its field), then one selector."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_ratelimit.exceptions import Ratelimited

from communities.permissions import communities_managed_by
from core.access import AccessDenied
from core.ratelimits import rate_limit
from core.replicas import replica_reads
from evaluation.report import pdf, permissions, selectors
from evaluation.report.forms import PeriodForm

PDF_LIMITED = (
    "You have downloaded as many PDF reports as we allow in an hour, because drawing one "
    "takes the server a while. Try again later, or print the report page from your "
    "browser: its Print command can save a PDF too."
)


@require_GET
def report_index(request):
    """The reports this person may read: the networks they manage, the communities they
    convene. Nobody else has any (404, as for a missing page)."""
    networks = list(permissions.networks_reported_to(request.user).order_by("name"))
    communities = list(communities_managed_by(request.user).distinct().order_by("name"))
    if not networks and not communities:
        raise AccessDenied("No report to read")
    return render(
        request,
        "evaluation/report/index.html",
        {"networks": networks, "communities": communities},
    )


# What a report is about: how the reader's subject is found (404 for anyone who may not read
# its report), and how its report is read.
SUBJECTS = {
    "community": (permissions.community_get_for_report, selectors.community_report),
    "network": (permissions.network_get_for_report, selectors.network_report),
}


def _subject(request, kind, slug):
    """(the report of the subject for a period, as a function of the period; the addresses
    of its page and its PDF)."""
    get, read = SUBJECTS[kind]
    build = partial(read, **{kind: get(request.user, slug)}, viewer=request.user)
    pages = {
        "page": reverse(f"evaluation:report_{kind}", args=[slug]),
        "pdf": reverse(f"evaluation:report_{kind}_pdf", args=[slug]),
    }
    return build, pages


@require_GET
def report_page(request, kind, slug):
    build, pages = _subject(request, kind, slug)
    form, period = _period_of(request)
    report = None
    if period is not None:
        with replica_reads():  # the heavy reads: from a replica, if there are any
            report = build(period=period)
    return _report_page(request, form=form, report=report, pages=pages)


@require_GET
def report_pdf(request, kind, slug):
    """The report as a PDF; with a wrong date, the page saying which."""
    build, pages = _subject(request, kind, slug)
    form, period = _period_of(request)
    if period is None:
        return _report_page(request, form=form, report=None, pages=pages)
    try:
        return _pdf_response(request, report=lambda: build(period=period), name=slug, period=period)
    except Ratelimited:
        # Refused as every limited request is (core.ratelimits: 429, and the audit log); the
        # page of that answer shows this message, which says what to do instead.
        messages.error(request, PDF_LIMITED)
        raise


def _period_of(request):
    """(the period form, the period it asks for; None while a date is wrong)."""
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.period()


def _report_page(request, *, form, report, pages):
    """The page: the period's form, and the report (None while a date is wrong)."""
    query = request.GET.urlencode()
    return render(
        request,
        "evaluation/report/page.html",
        {
            "form": form,
            "report": report,
            "page_url": pages["page"],
            "pdf_url": pages["pdf"] + (f"?{query}" if query else ""),
        },
    )


@rate_limit("pdf", method="GET")
def _pdf_response(request, *, report, name, period):
    """`report()` drawn as a PDF: read and drawn only within the limit."""
    with replica_reads():  # the heavy reads: from a replica, if there are any
        drawn = report()
    html = render_to_string("evaluation/report/pdf.html", {"report": drawn}, request=request)
    response = HttpResponse(
        pdf.pdf_bytes(html, base_url=settings.SITE_URL), content_type="application/pdf"
    )
    filename = f"report-{name}-{period.start.isoformat()}-to-{period.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
