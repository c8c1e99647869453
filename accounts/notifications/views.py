"""The notification centre's pages: the list (grouped, by groups a page), marking read, and
opening one (marks it read, then goes where it points)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.notifications import selectors, services

GROUPS_PER_PAGE = 20


@require_GET
def notification_list(request):
    user = request.user
    page = Paginator(selectors.notification_groups(user=user), GROUPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    groups = selectors.notification_groups_filled(user=user, groups=page.object_list)
    return render(
        request,
        "accounts/notifications.html",
        {
            "page": page,
            "groups": groups,
            "any_unread": selectors.unread_count(user=user) > 0,
            "here": request.get_full_path(),
            "read_url": reverse("accounts:notifications_read"),
        },
    )


def _local(url):
    """Only a path on this site: never another host, nor a scheme (javascript:)."""
    return (
        bool(url)
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


def _back(request):
    target = request.POST.get("next", "")
    return redirect(target if _local(target) else reverse("accounts:notifications"))


@require_GET
def notification_open(request, pk):
    """Mark one of one's own notifications read and go where it points (someone else's is
    not found)."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    if notification is None:
        raise Http404
    services.notification_mark_read(user=request.user, notifications=[notification.pk])
    return redirect(notification.url if _local(notification.url) else "accounts:notifications")


@require_POST
def notifications_read(request):
    """Mark read one group ("group") or one notification ("notification") of one's own."""
    group, one = request.POST.get("group"), request.POST.get("notification", "")
    if one.isdigit():
        services.notification_mark_read(user=request.user, notifications=[int(one)])
    elif group:
        services.notification_mark_read(user=request.user, group_key=group)
    return _back(request)


@require_POST
def notifications_read_all(request):
    changed = services.notification_mark_read(user=request.user)
    if changed:
        messages.success(request, "All your notifications are marked as read.")
    return _back(request)
