import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from ai.models import Generation, QuotaUsage


class GenerationFactory(factory.django.DjangoModelFactory):
    """A succeeded summary, as the offline provider would have made it."""

    class Meta:
        model = Generation

    user = factory.SubFactory(UserFactory)
    feature = "ai.text_summary"
    status = Generation.Status.SUCCEEDED
    provider = "offline"
    model = "offline"
    prompt_version = "0123456789ab"
    input = factory.LazyAttribute(lambda g: {"text": "Tea is grown on hills. It is picked."})
    output = factory.LazyAttribute(
        lambda g: (
            {"title": "Tea", "bullets": ["Tea is grown on hills."]}
            if g.status == Generation.Status.SUCCEEDED
            else None
        )
    )
    tokens_in = 40
    tokens_out = 12
    latency_ms = 5
    attempts = 1
    quota_day = factory.LazyFunction(lambda: timezone.now().date())
    quota_cost = 1
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)

    class Params:
        failed = factory.Trait(
            status=Generation.Status.FAILED,
            error_code="provider_unavailable",
            error_message="The AI provider failed (HTTP 500).",
            quota_day=None,
            tokens_in=0,
            tokens_out=0,
            attempts=3,
        )


class QuotaUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuotaUsage

    user = factory.SubFactory(UserFactory)
    feature = "ai.text_summary"
    day = factory.LazyFunction(lambda: timezone.now().date())
    used = 0
