import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Organisation, Profession, Region, User
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
