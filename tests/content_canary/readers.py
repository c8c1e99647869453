"""Who may read what: roles derived from the world's data alone (memberships, managers,
registrations, the minutes' status), from DESIGN.md's permissions table; never from the
product's permission functions, which would only be tested against themselves."""

from tests.conftest import ROLES

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
# Readers who are not roles of the access table: whoever holds an invitation's link (and the
# e-mail it came in), and the sponsor named in the member's application (its token link).
INVITEE, SPONSOR = "invitee", "sponsor"


class Readers:
    """The roles that may read things of the world, derived from its data alone."""

    def __init__(self, people, *, sponsored_application=None):
        self.people = people
        self.role_of = {person.pk: role for role, person in people.items()}
        self.sponsored_application = sponsored_application

    def roles(self, user_ids):
        return {self.role_of[pk] for pk in user_ids if pk in self.role_of}

    def role(self, user_id):
        return self.roles([user_id])

    # communities
    def members(self, community):
        from communities.models import Membership

        active = community.memberships.filter(status=Membership.Status.ACTIVE)
        return frozenset(self.roles(active.values_list("user_id", flat=True)) | {"staff"})

    def leaders(self, community):
        from communities.models import Membership

        leading = community.memberships.filter(
            status=Membership.Status.ACTIVE, role__in=Membership.LEADING_ROLES
        )
        return frozenset(self.roles(leading.values_list("user_id", flat=True)) | {"staff"})

    def managers(self, network):
        if network is None:
            return frozenset({"staff"})
        return frozenset(self.roles(network.managers.values_list("pk", flat=True)) | {"staff"})

    def network_members(self, network):
        from communities.models import Membership

        active = Membership.objects.filter(
            community__network=network, status=Membership.Status.ACTIVE
        )
        return self.managers(network) | self.roles(active.values_list("user_id", flat=True))

    def community(self, community):
        """Its content: everyone, signed-in people or members, by its visibility. A programme
        manager reads no more of a private community than its name (and figures)."""
        if community.visibility == "public":
            return EVERYONE
        if community.visibility == "listed":
            return SIGNED_IN
        return self.members(community)

    def invited(self, community):
        return {INVITEE} if community.invitations.filter(status="pending").exists() else set()

    def community_name(self, community):
        return (
            self.community(community) | self.managers(community.network) | self.invited(community)
        )

    # meetings
    def meeting(self, meeting):
        if meeting.community_id is None:
            if meeting.visibility == "public":
                return EVERYONE
            return self.network_members(meeting.network) | self.registered(meeting)
        if meeting.visibility == "public":
            return self.community(meeting.community)
        return self.members(meeting.community)

    def registered(self, meeting):
        return self.roles(
            meeting.registrations.filter(status="registered").values_list("user_id", flat=True)
        )

    def meeting_leaders(self, meeting):
        if meeting.community_id is None:
            return self.managers(meeting.network)
        return self.leaders(meeting.community)

    def minutes(self, minutes):
        """Published: the meeting's audience; a draft: its conveners."""
        if minutes.status == "published":
            return self.meeting(minutes.meeting)
        return self.meeting_leaders(minutes.meeting)

    # the library
    def item(self, *, community, network, visibility):
        """A resource or story: never wider than its community's content."""
        if community is not None:
            wider = {
                "public": self.community(community),
                "signed-in": self.community(community) - {"anonymous"},
            }.get(visibility, frozenset())
            return self.members(community) | wider
        if visibility == "public":
            return EVERYONE
        if visibility == "signed-in":
            return SIGNED_IN
        return self.network_members(network)

    def resource(self, resource):
        if resource.status == "hidden":  # its owner, who may read why, and its moderators
            moderators = (
                self.leaders(resource.community)
                if resource.community_id
                else self.managers(resource.network)
            )
            return moderators | self.role(resource.owner_id)
        return self.item(
            community=resource.community, network=resource.network, visibility=resource.visibility
        )

    # the leadership programme
    def application(self, application):
        readers = self.role(application.applicant_id) | self.managers(application.programme.network)
        if application.pk == self.sponsored_application:
            readers |= {SPONSOR}
        return readers
