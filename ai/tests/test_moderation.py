"""ai.services.moderate: the moderation provider when one is configured, local rules
otherwise, and an outage the callers can answer with 503."""

import socket

import pytest

from ai import services
from ai.services import ModerationResult, ModerationUnavailable

from .fake_openai import error, moderation

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderation_provider(fake_openai, settings):
    settings.AI_MODERATION_BASE_URL = fake_openai.base_url
    settings.AI_MODERATION_API_KEY = "moderation-key"
    settings.AI_MODERATION_MODEL = "omni-moderation-latest"
    settings.AI_MODERATION_TIMEOUT = 0.5
    return fake_openai


def test_the_provider_flags_a_text_in_its_categories(member, moderation_provider):
    # given
    moderation_provider.script(moderation("self-harm", "self-harm/intent"))

    # when
    result = services.moderate(text="Some text the provider judges.", user=member)

    # then
    assert result == ModerationResult(
        flagged=True, categories=["self-harm", "self-harm/intent"], source="provider"
    )
    [request] = moderation_provider.received
    assert (request.path, request.headers["authorization"], request.body) == (
        "/v1/moderations",
        "Bearer moderation-key",
        {"model": "omni-moderation-latest", "input": "Some text the provider judges."},
    )


def test_the_provider_passes_a_clean_text(member, moderation_provider):
    # given
    moderation_provider.script(moderation())

    # when
    result = services.moderate(text="Shall we get coffee on Friday?", user=member)

    # then
    assert result == ModerationResult(flagged=False, categories=[], source="provider")


def test_a_provider_that_fails_makes_moderation_unavailable(member, moderation_provider):
    # given
    moderation_provider.script(error(503))

    # when
    with pytest.raises(ModerationUnavailable) as raised:
        services.moderate(text="Hello there.", user=member)

    # then
    assert (raised.value.status_code, raised.value.code) == (503, "moderation_unavailable")


def test_a_provider_too_slow_makes_moderation_unavailable(member, moderation_provider):
    # given
    moderation_provider.script(moderation(delay=1.5))

    # when / then
    with pytest.raises(ModerationUnavailable):
        services.moderate(text="Hello there.", user=member)


def test_an_unreachable_provider_makes_moderation_unavailable(member, settings):
    # given: a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.AI_MODERATION_BASE_URL = f"http://127.0.0.1:{port}/v1"
    settings.AI_MODERATION_API_KEY = "moderation-key"

    # when / then
    with pytest.raises(ModerationUnavailable):
        services.moderate(text="Hello there.", user=member)


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("Sometimes I want to kill myself.", ["self-harm"]),
        ("I have been feeling suicidal lately", ["self-harm"]),
        ("I'm going to hurt you if you leave.", ["harassment/threatening"]),
        ("I know where you live.", ["harassment/threatening"]),
        ("Send nude pictures of the kids", ["sexual/minors"]),
        ("She is 15 years old and sexy", ["sexual/minors"]),
        (
            "I will kill you. Then I will kill myself.",
            ["harassment/threatening", "self-harm"],
        ),
    ],
)
def test_local_rules_flag_the_clearest_cases(member, text, categories):
    result = services.moderate(text=text, user=member)

    assert result == ModerationResult(flagged=True, categories=categories, source="local")


@pytest.mark.parametrize(
    "text",
    [
        "Shall we get coffee on Friday?",
        "I have two kids. We had real sexual chemistry on our first date.",
        "That joke killed me, I laughed so hard.",
        "The deadline is going to kill the team.",
    ],
)
def test_local_rules_pass_ordinary_conversation(member, text):
    result = services.moderate(text=text, user=member)

    assert result == ModerationResult(flagged=False, categories=[], source="local")
