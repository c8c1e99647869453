"""Everything the platform holds about a person, to download or to erase (UK GDPR).

This app owns the mechanism; each app registers what it holds about a person from its
AppConfig.ready() (lower apps never import higher ones):

    register(name="meetings", export=Export(Part(...), ...),
             files=fn(user) -> [(name, storage name)], its docstring saying what they are,
             erase=fn(user, remove_contributions) -> None)

An Export is a list of Parts. Each Part names the model and the field that points at the
person, the columns it hands over and one line saying what it is; the download's
README.txt is written from those lines. Because each Part names its model and field,
tests/accounts/test_personal_data.py can check that every foreign key to a person, in
every installed app, is in somebody's export: a new model that forgets to register fails
the build rather than the subject access request.

An erase function that drops rows naming stored files hands each file to
core.uploads.delete_file_on_commit: the bytes go when the whole erasure commits,
and stay if it rolls back (the rows still name them).
"""

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import CharField, Q, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import EmailDelivery, Notification, NotificationSetting, User
from core.models import AuditEntry


@dataclass(frozen=True)
class Part:
    """One kind of record about a person: `model`'s rows whose `by` field is the person,
    as `fields` (ORM lookups allowed), or whatever `rows(user)` returns when the rows are
    not simply "ours" by a foreign key (an address, an audit entry about the person)."""

    key: str
    about: str
    model: str = ""  # "app_label.Model"
    by: str = ""  # the field that points at the person
    fields: tuple = ()
    rows: Callable | None = None

    def read(self, user):
        if self.rows is not None:
            return self.rows(user)
        model = apps.get_model(self.model)
        return list(model.objects.filter(**{self.by: user}).values(*self.fields))


class Export:
    """What one app hands over: its Parts, read in order."""

    def __init__(self, *parts):
        self.parts = parts

    def __call__(self, user):
        return {part.key: part.read(user) for part in self.parts}


@dataclass(frozen=True)
class Holder:
    name: str
    export: object
    files: object = None
    erase: object = None


HOLDERS: dict[str, Holder] = {}


def register(*, name, export, files=None, erase=None):
    HOLDERS[name] = Holder(name, export, files, erase)


def register_module(name, module):
    """Register an app's personal_data module: its `export`, and its `files` and `erase`
    where it has them."""
    register(
        name=name,
        export=module.export,
        files=getattr(module, "files", None),
        erase=getattr(module, "erase", None),
    )


def covered_fields():
    """Every (model label, field name) some app's export reads the person's rows by."""
    return {
        (part.model, part.by)
        for holder in HOLDERS.values()
        for part in getattr(holder.export, "parts", ())
        if part.model and part.by
    }


# --- what the accounts app holds ------------------------------------------------------------


def _profile(user):
    return {
        "name": user.name,
        "email": user.email,
        "job_title": user.job_title,
        "organisation": str(user.organisation or ""),
        "profession": str(user.profession or ""),
        "region": user.get_region_display(),
        "bio": user.bio,
        "timezone": user.timezone,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "last_home_visit": user.last_home_visit,
    }


def _email_preferences(user):
    return {
        "digest": user.digest_frequency,
        "meeting_reminders": user.meeting_reminders,
        "meeting_announcements": user.meeting_announcements,
        "minutes": user.minutes_emails,
        "resource_notices": user.resource_notices,
        "membership_notices": user.membership_notices,
    }


def person_addresses(user):
    """Every address the person has given us: the account's and allauth's list."""
    from allauth.account.models import EmailAddress

    addresses = {user.email.lower()}
    addresses.update(
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    return sorted(a for a in addresses if a)


def address_q(addresses, lookup):
    """Matches `lookup` (a field or JSON key path) holding any of these addresses, in any
    case."""
    matches = Q(pk__in=[])
    for address in addresses:
        matches |= Q(**{f"{lookup}__iexact": address})
    return matches


def _audit_rows(entries):
    """Audit entries as the person reads them: what, when, on what, from where. The
    target is named by its kind and number (its current title may have changed)."""
    return [
        {
            "action": e.action,
            "when": e.created_at,
            "target": f"{e.target_type.model} {e.target_id}" if e.target_type_id else "",
            "details": e.data,
            "ip_address": e.ip_address,
        }
        for e in entries.select_related("target_type").order_by("created_at")
    ]


def _about_you(user):
    from django.contrib.contenttypes.models import ContentType

    entries = AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(user), target_id=str(user.pk)
    ).exclude(actor=user)
    # Who did it is named only as staff, you or the platform: staff are people too.
    return [
        {**row, "by": "the platform" if actor is None else "staff"}
        for row, actor in zip(
            _audit_rows(entries),
            entries.order_by("created_at").values_list("actor_id", flat=True),
            strict=True,
        )
    ]


