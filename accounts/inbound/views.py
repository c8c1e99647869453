"""The inbound mail's pages: the provider's webhook that hands a message in, and the
page where a person checks a reply that the patient-identifiable data guard held."""

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.inbound import services
from accounts.inbound.forms import DiscardForm, HeldReplyForm
from accounts.inbound.models import HeldReply
from accounts.inbound.registry import handler_get
from core.access import get_visible_or_404
from core.attachments import has_files
from core.http import add_service_errors, posted
from core.patient_data import audit_patient_data_confirmed
from core.ratelimits import rate_limit

logger = logging.getLogger(__name__)


def _signed(timestamp, token, signature):
    """Mailgun's signature: HMAC-SHA256 of timestamp + token under the signing key, fresh
    (INBOUND_WEBHOOK_MAX_AGE) and not seen before (a replayed request is refused)."""
    key = settings.INBOUND_WEBHOOK_KEY
    if not key or not (timestamp and token and signature):
        return False
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return False
    if age > settings.INBOUND_WEBHOOK_MAX_AGE:
        return False
    expected = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        return False
    return cache.add(f"inbound:webhook:{token}", 1, settings.INBOUND_WEBHOOK_MAX_AGE * 2)


@login_not_required
@csrf_exempt
@require_POST
@rate_limit("inbound")
def webhook(request):
    """Mailgun's "forward raw MIME" route (body-mime, recipient, timestamp, token,
    signature): the message goes to the same service as mail from the LMTP server."""
    data = request.POST
    if not _signed(data.get("timestamp"), data.get("token"), data.get("signature", "")):
        logger.warning("Inbound webhook refused: bad or stale signature")
        return HttpResponseForbidden("Bad signature")
    raw = data.get("body-mime", "").encode("utf-8", "surrogateescape")
    recipients = [r.strip() for r in data.get("recipient", "").split(",") if r.strip()]
    outcomes = services.receive(raw, recipients=recipients, return_path=data.get("sender"))
    # 200 whatever became of it: the provider would retry anything else, and a dropped
    # message is dropped for good.
    return HttpResponse(", ".join(o.status for o in outcomes), content_type="text/plain")


def _held(request, pk):
    visible = HeldReply.objects.filter(user=request.user, expires_at__gt=timezone.now())
    return get_visible_or_404(visible, pk=pk)


@require_http_methods(["GET", "POST"])
@rate_limit("upload", when=has_files)
def held_reply(request, pk):
    held = _held(request, pk)
    handler = handler_get(held.handler)
    form = HeldReplyForm(
        posted(request),
        request.FILES or None,
        initial={"body": held.text},
        takes_files=bool(handler and handler.max_files),
    )
    if request.method == "POST" and form.is_valid():
        try:
            audit_patient_data_confirmed(form, actor=request.user, target=held)
            url = services.held_reply_post(
                held=held,
                text=form.cleaned_data["body"],
                files=form.cleaned_data.get("attachments", []),
            )
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
