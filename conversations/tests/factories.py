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


CHARACTER = {
    "name": "Maya",
    "age": 29,
    "occupation": "graphic designer",
    "appearance": "A denim jacket and a sketchbook under one arm.",
    "activity": "Waiting for her coffee at the counter.",
    "personality": "Warm and curious; enjoys a good story.",
    "traits": ["curious", "witty"],
    "interests": ["illustration", "hiking"],
    "mood": "relaxed",
    "speaking_style": "Short, friendly sentences.",
    "body_language": "open",
    "opener": "Oh, sorry, was I in your way?",
}


class ConversationFactory(factory.django.DjangoModelFactory):
    """An active practice conversation with its character (add the opener with
    ``MessageFactory``)."""

    class Meta:
        model = "conversations.Conversation"

    user = factory.SubFactory(UserFactory)
    kind = "practice"
    scenario = factory.SubFactory(ScenarioFactory)
    scenario_snapshot = factory.LazyAttribute(
        lambda o: (
            {
                "slug": o.scenario.slug,
                "title": o.scenario.title,
                "setting": o.scenario.setting,
                "description": o.scenario.description,
                "target": o.scenario.target,
                "premium": o.scenario.premium,
            }
            if o.scenario is not None
            else None
        )
    )
    difficulty = "green"
    status = "active"
    character = factory.LazyFunction(lambda: dict(CHARACTER))
    canary = factory.Sequence(lambda n: f"canary{n:08d}")
    started_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    last_message_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Message"

    conversation = factory.SubFactory(ConversationFactory)
    role = "member"
    content = "Hi there!"
    status = "complete"


class SafetyEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.SafetyEvent"

    user = factory.SubFactory(UserFactory)
    direction = "input"
    categories = factory.LazyFunction(lambda: ["age"])
    action = "underage"
    source = "local"
