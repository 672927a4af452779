import pytest
from django.utils import timezone

from accounts.tests.factories import OnboardingFactory


@pytest.fixture
def adult(member):
    """``member`` with onboarding's age check passed."""
    OnboardingFactory(user=member, is_adult=True, age_verified_at=timezone.now())
    return member


@pytest.fixture(autouse=True)
def _empty_catalogue(db):
    """Start each test from an empty catalogue, with or without the seed migration, so
    lists hold exactly the scenarios a test makes."""
    from django.apps import apps

    apps.get_model("conversations", "Scenario").objects.all().delete()
