"""Thin views: find the conversation or person through the permission helpers (404 when
they may not be known), validate a form, call one service, redirect."""

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import get_visible_or_404
from core.attachments import attachment_download, has_files
from core.http import confirm_page, posted, service_form_page, service_response
from core.patient_data import audit_patient_data_confirmed
from core.ratelimits import rate_limit
from messages import forms, permissions, selectors, services
from messages.models import Participant

INBOX_PAGE = 25
THREAD_PAGE = 20


def _thread_page(request, conversation):
    """A page of the thread: the last one (the newest messages) unless asked."""
    paginator = Paginator(selectors.message_list(conversation=conversation), THREAD_PAGE)
    return paginator.get_page(request.GET.get("page") or paginator.num_pages)


@require_GET
def inbox(request):
    page = Paginator(selectors.inbox_list(user=request.user), INBOX_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "member_messages/inbox.html", {"page": page})


def _person(request, person_pk):
    """Someone this person may contact (sharing an active community), else 404."""
    return get_visible_or_404(permissions.people_contactable_by(request.user), pk=person_pk)


def _sent(request, form, message):
    audit_patient_data_confirmed(form, actor=request.user, target=message)
    url = reverse("member_messages:conversation", args=[message.conversation_id])
    return redirect(f"{url}#latest")


def _message_form(request):
    return forms.MessageForm(posted(request), request.FILES or None)


def _send(request, form, *, sender, recipient):
    """Send the form's message (and its files), then go to it."""
    data = form.cleaned_data
    message = services.message_send(
        sender=sender, recipient=recipient, body=data["body"], files=data["attachments"]
    )
    return _sent(request, form, message)


@require_http_methods(["GET", "POST"])
@rate_limit("message")
@rate_limit("upload", when=has_files)
def start(request, person_pk):
    """The first message to someone; if they already have a conversation, it is there."""
    person = _person(request, person_pk)
    existing = selectors.participant_with(user=request.user, other=person)
    if existing is not None:
        return redirect("member_messages:conversation", existing.conversation_id)
    refusal = permissions.send_refusal(sender=request.user, recipient=person, starting=True)
    if refusal:
        return render(
            request, "member_messages/refused.html", {"person": person, "refusal": refusal}
        )
    form = _message_form(request)

    def act(data):
        return _send(request, form, sender=request.user, recipient=person)

    return service_form_page(
        request,
        form,
        act=act,
        heading=f"Send a message to {person.name}",
        submit="Send the message",
        cancel=reverse("member_messages:inbox"),
        intro="Only the two of you can read your conversation.",
    )


@require_http_methods(["GET", "POST"])
@rate_limit("message")
@rate_limit("upload", when=has_files)
def conversation(request, pk):
    user = request.user
    found = get_visible_or_404(permissions.conversations_visible_to(user), pk=pk)
    me = selectors.participant_get(conversation=found, user=user)
    other = me.other
    if not permissions.may_contact(user, other):
        refusal = permissions.REFUSED
    else:
        refusal = permissions.send_refusal(sender=user, recipient=other, starting=False)
    form = _message_form(request) if refusal is None else None
    if form is not None:
        response = service_response(
            request, form, lambda data: _send(request, form, sender=user, recipient=other)
        )
        if response is not None:
            return response
    if request.method == "GET":
        services.conversation_read(conversation=found, user=user)
    context = {
        "conversation": found,
        "me": me,
        "other": other,
        "page": _thread_page(request, found),
        "form": form,
        "refusal": refusal,
        "blocked": selectors.blocked_list(user=user).filter(blocked=other).exists(),
    }
    return render(request, "member_messages/conversation.html", context)


@require_GET
def attachment(request, pk, file_pk):
    """A file of a message: for the conversation's two people only (staff reading a report
    see its name, not the file)."""
    visible = permissions.attachments_visible_to(request.user)
    return attachment_download(get_visible_or_404(visible, message__conversation=pk, pk=file_pk))


