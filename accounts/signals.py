"""Sign-in events in the audit log: who, when, from where. (The events come from Django
and allauth as signals; recording them is the only thing done here.)"""

import time

from allauth.mfa import signals as mfa_signals
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from core.access import client_ip
from core.services import audit_log


def _where(request):
    """The address (a column of its own) and the browser (in the entry's data)."""
    if request is None:
        return {"data": {}}
    return {
        "ip_address": client_ip(request),
        "data": {"agent": request.META.get("HTTP_USER_AGENT", "")[:200]},
    }


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    audit_log(actor=user, action="auth.sign_in", target=user, **_where(request))
    if request is not None and hasattr(request, "session"):
        # The absolute session time-out counts from here.
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN_AT] = int(time.time())


@receiver(user_logged_out)
def record_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(actor=user, action="auth.sign_out", target=user, **_where(request))


@receiver(user_login_failed)
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    login = credentials.get("email") or credentials.get("username") or ""
    where = _where(request)
    where["data"]["login"] = str(login)[:254]
    audit_log(actor=None, action="auth.sign_in_failed", **where)


@receiver(social_account_added)
def record_sign_in_connected(sender, request, sociallogin, **kwargs):
    account = sociallogin.account
    where = _where(request)
    where["data"].update(provider=account.provider, uid=account.uid)
    audit_log(actor=account.user, action="auth.sso_connected", target=account.user, **where)


@receiver(social_account_removed)
def record_sign_in_removed(sender, request, socialaccount, **kwargs):
    where = _where(request)
    where["data"].update(provider=socialaccount.provider, uid=socialaccount.uid)
    user = socialaccount.user
    audit_log(actor=user, action="auth.sso_removed", target=user, **where)


# Two-factor authentication: turned on or off, recovery codes regenerated or used, a code
# refused. The kind of authenticator is recorded, never its secret or a code.
@receiver(mfa_signals.authenticator_added)
def record_mfa_added(sender, request, user, authenticator, **kwargs):
    _record_mfa(request, user, authenticator, "mfa.added")


@receiver(mfa_signals.authenticator_removed)
def record_mfa_removed(sender, request, user, authenticator, **kwargs):
    _record_mfa(request, user, authenticator, "mfa.removed")


@receiver(mfa_signals.authenticator_reset)
def record_mfa_reset(sender, request, user, authenticator, **kwargs):
    _record_mfa(request, user, authenticator, "mfa.recovery_codes_reset")


@receiver(mfa_signals.authenticator_used)
def record_recovery_code_used(sender, request, user, authenticator, **kwargs):
    # An authenticator app's code at each sign-in is the sign-in's own entry; a recovery
    # code is spent for good, and its owner should see when.
    if authenticator.type == authenticator.Type.RECOVERY_CODES:
        _record_mfa(request, user, authenticator, "mfa.recovery_code_used")


@receiver(mfa_signals.authentication_failed)
def record_mfa_refused(sender, request, user, **kwargs):
    authenticator = kwargs.get("authenticator")
    where = _where(request)
    if authenticator is not None:
        where["data"]["kind"] = authenticator.type
    audit_log(actor=None, action="mfa.code_refused", target=user, **where)


def _record_mfa(request, user, authenticator, action):
    where = _where(request)
    where["data"]["kind"] = authenticator.type
    audit_log(actor=user, action=action, target=user, **where)
