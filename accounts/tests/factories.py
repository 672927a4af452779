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


class _UserRowFactory(factory.django.DjangoModelFactory):
    """A row every user already has from creation (``services.user_rows_ensure``): the
    factory fills it in rather than inserting a second one."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, user, **kwargs):
        row, _ = model_class._default_manager.update_or_create(user=user, defaults=kwargs)
        # The user still holds the empty row made with it; hand it this one instead.
        setattr(user, model_class._meta.get_field("user").remote_field.get_accessor_name(), row)
        return row


class ProfileFactory(_UserRowFactory):
    class Meta:
        model = Profile

    display_name = factory.Faker("name")


class OnboardingFactory(_UserRowFactory):
    class Meta:
        model = Onboarding