@require_POST
def mute(request, pk):
    found = get_visible_or_404(permissions.conversations_visible_to(request.user), pk=pk)
    muted = request.POST.get("muted") == "1"
    services.conversation_mute(conversation=found, user=request.user, muted=muted)
    flash.success(
        request,
        "Conversation muted: new messages will not notify you."
        if muted
        else "You will be notified of new messages again.",
    )
    return redirect("member_messages:conversation", found.pk)


@require_http_methods(["GET", "POST"])
@rate_limit("report")
def report(request, pk):
    found = get_visible_or_404(permissions.conversations_visible_to(request.user), pk=pk)
    back = reverse("member_messages:conversation", args=[found.pk])

    def act(data):
        services.conversation_report(
            conversation=found, reporter=request.user, reason=data["reason"]
        )
        flash.success(request, "Thank you: the site's staff have been told and will look at it.")
        return redirect(back)

    return service_form_page(
        request,
        forms.ReportForm(posted(request)),
        act=act,
        heading="Report this conversation",
        submit="Send the report",
        cancel=back,
        intro=(
            "Staff cannot read private conversations. Reporting this one lets them read it, "
            "to decide what to do; each time they open it is recorded."
        ),
    )


def _blockable(request, person_pk):
    """Someone one may contact, or has a conversation with (who may have left since)."""
    User = get_user_model()
    talked_with = Participant.objects.filter(user=request.user).values("other_id")
    visible = User.objects.filter(pk__in=talked_with) | permissions.people_contactable_by(
        request.user
    )
    return get_visible_or_404(visible.distinct(), pk=person_pk)


@require_http_methods(["GET", "POST"])
def block(request, person_pk):
    person = _blockable(request, person_pk)

    return confirm_page(
        request,
        act=lambda: services.person_block(blocker=request.user, blocked=person),
        done=(
            f"You have blocked {person.name}. Neither of you can send messages to the other. "
            "You can unblock them in your message settings."
        ),
        to="member_messages:settings",
        heading=f"Block {person.name}?",
        submit="Block",
        cancel=reverse("member_messages:inbox"),
        warning=True,
        intro=(
            "Neither of you will be able to send messages to the other. They are not told; "
            "if they try, they read that they cannot send messages to you. You can unblock "
            "them later from your message settings."
        ),
    )


@require_POST
def unblock(request, person_pk):
    User = get_user_model()
    blocked_ids = selectors.blocked_list(user=request.user).values("blocked_id")
    person = get_visible_or_404(User.objects.filter(pk__in=blocked_ids), pk=person_pk)
    services.person_unblock(blocker=request.user, blocked=person)
    flash.success(request, f"You have unblocked {person.name}.")
    return redirect("member_messages:settings")


@require_http_methods(["GET", "POST"])
def settings_page(request):
    user = request.user
    form = forms.ContactPreferenceForm(
        posted(request), initial={"met_only": selectors.met_only(user=user)}
    )
    if request.method == "POST" and form.is_valid():
        services.contact_preference_save(user=user, met_only=form.cleaned_data["met_only"])
        flash.success(request, "Your message settings are saved.")
        return redirect("member_messages:settings")
    context = {"form": form, "blocked": selectors.blocked_list(user=user)}
    return render(request, "member_messages/settings.html", context)


# --- staff: reported conversations ------------------------------------------------------------


@require_GET
def reports(request):
    if not permissions.can_read_reports(request.user):
        raise Http404("No such page")
    page = Paginator(selectors.report_list(), INBOX_PAGE).get_page(request.GET.get("page"))
    return render(request, "member_messages/reports.html", {"page": page})


@require_GET
def report_detail(request, pk):
    """A reported conversation, read by staff: every opening leaves an audit entry."""
    found = get_visible_or_404(
        permissions.reports_visible_to(request.user).select_related("reporter", "conversation"),
        pk=pk,
    )
    services.report_read(report=found, actor=request.user)
    context = {
        "report": found,
        "people": selectors.report_people(report=found),
        "page": _thread_page(request, found.conversation),
    }
    return render(request, "member_messages/report_detail.html", context)


@require_POST
def report_close(request, pk):
    found = get_visible_or_404(permissions.reports_visible_to(request.user), pk=pk)
    services.report_close(report=found, actor=request.user)
    flash.success(request, "The report is closed.")
    return redirect("member_messages:reports")
