"""The conveners' queue of open reports, and the report / hide / show-again pages that the
apps owning each kind of content serve from their own URLs (they find the object through
their own access helpers, 404 when it may not be known, and hand it here)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from communities import permissions
from communities.models import Report
from communities.moderation import forms, selectors, services
from communities.moderation.registry import kind_for
from core.forms import ConfirmForm
from core.http import confirm_page, form_page, posted, service_response


def _content_page(request, target, form, *, back, act, done, **page):
    """A page about `target`, a piece of content of a registered kind, shown under its
    title: a valid POST calls `act(data)` and goes back to `back` saying `done`."""

    def acted(data):
        act(data)
        messages.success(request, done)
        return redirect(back)

    response = service_response(request, form, acted)
    if response is not None:
        return response
    return form_page(request, form, cancel=back, caption=kind_for(target).title(target), **page)


def report_page(request, target, *, back):
    """Report `target` with a reason; back to `back` with a confirmation."""
    label = kind_for(target).label
    return _content_page(
        request,
        target,
        forms.ReportForm(posted(request)),
        back=back,
        act=lambda data: services.content_report(
            target=target, reporter=request.user, reason=data["reason"]
        ),
        done=f"Thank you: the conveners have been told about this {label} and will look at it.",
        heading=f"Report this {label}",
        submit="Send the report",
        intro=(
            "Tell the community's conveners what is wrong: patient-identifiable details, "
            "something untrue or unkind, advertising. They decide whether to hide it."
        ),
    )


def hide_page(request, target, *, back):
    """The confirmation, with the reason the author will read, before hiding `target`."""
    kind = kind_for(target)
    label = kind.label
    return _content_page(
        request,
        target,
        forms.HideForm(posted(request)),
        back=back,
        act=lambda data: services.content_hide(
            target=target, actor=request.user, reason=data["reason"]
        ),
        done=f"The {label} is hidden and its author has been told why.",
        heading=f"Hide this {label}?",
        submit=f"Hide the {label}",
        warning=True,
        intro=(
            f"The {label} disappears for everyone except its author, the conveners and "
            "staff, who see it marked “Hidden by a convener” with your reason. The author "
            f"is also told by e-mail. Open reports about it are closed. {kind.hide_note(target)}"
        ).strip(),
    )


def unhide_page(request, target, *, back):
    label = kind_for(target).label
    return _content_page(
        request,
        target,
        ConfirmForm(posted(request)),
        back=back,
        act=lambda data: services.content_unhide(target=target, actor=request.user),
        done=f"The {label} is shown again.",
        heading=f"Show this {label} again?",
        submit=f"Show the {label}",
        intro=f"Everyone who may see it will see the {label} again, without the reason.",
    )


def queue(request, slug):
    community = permissions.community_get_managed(request.user, slug)
    return render(
        request,
        "communities/moderation.html",
        {"community": community, "reports": selectors.open_reports(community=community)},
    )


@require_http_methods(["GET", "POST"])
def dismiss(request, slug, pk):
    community = permissions.community_get_managed(request.user, slug)
    report = get_object_or_404(Report, community=community, pk=pk, resolved_at__isnull=True)
    back = reverse("communities:moderation", args=[community.slug])

    target = services.report_target(report)
    what = f"“{kind_for(target).title(target)}”" if target is not None else "content since removed"
    return confirm_page(
        request,
        act=lambda: services.report_dismiss(report=report, actor=request.user),
        done="The report is dismissed; nothing was hidden.",
        to=back,
        heading="Dismiss this report?",
        submit="Dismiss the report",
        cancel=back,
        caption=community.name,
        intro=(
            f"The report about {what} is closed and the content stays as it is. The person "
            "who reported it is not told."
        ),
    )
