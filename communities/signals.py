"""Keeps the copies this app holds right when their source changes: each community's figures
(CommunityFigures, see services.community_figures_refresh) and the member's name on each
membership (Membership.member_name, the member list's order).

Signals, because the changes come from everywhere: memberships from the services, the admin
and data loads; a person's organisation, profession, region and name from the accounts app,
which must not import this one. Bookkeeping only: no workflow happens here. Writes that send
no signal (QuerySet.update, bulk_create) must refresh the figures themselves.
"""

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from accounts.models import Organisation, Profession, User
from communities import services
from communities.models import Community, Membership

# The fields of a person that the figures count.
PERSON_FIELDS = {"organisation", "profession", "region"}


def _touches(update_fields, fields):
    return update_fields is None or bool(fields & set(update_fields))


@receiver(post_save, sender=Membership)
def membership_saved(sender, instance, created, raw=False, **kwargs):
    # A membership counts in the figures while it is active: only a save that makes it
    # start or stop counting changes them (not a role, a note, needs and offers).
    if raw:
        return
    counted = instance.status == Membership.Status.ACTIVE
    before = False if created else getattr(instance, "counted_in_figures", None)
    instance.counted_in_figures = counted
    if before is None or before != counted:
        services.community_figures_changed(community_ids=[instance.community_id])


@receiver(post_delete, sender=Membership)
def membership_deleted(sender, instance, origin=None, **kwargs):
    # When the community itself is being deleted, its figures go with it.
    if isinstance(origin, Community) or (
        isinstance(origin, QuerySet) and origin.model is Community
    ):
        return
    if instance.status == Membership.Status.ACTIVE:
        services.community_figures_changed(community_ids=[instance.community_id])


def _communities_of(user_ids):
    # Every membership, whatever its status: an account closed in the same transaction has
    # just ended them (communities.personal_data.erase) and its communities still count it.
    return list(
        Membership.objects.filter(user__in=user_ids)
        .values_list("community_id", flat=True)
        .distinct()
    )


@receiver(post_save, sender=User)
def person_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created:  # a new person has no membership yet
        return
    if _touches(update_fields, {"name"}):
        Membership.objects.filter(user=instance).exclude(member_name=instance.name).update(
            member_name=instance.name
        )
    if _touches(update_fields, PERSON_FIELDS):
        services.community_figures_changed(community_ids=_communities_of([instance.pk]))


# Deleting an organisation or a profession empties it on its people with an UPDATE that
# sends no signal: note their communities before, refresh them after.
@receiver(pre_delete, sender=Organisation)
@receiver(pre_delete, sender=Profession)
def listed_value_deleting(sender, instance, **kwargs):
    field = "organisation" if sender is Organisation else "profession"
    people = User.objects.filter(**{field: instance}).values("pk")
    instance._figures_communities = _communities_of(people)


@receiver(post_delete, sender=Organisation)
@receiver(post_delete, sender=Profession)
def listed_value_deleted(sender, instance, **kwargs):
    services.community_figures_changed(community_ids=getattr(instance, "_figures_communities", []))
