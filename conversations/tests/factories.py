"""Factories of the conversations app's rows."""

import datetime as dt

import factory

from accounts.tests.factories import UserFactory

TIPS = {
    "green": ["Say hello.", "Ask an open question."],
    "yellow": ["Acknowledge they are busy.", "Keep it short."],
    "red": ["Read the signals first.", "Exit gracefully."],
}


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Scenario"

    slug = factory.Sequence(lambda n: f"scenario-{n}")
    title = factory.Sequence(lambda n: f"Scenario {n}")
    setting = "coffee_shop"
    description = "A busy café on a weekday morning."
    target = "social"
    premium = False
    tips = factory.LazyFunction(lambda: {key: list(value) for key, value in TIPS.items()})
    active = True
    order = factory.Sequence(lambda n: 1000 + n)


class PracticeQuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.PracticeQuota"

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC).date())
    used = 1
