"""Thin views over meetings: permission helpers first (404 for what one may not see),
then a form, then one service."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from communities import permissions as community_permissions
from communities import selectors as community_selectors
from core.access import AccessDenied
from core.http import (
    TABLE_FORMATS,
    confirm_page,
    form_page,
    posted,
    service_form_page,
    service_response,
    stored_file_download,
    table_download,
)
from core.markdown import render_markdown
from core.patient_data import audit_patient_data_confirmed
from core.ratelimits import rate_limit
from meetings import forms, ical, permissions, selectors, services
from meetings.models import Meeting, Registration

# --- lists and the meeting page -------------------------------------------------------------------


@login_not_required
def community_list(request, slug):
    community = community_permissions.community_get(request.user, slug)
    upcoming, page = selectors.community_meeting_list(
        user=request.user, community=community, page=request.GET.get("page")
    )
    return render(
        request,
        "meetings/community_list.html",
        {
            "community": community,
            "upcoming": upcoming,
            "page": page,
            "past": page.object_list,
            "is_member": community_permissions.is_member(request.user, community),
            "can_manage": community_permissions.can_manage(request.user, community),
        },
    )


@login_not_required
def detail(request, pk):
    meeting = permissions.meeting_get(request.user, pk)
    user = request.user
    info = selectors.meeting_detail(meeting=meeting, user=user)
    registered = info["registration_status"] == Registration.Status.REGISTERED
    can_manage = permissions.can_manage(user, meeting)
    minutes = info.pop("minutes")
    show_minutes = minutes is not None and (minutes.is_published or can_manage)
    context = {
        "meeting": meeting,
        **info,
        "can_manage": can_manage,
        "show_joining_link": bool(meeting.joining_link) and (registered or can_manage),
        "agenda_html": render_markdown(meeting.agenda),
        "carried_actions": selectors.carried_actions(meeting=meeting, user=user),
        "minutes": minutes if show_minutes else None,
        "minutes_html": render_markdown(minutes.notes) if show_minutes else "",
        "actions": selectors.meeting_actions(meeting=meeting) if show_minutes else [],
        "attendees": selectors.meeting_attendees(meeting=meeting)
        if can_manage and meeting.is_past
        else [],
        "guests": selectors.guest_list(meeting=meeting) if can_manage and meeting.is_past else [],
        "can_register": user.is_authenticated and not meeting.is_cancelled and not meeting.is_past,
        "has_started": meeting.starts_at <= timezone.now(),
        "follows_series": selectors.follows_series(meeting=meeting, user=user),
    }
    return render(request, "meetings/detail.html", context)


# --- scheduling -----------------------------------------------------------------------------------


def _schedulable(request, slug):
    """A community this person convenes that may still have meetings added: 404 once archived."""
    community = community_permissions.community_get_managed(request.user, slug)
    if community.is_archived:
        raise Http404("Archived")
    return community


def _scheduling_page(request, community, form, *, act, **page):
    """A form that adds meetings to `community`: under its name, cancelled back to its list
    of meetings; its valid POST calls a service through `act` (core.http.service_form_page)."""
    return service_form_page(
        request,
        form,
        act=act,
        caption=community.name,
        cancel=reverse("meetings:community_list", args=[community.slug]),
        **page,
    )


@require_http_methods(["GET", "POST"])
def schedule(request, slug):
    community = _schedulable(request, slug)

    def act(data):
        meeting = services.meeting_schedule(actor=request.user, community=community, **data)
        messages.success(request, "The meeting has been scheduled and the members told.")
        return redirect("meetings:detail", meeting.pk)

    return _scheduling_page(
        request,
        community,
        forms.MeetingForm(posted(request)),
        act=act,
        heading="Schedule a meeting",
        submit="Schedule meeting",
    )


@require_http_methods(["GET", "POST"])
def record_past(request, slug):
    """The honest way to add a meeting that has already happened: nobody is told, nobody
    registers, attendance is recorded with it, and minutes can follow at once."""
    community = _schedulable(request, slug)
    form = forms.PastMeetingForm(
        posted(request), members=selectors.community_members(community=community)
    )

    def act(data):
        meeting = services.meeting_record_past(
            actor=request.user, community=community, **form.service_kwargs()
        )
        messages.success(
            request,
            "The meeting has been recorded with its attendance; nobody was e-mailed. "
            "You can now write its minutes.",
        )
        return redirect("meetings:detail", meeting.pk)

    return _scheduling_page(
        request,
        community,
        form,
        act=act,
        heading="Record a past meeting",
        submit="Record the meeting",
        intro="For a meeting that has already taken place. Members are not e-mailed about it; "
        "it joins the community's past meetings, and its minutes can be published at once.",
    )


@require_http_methods(["GET", "POST"])
def schedule_series(request, slug):
    community = _schedulable(request, slug)
    form = forms.SeriesForm(
        posted(request), initial={"frequency": "monthly", "ordinal": 2, "weekday": 1}
    )

    def act(d):
        dates = services.series_dates(
            first_date=d["first_date"],
            until=d["until"],
            frequency=d["frequency"],
            weekday=d["weekday"],
            ordinal=d["ordinal"],
        )
        series, meetings = services.series_schedule(
            community=community,
            actor=request.user,
            title=d["title"],
            description=form.describe(),
            dates=dates,
            start_time=d["start_time"],
            end_time=d["end_time"],
            format=d["format"],
            venue=d["venue"],
            joining_link=d["joining_link"],
            capacity=d["capacity"],
            visibility=d["visibility"],
            agenda=d["agenda"],
        )
        moved = services.series_clock_changes(
            meetings=meetings, start_time=d["start_time"], end_time=d["end_time"]
        )
        messages.success(
            request,
            " ".join(
                [f"{len(meetings)} meetings have been scheduled: {series.description}.", *moved]
            ),
        )
        return redirect("meetings:community_list", slug)

    return _scheduling_page(
        request,
        community,
        form,
        act=act,
        heading="Schedule a series of meetings",
        submit="Schedule the series",
        intro="Each meeting of the series can then be changed or cancelled on its own.",
    )


@require_http_methods(["GET", "POST"])
def schedule_network_event(request, slug):
    network = community_selectors.network_get(slug=slug)
    if not permissions.can_manage_network(request.user, network):
        raise AccessDenied("Programme managers only")
    form = forms.MeetingForm(
        posted(request), network_event=True, initial={"kind": Meeting.Kind.MASTERCLASS}
    )

    def act(data):
        meeting = services.meeting_schedule(actor=request.user, network=network, **data)
        messages.success(request, "The event has been scheduled and the network's members told.")
        return redirect("meetings:detail", meeting.pk)

    return service_form_page(
        request,
        form,
        act=act,
        heading="Schedule a network event",
        submit="Schedule event",
        caption=network.name,
        cancel=reverse("communities:network", args=[slug]),
        intro="Open to the members of every community of the network, or to the public.",
    )


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    meeting = permissions.meeting_get_managed(request.user, pk)
    form = forms.MeetingForm(
        posted(request), instance=meeting, network_event=meeting.network_id is not None
    )

    def act(data):
        services.meeting_update(meeting=meeting, actor=request.user, **data)
        messages.success(
            request,
            "The meeting has been saved; registered people were told of any change of time or place.",
        )
        return redirect("meetings:detail", pk)

    return service_form_page(
        request,
        form,
        act=act,
        heading=f"Change {meeting.title}",
        submit="Save changes",
        caption=meeting.host_name,
        cancel=reverse("meetings:detail", args=[pk]),
    )


@require_http_methods(["GET", "POST"])
def cancel(request, pk):
    meeting = permissions.meeting_get_managed(request.user, pk)
    form = forms.CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.meeting_cancel(
            meeting=meeting, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "The meeting has been cancelled and registered people told.")
        return redirect("meetings:detail", pk)
    return form_page(
        request,
        form,
        heading=f"Cancel {meeting.title}?",
        submit="Cancel the meeting",
        warning=True,
        caption=meeting.host_name,
        cancel=reverse("meetings:detail", args=[pk]),
        intro="Everyone registered or waiting gets an e-mail, and calendars that follow it show it cancelled.",
    )


# --- registration ------------------------------------------------------------------------------------


@require_POST
def register(request, pk):
    meeting = permissions.meeting_get(request.user, pk)
    try:
        registration = services.registration_create(meeting=meeting, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if registration.status == Registration.Status.WAITING:
            messages.success(
                request,
                "The meeting is full: you are on the waiting list. We will e-mail you if a place frees up.",
            )
        else:
            messages.success(
                request,
                "You are registered. We have e-mailed you the details with a calendar file, "
                "and will remind you before the meeting.",
            )
    return redirect("meetings:detail", pk)


@require_POST
def series_register(request, pk):
    meeting = permissions.meeting_get(request.user, pk)
    if meeting.series is None:
        return redirect("meetings:detail", pk)
    registrations = services.series_register(series=meeting.series, user=request.user)
    waiting = sum(r.status == Registration.Status.WAITING for r in registrations)
    text = (
        f"You are registered for the {len(registrations)} meetings of this series to come, "
        "and will be for those added to it later. We have e-mailed you their dates with a "
        "calendar file."
    )
    if waiting == 1:
        text += " 1 of them is full: you are on its waiting list."
    elif waiting:
        text += f" {waiting} of them are full: you are on their waiting lists."
    messages.success(request, text)
    return redirect("meetings:detail", pk)


@require_http_methods(["GET", "POST"])
def series_leave(request, pk):
    meeting = permissions.meeting_get(request.user, pk)
    if not selectors.follows_series(meeting=meeting, user=request.user):
        return redirect("meetings:detail", pk)
    back = reverse("meetings:detail", args=[pk])
    return confirm_page(
        request,
        act=lambda: services.series_leave(series=meeting.series, user=request.user),
        done="You have left the series: your registrations for its meetings are cancelled.",
        to=back,
        heading="Leave the whole series?",
        submit="Leave the series",
        warning=True,
        caption=meeting.series.title,
        cancel=back,
        intro="Your registrations for every meeting of the series still to come are cancelled, "
        "and you are not registered for meetings added to it later. Where a meeting is full, "
        "your place goes to the first person on its waiting list.",
    )


@require_http_methods(["GET", "POST"])
def unregister(request, pk):
    meeting = permissions.meeting_get(request.user, pk)
    registration = selectors.registration_of(meeting=meeting, user=request.user)
    if registration is None:
        return redirect("meetings:detail", pk)
    back = reverse("meetings:detail", args=[pk])
    return confirm_page(
        request,
        act=lambda: services.registration_cancel(registration=registration),
        done="Your registration has been cancelled.",
        to=back,
        heading="Cancel your registration?",
        submit="Cancel my registration",
        warning=True,
        caption=meeting.title,
        cancel=back,
        intro="If the meeting is full, your place goes to the first person on the waiting list.",
    )


# --- after the meeting -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    meeting = permissions.meeting_get_managed(request.user, pk)
    registrations = list(selectors.registered_list(meeting=meeting))
    members = None
    if meeting.community_id:
        members = selectors.community_members(community=meeting.community).exclude(
            registrations__meeting=meeting,
            registrations__status=Registration.Status.REGISTERED,
        )
    form = forms.AttendanceForm(posted(request), registrations=registrations, members=members)

    def act(data):
        services.attendance_record(
            meeting=meeting,
            actor=request.user,
            attended_ids=data["attended"],
            walk_in_users=data["walk_in_users"],
        )
        messages.success(request, "Attendance has been recorded.")
        return redirect("meetings:detail", pk)

    if (response := service_response(request, form, act)) is not None:
        return response
    started = not meeting.is_cancelled and meeting.starts_at <= timezone.now()
    return render(
        request,
        "meetings/attendance.html",
        {
            "form": form,
            "meeting": meeting,
            "started": started,
            "guests": selectors.guest_list(meeting=meeting) if started else [],
        },
    )


@require_http_methods(["GET", "POST"])
def guest_new(request, pk):
    meeting = permissions.meeting_get_managed(request.user, pk)

    def act(data):
        guest = services.guest_record(meeting=meeting, actor=request.user, **data)
        messages.success(request, f"{guest.name} has been recorded as a guest.")
        return redirect("meetings:attendance", pk)

    return service_form_page(
        request,
        forms.GuestForm(posted(request)),
        act=act,
        heading="Record a guest",
        submit="Record the guest",
        caption=meeting.title,
        cancel=reverse("meetings:attendance", args=[pk]),
        intro="Someone who came without an account. Their name, organisation and e-mail "
        "address are seen only by the meeting's conveners and by staff.",
    )


@require_http_methods(["GET", "POST"])
def guest_remove(request, pk, guest_pk):
    guest = permissions.guest_get_managed(request.user, pk, guest_pk)
    back = reverse("meetings:attendance", args=[pk])
    return confirm_page(
        request,
        act=lambda: services.guest_remove(guest=guest, actor=request.user),
        done=f"{guest.name} has been removed from the guests.",
        to=back,
        heading=f"Remove {guest.name} from the guests?",
        submit="Remove the guest",
        warning=True,
        caption=guest.meeting.title,
        cancel=back,
        intro="They will no longer count in this meeting's attendance.",
    )


def _members(meeting):
    if meeting.community_id:
        return selectors.community_members(community=meeting.community)
    return User.objects.none()


@require_http_methods(["GET", "POST"])
@rate_limit("upload", when=lambda request: bool(request.FILES))
def minutes_edit(request, pk):
    meeting = permissions.meeting_get_managed(request.user, pk)
    if not meeting.community_id:
        raise Http404("Network events have no minutes")
    minutes = getattr(meeting, "minutes", None)
    initial = {}
    if minutes:
        initial = {
            "notes": minutes.notes,
            "decisions": minutes.decisions,
            "previous_minutes_agreed": minutes.previous_minutes_agreed,
        }
    open_actions = list(selectors.open_actions_before(meeting=meeting, user=request.user))
    form = forms.MinutesForm(
        posted(request),
        request.FILES or None,
        initial=initial,
        members=_members(meeting),
        open_actions=open_actions,
        current_document=minutes.document_name if minutes and minutes.document else "",
    )
    if request.method == "POST" and form.is_valid():
        minutes = services.minutes_save(
            meeting=meeting, actor=request.user, **form.service_kwargs()
        )
        audit_patient_data_confirmed(form, actor=request.user, target=minutes)
        if "publish" not in request.POST:
            messages.success(
                request,
                "The draft minutes have been saved. Members see them once you publish them.",
            )
            return redirect("meetings:detail", pk)
        try:
            services.minutes_publish(minutes=minutes, actor=request.user)
        except ValidationError as exc:
            # The draft is saved; the page says why it is not published yet.
            messages.warning(request, exc.messages[0] + ".")
        else:
            messages.success(
                request,
                "The minutes have been published and e-mailed to every member of the community.",
            )
        return redirect("meetings:detail", pk)
    return render(
        request,
        "meetings/minutes_form.html",
        {
            "meeting": meeting,
            "form": form,
            "minutes": minutes,
            "can_publish": meeting.starts_at <= timezone.now(),
        },
    )


def minutes_document(request, pk):
    meeting = permissions.meeting_get(request.user, pk)
    minutes = getattr(meeting, "minutes", None)
    if (
        not minutes
        or not minutes.document
        or not (minutes.is_published or permissions.can_manage(request.user, meeting))
    ):
        raise Http404("No document")
    # Stored under a random name; offered under the uploaded file's own (sanitised) name.
    return stored_file_download(
        lambda: minutes.document.open("rb"), filename=minutes.document_name or "minutes"
    )


@require_POST
def action_done(request, pk):
    action = permissions.action_get(request.user, pk)
    if not (
        action.owner_id == request.user.pk
        or community_permissions.can_manage(request.user, action.community)
    ):
        raise AccessDenied("Not yours")
    services.action_complete(action=action, actor=request.user)
    messages.success(request, f"“{action.description}” is marked done.")
    return redirect(
        request.POST.get("next")
        if request.POST.get("next", "").startswith("/")
        else "meetings:my_actions"
    )


def my_actions(request):
    return render(
        request,
        "meetings/my_actions.html",
        {"actions": selectors.my_open_actions(user=request.user)},
    )


def attended(request):
    registrations = selectors.attended_meetings(user=request.user)
    if request.GET.get("format") in TABLE_FORMATS:
        return table_download(
            name="meetings-attended",
            header=["Date", "Community or network", "Meeting", "Duration (minutes)", "Kind"],
            rows=(
                [
                    r.meeting.starts_at.date().isoformat(),
                    r.meeting.host_name,
                    r.meeting.title,
                    r.meeting.duration_minutes,
                    r.meeting.get_kind_display(),
                ]
                for r in registrations
            ),
            fmt=request.GET["format"],
        )
    return render(request, "meetings/attended.html", {"registrations": registrations})


# --- calendars ---------------------------------------------------------------------------------------


def _ics_response(body, filename):
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_not_required
def meeting_ics(request, pk):
    meeting = permissions.meeting_get(request.user, pk)
    registered = selectors.has_place(meeting=meeting, user=request.user)
    body = ical.meeting_ics(
        meeting, with_joining_link=registered or permissions.can_manage(request.user, meeting)
    )
    return _ics_response(body, f"meeting-{meeting.pk}.ics")


@login_not_required
def personal_feed(request, token):
    feed = selectors.calendar_feed_get(token=token)
    meetings, registered_ids = selectors.feed_meetings(feed=feed)
    body = ical.calendar(meetings, name="My meetings", joining_link_for=registered_ids)
    return _ics_response(body, "my-meetings.ics")


@login_not_required
def community_feed(request, slug):
    community, meetings = selectors.community_feed(slug=slug)
    return _ics_response(ical.calendar(meetings, name=community.name), f"{slug}.ics")


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    feed = services.calendar_feed_get(user=request.user)
    form = forms.FeedSettingsForm(
        posted(request), initial={"include_community_meetings": feed.include_community_meetings}
    )
    if request.method == "POST":
        if "reset" in request.POST:
            services.calendar_feed_reset(user=request.user)
            messages.success(
                request, "Your calendar address has been changed. The old address no longer works."
            )
            return redirect("meetings:calendar")
        if form.is_valid():
            services.calendar_feed_settings(user=request.user, **form.cleaned_data)
            messages.success(request, "Your calendar settings have been saved.")
            return redirect("meetings:calendar")
    feed_url = request.build_absolute_uri(reverse("meetings:personal_feed", args=[feed.token]))
    return render(
        request,
        "meetings/calendar.html",
        {"form": form, "feed_url": feed_url, **_subscribe(feed_url)},
    )


def _subscribe(feed_url):
    """Links that subscribe a calendar program to the feed: webcal:// opens the one on the
    computer (Apple Calendar, Outlook); Google and Outlook on the web take the address."""
    webcal = "webcal://" + feed_url.partition("://")[2]
    outlook = {"url": feed_url, "name": "My meetings"}
    return {
        "webcal_url": webcal,
        "google_url": "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal}),
        "outlook_url": "https://outlook.office.com/calendar/0/addfromweb?" + urlencode(outlook),
        "outlook_com_url": "https://outlook.live.com/calendar/0/addfromweb?" + urlencode(outlook),
    }
