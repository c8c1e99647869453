import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Notification, Organisation, Profession, Region, User
from communities.models import Community, Membership, Network

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Example Health Organisation {n}")
    kind = Organisation.Kind.NHS_TRUST
    region = Region.LONDON


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified e-mail address who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="en_GB")
    organisation = factory.SubFactory(OrganisationFactory)
    profession = factory.LazyFunction(
        lambda: Profession.objects.get_or_create(name="Pharmacist")[0]
    )
    region = Region.LONDON
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            if extracted is not False:
                EmailAddress.objects.create(
                    user=self, email=self.email, verified=True, primary=True
                )


class NotificationFactory(factory.django.DjangoModelFactory):
    """An event in a person's notification centre, stored with the channel "off" (shown in the
    centre only) for the tests' kind "test_chatty" (tests/accounts/notification_kinds.py)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "test_chatty"
    dedupe = factory.Sequence(lambda n: f"event:{n}")
    group_key = "discussion:7"
    group_title = "Covert medication"
    text = "Something happened"
    url = "/communities/"
    channel = "off"


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Example Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Example Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    network = factory.SubFactory(NetworkFactory)
    domain = "Reducing harm from medicines in care homes."
    visibility = Community.Visibility.PUBLIC


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    joined_at = factory.LazyFunction(timezone.now)


class ConvenedCommunityFactory(CommunityFactory):
    """A community with its convener, community.lead, and `members` more members (none unless
    told), community.members. ConvenedCommunityFactory(lead=person) makes that person the
    convener; lead__name=... and members__role=... go to the user and the memberships."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def lead(community, create, extracted, **user_fields):
        user = extracted or UserFactory(**user_fields)
        MembershipFactory(community=community, user=user, role=Membership.Role.CONVENER)
        community.lead = user

    @factory.post_generation
    def members(community, create, extracted, **membership_fields):
        community.members = [
            MembershipFactory(community=community, **membership_fields).user
            for _ in range(extracted or 0)
        ]


# --- knowledge -------------------------------------------------------------------------------

from knowledge.models import Adoption, Comment, Resource, Story  # noqa: E402

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    community = factory.SubFactory(CommunityFactory)
    network = None
    title = factory.Sequence(lambda n: f"Medicines review toolkit {n}")
    summary = "A toolkit for structured medication reviews in care homes."
    body = "Use it with residents and their families."
    kind = Resource.Kind.TOOLKIT
    external_url = "https://example.org/toolkit"
    visibility = Resource.Visibility.PUBLIC
    owner = factory.SubFactory(UserFactory)


class AdoptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adoption

    resource = factory.SubFactory(ResourceFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    note = "We use it in our monthly reviews."


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"How we changed our reviews {n}")
    what_happened = "A member shared a review template at our meeting."
    visibility = Story.Visibility.PUBLIC


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    resource = factory.SubFactory(ResourceFactory)
    author = factory.SubFactory(UserFactory)
    body = "We found this helpful."


# --- meetings --------------------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

from meetings.models import ActionItem, Meeting, Minutes, Registration  # noqa: E402


class MeetingFactory(factory.django.DjangoModelFactory):
    """A community's meeting a week from now, an hour long unless told otherwise; given a
    network, that network's event (of no community)."""

    class Meta:
        model = Meeting

    network = None
    community = factory.Maybe("network", None, factory.SubFactory(CommunityFactory))
    title = factory.Sequence(lambda n: f"Community meeting {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda meeting: meeting.starts_at + timedelta(hours=1))


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)


class MinutesFactory(factory.django.DjangoModelFactory):
    """Draft minutes, unless given status="published" and published_at."""

    class Meta:
        model = Minutes

    meeting = factory.SubFactory(MeetingFactory)


class ActionItemFactory(factory.django.DjangoModelFactory):
    """An open action point of a meeting, in the meeting's community."""

    class Meta:
        model = ActionItem

    meeting = factory.SubFactory(MeetingFactory)
    community = factory.LazyAttribute(lambda action: action.meeting.community)
    description = factory.Sequence(lambda n: f"Send the audit form {n}")


# --- discussions -----------------------------------------------------------------------------

from discussions.models import Discussion, Reply  # noqa: E402


