"""The inbound mail's pages: where a person checks a reply that the patient-identifiable
data guard held."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.inbound import services
from accounts.inbound.forms import DiscardForm, HeldReplyForm
from accounts.inbound.models import HeldReply
from core.access import get_visible_or_404
from core.http import add_service_errors, posted
from core.patient_data import audit_patient_data_confirmed


def _held(request, pk):
    visible = HeldReply.objects.filter(user=request.user, expires_at__gt=timezone.now())
    return get_visible_or_404(visible, pk=pk)


@require_http_methods(["GET", "POST"])
def held_reply(request, pk):
    held = _held(request, pk)
    form = HeldReplyForm(posted(request), initial={"body": held.text})
    if request.method == "POST" and form.is_valid():
        try:
            audit_patient_data_confirmed(form, actor=request.user, target=held)
            url = services.held_reply_post(held=held, text=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your reply is posted.")
            return redirect(url)
    return render(
        request,
        "accounts/held_reply.html",
        {
            "form": form,
            "held": held,
            "discard_url": reverse("accounts:held_reply_discard", args=[held.pk]),
        },
    )


@require_http_methods(["GET", "POST"])
def held_reply_discard(request, pk):
    held = _held(request, pk)
    form = DiscardForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.held_reply_discard(held=held)
        messages.success(request, "Your reply by e-mail is deleted.")
        return redirect("home")
    return render(
        request,
        "components/form_page.html",
        {
            "form": form,
            "heading": "Delete your reply by e-mail?",
            "intro": "It has not been posted. Once deleted it cannot be brought back.",
            "submit_label": "Delete it",
            "warning": True,
            "cancel_url": held.get_absolute_url(),
        },
    )