def _sign_in_history(user):
    """Sign-ins, sign-outs and refused attempts: when, from which address, which browser.
    Refused attempts name the address typed, not the account: those typed as yours."""
    from django.contrib.contenttypes.models import ContentType

    typed = address_q(person_addresses(user), "data__login")
    entries = AuditEntry.objects.filter(
        Q(target_type=ContentType.objects.get_for_model(user), target_id=str(user.pk))
        | (Q(action__in=SIGN_IN_REFUSALS) & typed),
        Q(action__startswith="auth.") | Q(action__startswith="mfa."),
    ).order_by("created_at")
    return [
        {
            "action": e.action,
            "when": e.created_at,
            "ip_address": e.ip_address,
            "browser": e.data.get("agent", ""),
        }
        for e in entries
    ]


SIGN_IN_REFUSALS = ("auth.sign_in_failed", "auth.sign_in_limited")


ACCOUNT = Export(
    Part("profile", "Your profile as you and others see it.", rows=_profile),
    Part("email_preferences", "Which e-mails you chose to receive.", rows=_email_preferences),
    Part(
        "email_addresses",
        "The addresses on your account and whether each was verified.",
        "account.EmailAddress",
        "user",
        ("email", "verified", "primary"),
    ),
    Part(
        "emails_sent_to_you",
        "Every e-mail we wrote to you still in our outbox: subject, full text, status.",
        "accounts.EmailDelivery",
        "recipient",
        ("to_address", "subject", "body_text", "status", "created_at", "sent_at"),
    ),
    Part(
        "your_actions",
        "The audit trail of what you did: action, when, on what, details, address used.",
        "core.AuditEntry",
        "actor",
        rows=lambda user: _audit_rows(AuditEntry.objects.filter(actor=user)),
    ),
    Part(
        "about_you",
        "What staff or the platform did to your account (by whom is given as a role).",
        rows=_about_you,
    ),
    Part(
        "sign_in_history",
        "Sign-ins, sign-outs, two-factor events and refused attempts with your address: "
        "when, from which network address, which browser.",
        rows=_sign_in_history,
    ),
    Part(
        "active_sessions",
        "The browsers signed in to your account now: since when, last seen, address, browser.",
        "usersessions.UserSession",
        "user",
        ("created_at", "last_seen_at", "ip", "user_agent"),
    ),
    Part(
        "two_factor",
        "Your two-factor methods (their kind and dates; never a secret or a code).",
        "mfa.Authenticator",
        "user",
        ("type", "created_at", "last_used_at"),
    ),
    Part(
        "single_sign_on",
        "Organisation sign-ins connected to your account.",
        "socialaccount.SocialAccount",
        "user",
        ("provider", "uid", "last_login", "date_joined"),
    ),
    Part(
        "replies_held",
        "Replies you sent by e-mail that wait for you to check them: where to, the text, "
        "when it arrived and when it will be deleted.",
        "accounts.HeldReply",
        "user",
        ("handler", "object_id", "text", "created_at", "expires_at"),
    ),
    Part(
        "notifications",
        "Your notifications: what happened, where it links, when, and when you read it.",
        "accounts.Notification",
        "recipient",
        ("kind", "group_title", "text", "url", "channel", "created_at", "read_at"),
    ),
    Part(
        "notifications_you_caused",
        "That other people were notified of something you did: which kind, and when.",
        "accounts.Notification",
        "actor",
        ("kind", "created_at"),
    ),
    Part(
        "notification_settings",
        "How you chose to hear about each kind of notification.",
        "accounts.NotificationSetting",
        "user",
        ("kind", "channel"),
    ),
    Part(
        "admin_actions",
        "What you changed in the administration pages, if you are staff.",
        "admin.LogEntry",
        "user",
        ("action_time", "content_type__model", "object_repr", "change_message"),
    ),
)

register(name="account", export=ACCOUNT)


# --- the download ---------------------------------------------------------------------------


