import factory
from allauth.account.models import EmailAddress

from accounts.models import Onboarding, Profile, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A member with a verified address, a profile and an empty onboarding."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )

    profile = factory.RelatedFactory(
        "accounts.tests.factories.ProfileFactory", factory_related_name="user"
    )
    onboarding = factory.RelatedFactory(
        "accounts.tests.factories.OnboardingFactory", factory_related_name="user"
    )


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    display_name = factory.Faker("name")


class OnboardingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Onboarding