class DiscussionFactory(factory.django.DjangoModelFactory):
    """A question in a community, by one of its members unless told otherwise."""

    class Meta:
        model = Discussion

    community = factory.SubFactory(CommunityFactory)
    author = factory.LazyAttribute(lambda d: MembershipFactory(community=d.community).user)
    kind = Discussion.Kind.QUESTION
    title = factory.Sequence(lambda n: f"How do you review covert medication? ({n})")
    body = "We are writing a protocol for care homes."


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply
        skip_postgeneration_save = True

    discussion = factory.SubFactory(DiscussionFactory)
    author = factory.LazyAttribute(
        lambda r: MembershipFactory(community=r.discussion.community).user
    )
    body = "We ask the pharmacist to review it every month."

    @factory.post_generation
    def discussion_active(reply, create, extracted, **kwargs):
        """As services.reply_add keeps it: a discussion's last activity is never older than
        its replies (the feeds and the search rely on it)."""
        if create:
            Discussion.objects.filter(
                pk=reply.discussion_id, last_activity_at__lt=reply.created_at
            ).update(last_activity_at=reply.created_at)


# --- set-ups through the services ------------------------------------------------------------


def meeting_scheduled(*, community, actor, starts_in, hours=1, title="Monthly meeting", **options):
    """A meeting scheduled as a convener does it (meetings.services.meeting_schedule),
    starting `starts_in` (a timedelta) from now and lasting `hours`."""
    from meetings import services

    start = timezone.now() + starts_in
    return services.meeting_schedule(
        actor=actor,
        community=community,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        **options,
    )


def meeting_recorded(*, community, actor, started_ago, hours=2, title="Monthly meeting", **options):
    """A meeting that has happened, recorded as a convener does it
    (meetings.services.meeting_record_past), which started `started_ago` (a timedelta)."""
    from meetings import services

    start = timezone.now() - started_ago
    return services.meeting_record_past(
        actor=actor,
        community=community,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        **options,
    )


def meeting_made(*, community, actor, starts_in, **options):
    """A meeting starting `starts_in` (a timedelta, negative once it has started) from now,
    as a convener makes it: scheduled if it is to come, recorded if it has started (nobody
    is told of a meeting that has happened: `announce` goes only to the scheduling)."""
    if starts_in > timedelta(0):
        return meeting_scheduled(community=community, actor=actor, starts_in=starts_in, **options)
    options.pop("announce", None)
    return meeting_recorded(community=community, actor=actor, started_ago=-starts_in, **options)


def resource_shared(*, community, owner, **fields):
    """A public leaflet with a file (falls.pdf), shared in the community by `owner` as a member
    does it (knowledge.services.resource_create); `fields` replace the defaults."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from knowledge import services

    defaults = {
        "title": "Falls leaflet",
        "summary": "Preventing falls.",
        "body": "",
        "kind": Resource.Kind.LEAFLET,
        "external_url": "",
        "licence": "",
        "visibility": Resource.Visibility.PUBLIC,
        "review_date": date(2030, 1, 1),
    }
    return services.resource_create(
        author=owner,
        community=community,
        upload=SimpleUploadedFile("falls.pdf", MINIMAL_PDF),
        **{**defaults, **fields},
    )


def minutes_saved(
    *, meeting, actor, notes="", decisions="", previous_minutes_agreed=False, **options
):
    """The meeting's minutes as a convener saves them (meetings.services.minutes_save), empty
    unless told; `options` (actions, closed, document...) as the service takes them."""
    from meetings import services

    return services.minutes_save(
        meeting=meeting,
        actor=actor,
        notes=notes,
        decisions=decisions,
        previous_minutes_agreed=previous_minutes_agreed,
        **options,
    )


def community_split_off(*, community, actor, name="Falls group", note="", **options):
    """A new community named `name`, split from `community` as a convener does it
    (communities.services.community_split); `options` (members, chosen) as the service takes
    them."""
    from django.utils.text import slugify

    from communities import services

    return services.community_split(
        community=community,
        actor=actor,
        name=name,
        slug=slugify(name),
        domain=f"What {name} cares about.",
        note=note,
        **options,
    )


def series_every_four_weeks(*, community, actor, description="every four weeks"):
    """(series, meetings): "Falls huddle", seven meetings from 14:00 to 15:00 every four
    weeks from three days on, scheduled as a convener does it."""
    from datetime import time

    from meetings import services

    first = timezone.localdate() + timedelta(days=3)
    return services.series_schedule(
        community=community,
        actor=actor,
        title="Falls huddle",
        description=description,
        dates=[first + timedelta(days=28 * i) for i in range(7)],
        start_time=time(14),
        end_time=time(15),
    )
