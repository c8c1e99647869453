"""Everything the platform holds about a person, to download or to erase (UK GDPR).

This app owns the mechanism; each app registers what it holds about a person from its
AppConfig.ready() (lower apps never import higher ones):

    register(name="meetings", export=fn(user) -> JSON-able, files=fn(user) -> [(name, storage name)],
             erase=fn(user, remove_contributions) -> None)

An erase function that drops rows naming stored files hands each file to
cop_platform.uploads.delete_file_on_commit: the bytes go when the whole erasure commits,
and stay if it rolls back (the rows still name them).
"""

import io
import json
import zipfile
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEntry, EmailDelivery, User


@dataclass(frozen=True)
class Holder:
    name: str
    export: object
    files: object = None
    erase: object = None


HOLDERS: dict[str, Holder] = {}


def register(*, name, export, files=None, erase=None):
    HOLDERS[name] = Holder(name, export, files, erase)


def _account(user):
    from allauth.account.models import EmailAddress

    return {
        "profile": {
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
        },
        "email_preferences": {
            "digest": user.digest_frequency,
            "meeting_reminders": user.meeting_reminders,
            "meeting_announcements": user.meeting_announcements,
            "minutes": user.minutes_emails,
            "resource_notices": user.resource_notices,
            "membership_notices": user.membership_notices,
        },
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        "emails_sent_to_you": list(
            EmailDelivery.objects.filter(recipient=user).values(
                "subject", "status", "created_at", "sent_at"
            )
        ),
        "your_actions": list(AuditEntry.objects.filter(actor=user).values("action", "created_at")),
    }


def export_archive(user):
    """A zip: data.json with every app's part, and the files the person uploaded."""
    data = {"exported_at": timezone.now(), "account": _account(user)}
    data.update({name: holder.export(user) for name, holder in HOLDERS.items()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        for holder in HOLDERS.values():
            for archive_name, stored_name in holder.files(user) if holder.files else []:
                if stored_name and default_storage.exists(stored_name):
                    with default_storage.open(stored_name, "rb") as handle:
                        archive.writestr(f"files/{holder.name}/{archive_name}", handle.read())
    return buffer.getvalue()


@transaction.atomic
def account_erase(*, user, actor, remove_contributions=False):
    """Close the account: memberships end, e-mails stop at once, private journals go, and
    what the person contributed stays attributed to "Former member" unless they asked for
    it to be removed. The row stays so that contributions keep an author."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from accounts.services import audit_log, sessions_end_all

    for holder in HOLDERS.values():
        if holder.erase:
            holder.erase(user, remove_contributions=remove_contributions)
    EmailDelivery.objects.filter(recipient=user, status=EmailDelivery.Status.PENDING).update(
        status=EmailDelivery.Status.SUPPRESSED
    )
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    user.name = "Former member"
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
    audit_log(
        actor=actor if actor and actor.pk != user.pk else None,
        action="account.erase",
        target=user,
        data={"remove_contributions": remove_contributions},
    )
    return user
