"""The audit log's one writer."""

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils.crypto import salted_hmac

from core.access import current_ip
from core.models import AuditEntry


def audit_log(*, actor, action, target=None, data=None, ip_address=None):
    """One row of the audit log: who, what, on which object, when and from where (the
    address of the request being handled, unless given). An object among `data`'s values
    is kept as its primary key (None as None)."""
    if data:
        data = {k: v.pk if isinstance(v, Model) else v for k, v in data.items()}
    if data and data.get("login"):
        data = _typed_login(data)
    entry = AuditEntry(
        actor=actor, action=action, data=data or {}, ip_address=ip_address or current_ip()
    )
    if target is not None:
        entry.target = target
    entry.save()
    return entry


def _typed_login(data):
    """The address typed at a refused sign-in is kept only when it is an account's: anyone
    else's (a typo, a closed account, a list being tried) becomes a keyed digest, which
    still shows the same address tried again without saying what it was."""
    login = str(data["login"]).strip().lower()
    if get_user_model().objects.filter(email__iexact=login).exists():
        return data
    digest = salted_hmac("accounts.audit.login", login).hexdigest()[:24]
    return {**data, "login": "", "login_digest": digest}
