"""Writes about people: profile, preferences, unsubscribe, organisations (confirm, merge),
the audit log."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organisation, User
from accounts.notifications.services import notification_kind_off
from accounts.outbox.preferences import PREFERENCES, preference_get
from core.services import audit_log

PROFILE_FIELDS = ("name", "job_title", "organisation", "profession", "region", "bio", "timezone")


def sessions_end_all(*, user, except_session_key=None):
    """Sign this person out everywhere (but the given session): every session recorded at
    sign-in is deleted from the session store. Returns how many were ended."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(session_key=except_session_key):
        session.end()
        ended += 1
    return ended


def organisation_get_or_create(*, name, kind=Organisation.Kind.OTHER, region=""):
    """Find an organisation by name (any case), or add a typed one: it waits for staff to
    confirm it (or merge it into one already listed) before anyone else sees it listed."""
    name = " ".join(name.split())
    organisation = Organisation.objects.filter(name__iexact=name).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            name=name, kind=kind, region=region, status=Organisation.Status.PENDING
        )
    return organisation


@transaction.atomic
def organisation_confirm(*, organisation, actor):
    """Staff add a waiting organisation to the lists. Returns whether it was waiting."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status == Organisation.Status.CONFIRMED:
        return False
    organisation.status = Organisation.Status.CONFIRMED
    organisation.save(update_fields=["status"])
    audit_log(actor=actor, action="organisation.confirm", target=organisation)
    return True


def _references(model):
    """Every foreign key to `model` (those with no reverse accessor too): (model, field)."""
    return [
        (rel.related_model, rel.field)
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


@transaction.atomic
def organisation_merge(*, duplicate, into, actor):
    """Staff merge an organisation typed twice into the one listed: every record naming the
    duplicate (people, adoptions, convener applications: each foreign key, found from the
    model, so that one added later is moved too) names `into` instead, and the duplicate is
    deleted. Returns {"app_label.model": number of records moved}."""
    if duplicate.pk == into.pk:
        raise ValidationError({"into": "Choose another organisation to merge it into"})
    locked = Organisation.objects.select_for_update().in_bulk([duplicate.pk, into.pk])
    if len(locked) != 2:
        raise ValidationError("One of the organisations no longer exists")
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    if into.status != Organisation.Status.CONFIRMED:
        raise ValidationError({"into": "Choose a confirmed organisation to merge it into"})
    moved = {}
    for model, field in _references(Organisation):
        # Saved one by one, not with QuerySet.update: the copies kept of a person's
        # organisation (each community's figures) follow the save signal.
        rows = list(model._base_manager.filter(**{field.name: duplicate}))
        for row in rows:
            setattr(row, field.name, into)
            row.save(update_fields=[field.name])
        if rows:
            moved[model._meta.label_lower] = len(rows)
    audit_log(
        actor=actor,
        action="organisation.merge",
        target=into,
        data={"merged": duplicate.pk, "merged_name": duplicate.name, "moved": moved},
    )
    duplicate.delete()
    return moved


@transaction.atomic
def user_profile_update(*, user, actor, organisation_name="", **fields):
    """Update the profile fields given; a typed organisation name is found or added."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not profile fields: {sorted(unknown)}")
    if organisation_name:
        fields["organisation"] = organisation_get_or_create(name=organisation_name)
    # Compare with the stored row: a ModelForm may already have changed the instance.
    columns = {f: User._meta.get_field(f).attname for f in fields}
    before = User.objects.filter(pk=user.pk).values(*columns.values()).get()
    for field, value in fields.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(fields))
    # Only the names of the fields that changed: the audit log holds no personal text.
    changed = sorted(f for f, column in columns.items() if before[column] != getattr(user, column))
    audit_log(actor=actor, action="profile.update", target=user, data={"changed": changed})
    return user


@transaction.atomic
def user_preferences_update(*, user, actor, **preferences):
    fields = sorted({p.field for p in PREFERENCES.values()})
    if set(preferences) - set(fields):
        raise TypeError(f"Not preferences: {sorted(set(preferences) - set(fields))}")
    for field, value in preferences.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(preferences))
    audit_log(actor=actor, action="preferences.update", target=user, data=preferences)
    return user


@transaction.atomic
def preference_unsubscribe(*, user_id, preference):
    """Switch exactly one preference off. Idempotent: a second call changes nothing.

    Returns (user, changed) or (None, False) when the account no longer exists.
    """
    pref = preference_get(preference)
    if pref is None:
        raise KeyError(preference)
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        return None, False
    if pref.kind is not None:
        # One kind of notification: it stays in the centre, and is e-mailed no more.
        if not notification_kind_off(user=user, kind=pref.kind):
            return user, False
    elif not pref.is_on(user):
        return user, False
    else:
        setattr(user, pref.field, pref.off_value)
        user.save(update_fields=[pref.field])
    audit_log(
        actor=None, action="preferences.unsubscribe", target=user, data={"preference": preference}
    )
    return user, True


def user_home_visited(*, user, when):
    """Remember the visit (a timestamp, not a state change: no audit entry)."""
    User.objects.filter(pk=user.pk).update(last_home_visit=when)
