from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.forms import AccountDeleteForm, PreferencesForm, ProfileForm, SignInRemoveForm
from accounts.models import Organisation
from accounts.notifications import selectors as notification_selectors
from accounts.notifications import services as notification_services
from accounts.outbox.preferences import preference_get, unsubscribe_token_read
from accounts.personal_data import account_erase, export_archive
from accounts.sso import SSO_EXISTING_ACCOUNT, sign_in_list, sign_in_offers
from core.http import form_page, posted
from core.services import audit_log


def _organisation_shown(organisation):
    if organisation is not None and organisation.status == Organisation.Status.PENDING:
        return f"{organisation} (new: listed for others once staff have checked it)"
    return organisation


def _account_form_page(request, form, **page):
    """The one-form page under "Your account" (core.http.form_page): Cancel leads back to it."""
    overview = reverse("accounts:overview")
    crumbs = [("Home", reverse("home")), ("Your account", overview)]
    return form_page(request, form, cancel=overview, crumbs=crumbs, **page)


def account_overview(request):
    person = request.user
    rows = [
        ("Full name", person.name),
        ("Job title", person.job_title),
        ("Organisation", _organisation_shown(person.organisation)),
        ("Profession", person.profession),
        ("Region", person.get_region_display()),
        ("Short bio", person.bio),
        ("Time zone", person.timezone),
    ]
    context = {
        "person": person,
        "profile_rows": rows,
        "has_mfa": selectors.has_mfa(user=person),
        "sso_enabled": bool(settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]),
        # Single sign-on: the connected sign-ins (even of a provider no longer configured,
        # so they can be removed) and the providers one may connect.
        "sign_ins": sign_in_list(user=person, request=request),
    }
    if context["sso_enabled"]:
        context["sign_in_offers"] = sign_in_offers(
            request=request,
            connected=[account for account, _provider, _who in context["sign_ins"]],
            next_url=reverse("accounts:overview"),
        )
    return render(request, "accounts/overview.html", context)


@require_http_methods(["GET", "POST"])
def profile_edit(request):
    form = ProfileForm(posted(request), instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(user=request.user, actor=request.user, **form.service_kwargs())
        messages.success(request, "Your profile has been saved.")
        return redirect("accounts:overview")
    return _account_form_page(
        request,
        form,
        heading="Edit your profile",
        intro="Members of your communities see your profile. Other signed-in people see only "
        "your name and organisation.",
        submit="Save profile",
    )


@require_http_methods(["GET", "POST"])
def preferences_edit(request):
    user = request.user
    # Every switch drawn with its saved value: a box left out is drawn unticked, and saving
    # the form would switch that e-mail off. The same for each kind of notification.
    initial = {name: getattr(user, name) for name in PreferencesForm.base_fields}
    initial |= {
        f"{PreferencesForm.NOTIFY_PREFIX}{key}": channel
        for key, channel in notification_selectors.settings_of(user=user).items()
    }
    form = PreferencesForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields, channels = form.split()
        services.user_preferences_update(user=user, actor=user, **fields)
        if channels:
            notification_services.notification_settings_update(
                user=user, actor=user, channels=channels
            )
        messages.success(request, "Your e-mail preferences have been saved.")
        return redirect("accounts:overview")
    return _account_form_page(
        request,
        form,
        heading="E-mail preferences",
        intro="Messages about your account (verifying your address, resetting your password) "
        "are always sent.",
        submit="Save preferences",
        template="accounts/preferences.html",
    )


@csrf_exempt  # mail clients POST here (RFC 8058) without a CSRF token; the signed token is the proof
@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        user_id, preference = unsubscribe_token_read(token)
    except signing.BadSignature:
        return render(request, "accounts/unsubscribe_invalid.html", status=400)
    pref = preference_get(preference)
    if request.method == "GET":
        # A GET never changes anything: link scanners in mail systems follow links.
        return render(request, "accounts/unsubscribe_confirm.html", {"preference": pref})
    user, _changed = services.preference_unsubscribe(user_id=user_id, preference=preference)
    if user is None:
        return render(request, "accounts/unsubscribe_invalid.html", status=400)
    return render(request, "accounts/unsubscribe_done.html", {"preference": pref})


@require_http_methods(["GET", "POST"])
def personal_data(request):
    if request.method == "POST":
        archive = export_archive(request.user)
        audit_log(actor=request.user, action="account.export", target=request.user)
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="my-data.zip"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "accounts/personal_data.html")


@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = AccountDeleteForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        account_erase(
            user=user, actor=user, remove_contributions=form.cleaned_data["remove_contributions"]
        )
        messages.success(request, "Your account has been closed. We will not e-mail you again.")
        return redirect("home")
    return _account_form_page(
        request,
        form,
        heading="Close your account",
        intro="Your memberships end and e-mails stop at once; your private journal is deleted. "
        "Download your data first if you want a copy.",
        submit="Close my account",
    )


@login_not_required
@require_http_methods(["GET"])
def sso_existing_account(request):
    """Where a single sign-on with the address of an existing account lands: sign in as
    usual first, then connect the sign-in from the account page."""
    found = request.session.pop(SSO_EXISTING_ACCOUNT, None) or {}
    return render(
        request,
        "socialaccount/existing_account.html",
        {
            "email": found.get("email", ""),
            "provider": found.get("provider", ""),
            "next": reverse("accounts:overview"),
        },
    )


@require_http_methods(["GET", "POST"])
def sign_in_remove(request):
    """Remove a connected sign-in, once the person has confirmed which one."""
    form = SignInRemoveForm(
        posted(request), request=request, initial={"account": request.GET.get("account")}
    )
    if request.method == "POST" and form.is_valid():
        form.save()  # allauth: asks for the password again if it was long ago, then removes
        return redirect("accounts:overview")
    return render(
        request,
        "accounts/sign_in_remove.html",
        {"form": form, "has_sign_ins": form.accounts.exists()},
    )