def _readme(exported_at):
    lines = [
        "Your data",
        "=========",
        "",
        f"Everything this service held about you on {exported_at:%d %B %Y at %H:%M} (UTC).",
        "",
        "data.json holds it as JSON, one section per part of the service; in each section,",
        "one entry per kind of record:",
    ]
    for holder in HOLDERS.values():
        lines += ["", f"{holder.name}"]
        lines += [f"  {part.key}: {part.about}" for part in holder.export.parts]
    lines += ["", "files/ holds the files you uploaded:"]
    lines += [
        f"  files/{h.name}/: {(h.files.__doc__ or '').strip()}" for h in HOLDERS.values() if h.files
    ]
    lines += [
        "",
        "Times are in UTC. Other people appear only where you wrote about them yourself.",
        "To correct, restrict or erase any of this, use your account page or write to the",
        "data protection contact named in the service's privacy notice.",
        "",
    ]
    return "\n".join(lines)


def export_archive(user):
    """A zip: README.txt saying what each file holds, data.json with every app's part, and
    the files the person uploaded."""
    exported_at = timezone.now()
    data = {"exported_at": exported_at}
    data.update({name: holder.export(user) for name, holder in HOLDERS.items()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(exported_at))
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        for holder in HOLDERS.values():
            for archive_name, stored_name in holder.files(user) if holder.files else []:
                if stored_name and default_storage.exists(stored_name):
                    with default_storage.open(stored_name, "rb") as handle:
                        archive.writestr(f"files/{holder.name}/{archive_name}", handle.read())
    return buffer.getvalue()


def export_release(*, user, actor, identity_check, released_to, note=""):
    """Staff release a person's data on a request received by post: the archive, and an
    audit row saying who released which archive (its SHA-256) to whom, after which
    identity check."""
    from core.services import audit_log

    archive = export_archive(user)
    audit_log(
        actor=actor,
        action="account.export_released",
        target=user,
        data={
            "identity_check": identity_check,
            "check_note": note,
            "released_to": released_to,
            "sha256": hashlib.sha256(archive).hexdigest(),
            "size": len(archive),
        },
    )
    return archive


# --- erasure --------------------------------------------------------------------------------

FORMER_MEMBER = "Former member"
ERASED_ADDRESS = "(erased address)"

# What may still carry a closed account's name after erasure, and why. Everything else
# that named the person, their address, network address or browser is removed or
# pseudonymised; tests/accounts/test_erasure.py plants them everywhere and checks.
KEPT_AFTER_ERASURE = {
    "accounts.EmailDelivery.body_text": "a message to someone else still waiting to be sent "
    "(it is blanked once sent, or by the outbox retention period)",
    "accounts.EmailDelivery.body_html": "as above",
    "accounts.EmailDelivery.subject": "as above",
    "meetings.Minutes.notes": "minutes are the community's record, written by its conveners",
    "meetings.Minutes.decisions": "as above",
    "meetings.ActionItem.description": "as above",
    "knowledge.Comment.body": "other people's words, and the person's own when they chose to "
    "keep their contributions",
    "knowledge.Story.*": "the person's own stories when they chose to keep their contributions",
    "knowledge.Resource.*": "the person's own resources when they chose to keep them",
    "communities.CharterVersion.*": "the community's charter, written by its conveners",
    "communities.Report.reason": "the person's reports to the conveners when they chose to "
    "keep their contributions",
}


def _replace_in(value, replacements):
    """`value` (JSON: dicts, lists, strings) with every case-insensitive occurrence of
    each key replaced by its value."""
    if isinstance(value, str):
        for old, new in replacements.items():
            value = re.sub(re.escape(old), new, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, dict):
        return {k: _replace_in(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_in(v, replacements) for v in value]
    return value


def _json_text_q(column, terms):
    """Rows whose JSON column, as text, contains any of the terms. A JSON column stores
    non-ASCII characters escaped on some databases (SQLite), as they are on others."""
    matches = Q(pk__in=[])
    for term in terms:
        for form in {term, json.dumps(term)[1:-1]}:
            matches |= Q(**{f"{column}__icontains": form})
    return matches


def audit_erase(*, user, name, addresses):
    """Audit rows keep that something happened, not who: the person's network address and
    browser go from every row they made or that is about them, and their name and
    addresses from every row's details. The actor stays linked to the account, which now
    reads "Former member"."""
    from django.contrib.contenttypes.models import ContentType

    about = Q(actor=user) | Q(
        target_type=ContentType.objects.get_for_model(user), target_id=str(user.pk)
    )
    typed = Q(action__in=SIGN_IN_REFUSALS) & address_q(addresses, "data__login")
    terms = [t for t in [name, *addresses] if t]
    replacements = dict.fromkeys(addresses, ERASED_ADDRESS)
    if name:
        replacements[name] = FORMER_MEMBER
    entries = AuditEntry.objects.annotate(text=Cast("data", TextField())).filter(
        about | typed | _json_text_q("text", terms)
    )
    for entry in entries.only("pk", "data", "actor_id", "target_type_id", "target_id"):
        data = _replace_in(entry.data, replacements)
        data.pop("agent", None)
        AuditEntry.objects.filter(pk=entry.pk).update(data=data, ip_address=None)


def outbox_erase(*, user, name, addresses):
    """The outbox keeps that a message went, not to whom nor what it said: the person's
    rows lose address, subject and text (each gets an address of its own, as the outbox
    is unique per address and purpose). Messages to other people that named the person
    lose their text once sent; one still waiting keeps it to be delivered."""
    from django.db.models.functions import Concat

    mine = Q(recipient=user) | address_q(addresses, "to_address")
    EmailDelivery.objects.filter(mine, status=EmailDelivery.Status.PENDING).update(
        status=EmailDelivery.Status.SUPPRESSED
    )
    EmailDelivery.objects.filter(mine).update(
        to_address=Concat(Value("erased-"), Cast("pk", CharField()), Value("@erased.example.org")),
        subject="",
        body_text="",
        body_html="",
        headers={},
        attachments=[],
        last_error="",
    )
    naming = Q(pk__in=[])
    for term in [name, *addresses]:
        if term:
            for column in ("subject", "body_text", "body_html"):
                naming |= Q(**{f"{column}__icontains": term})
    EmailDelivery.objects.filter(naming).exclude(
        status__in=[EmailDelivery.Status.PENDING, EmailDelivery.Status.SENDING]
    ).update(subject="(removed)", body_text="", body_html="", attachments=[])


def notifications_erase(*, user, name):
    """The person's notifications and settings go; other people's notifications of what
    they did keep the event but call them a former member."""
    from django.db.models.functions import Replace

    Notification.objects.filter(recipient=user).delete()
    NotificationSetting.objects.filter(user=user).delete()
    caused = Notification.objects.filter(actor=user)
    if name:
        caused.update(
            text=Replace("text", Value(name), Value(FORMER_MEMBER)),
            group_title=Replace("group_title", Value(name), Value(FORMER_MEMBER)),
        )
    caused.update(actor=None)


def admin_log_erase(*, name):
    """The admin's history names objects as they read then: a person, or their membership."""
    from django.contrib.admin.models import LogEntry

    if name:
        for entry in LogEntry.objects.filter(object_repr__icontains=name).only("object_repr"):
            entry.object_repr = _replace_in(entry.object_repr, {name: FORMER_MEMBER})
            entry.save(update_fields=["object_repr"])


@transaction.atomic
def account_erase(*, user, actor, remove_contributions=False, audit_hold=False):
    """Close the account: memberships end, e-mails stop at once, private journals go, and
    what the person contributed stays attributed to "Former member" unless they asked for
    it to be removed. The row stays so that contributions keep an author.

    Every trace of who they were goes or is pseudonymised (see KEPT_AFTER_ERASURE for what
    stays, and why). `audit_hold`: staff were told to keep the audit trail as it is (a
    legal hold); it is then left untouched and the closure's own entry says so."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from accounts.services import sessions_end_all
    from core.services import audit_log

    name, addresses = user.name, person_addresses(user)
    for holder in HOLDERS.values():
        if holder.erase:
            holder.erase(user, remove_contributions=remove_contributions)
    outbox_erase(user=user, name=name, addresses=addresses)
    notifications_erase(user=user, name=name)
    user.held_replies.all().delete()  # replies by e-mail never posted
    admin_log_erase(name=name)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    user.name = FORMER_MEMBER
    user.email = f"former-member-{user.pk}@erased.example.org"
    user.job_title = user.bio = ""
    user.organisation = user.profession = None
    user.region = ""
    user.digest_frequency = User.Digest.NEVER
    user.meeting_reminders = user.meeting_announcements = user.minutes_emails = False
    user.resource_notices = user.membership_notices = False
    user.is_active = user.is_staff = user.is_superuser = False
    # A new (unusable) password also ends every session: Django checks a hash of it. The
    # sessions are deleted too, with the addresses and browsers they recorded.
    user.set_unusable_password()
    user.save()
    sessions_end_all(user=user)
    # Who closed it: the person themselves or a member of staff; no name, no address (the
    # entry is about the person, so the scrub below takes the request's address off it).
    audit_log(
        actor=actor,
        action="account.erase",
        target=user,
        data={
            "by": "self" if actor is not None and actor.pk == user.pk else "staff",
            "contributions": "removed" if remove_contributions else "kept",
            "audit_hold": audit_hold,
        },
    )
    if not audit_hold:
        audit_erase(user=user, name=name, addresses=addresses)
    return user
