"""Streamed replies: the text as it arrives, and the generation recorded when it ends."""

import pytest

from ai import services
from ai.ai_features import ASSISTANT, TEXT_SUMMARY
from ai.models import Generation, QuotaUsage

from .fake_openai import error, streamed

pytestmark = pytest.mark.django_db

MESSAGES = [
    {"role": "user", "content": "How do I ask for a raise?"},
    {"role": "assistant", "content": "What have you achieved this year?"},
    {"role": "user", "content": "I shipped the billing rewrite."},
]


def used_today(member) -> int:
    row = QuotaUsage.objects.filter(user=member, feature=ASSISTANT.name).first()
    return row.used if row else 0


def recorded(generation: Generation) -> dict:
    generation.refresh_from_db()
    return {
        "status": generation.status,
        "streamed": generation.streamed,
        "provider": generation.provider,
        "model": generation.model,
        "output": generation.output,
        "tokens_in": generation.tokens_in,
        "tokens_out": generation.tokens_out,
        "attempts": generation.attempts,
        "error": generation.error,
    }


def test_a_streamed_reply_yields_its_pieces_in_order_and_records_the_generation(
    member, fake_openai
):
    # given
    fake_openai.script(
        streamed(
            ["Lead ", "with ", "the ", "rewrite."], tokens=(64, 9), delay=0.1, chunk_delay=0.02
        )
    )

    # when
    reply = services.stream(
        user=member,
        feature=ASSISTANT.name,
        messages=MESSAGES,
        context={"instructions": "Be brief."},
    )
    running = Generation.objects.get(pk=reply.generation.pk).status
    pieces = list(reply)

    # then
    assert running == "running"
    assert pieces == ["Lead ", "with ", "the ", "rewrite."]
    assert recorded(reply.generation) == {
        "status": "succeeded",
        "streamed": True,
        "provider": "openai",
        "model": "test-model",
        "output": {"text": "Lead with the rewrite."},
        "tokens_in": 64,
        "tokens_out": 9,
        "attempts": 1,
        "error": None,
    }
    assert reply.generation.time_to_first_token_ms >= 100
    assert reply.generation.latency_ms >= reply.generation.time_to_first_token_ms + 60
    assert reply.generation.input == {
        "messages": MESSAGES,
        "context": {"instructions": "Be brief."},
    }
    assert used_today(member) == 1


def test_the_stream_request_asks_for_usage_and_sends_the_system_prompt_first(member, fake_openai):
    # given
    fake_openai.script(streamed(["Sure."]))

    # when
    list(services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES))

    # then
    [body] = fake_openai.bodies()
    assert body == {
        "model": "test-model",
        "messages": [
            {
                "role": "system",
                "content": ASSISTANT.render_system({}, Generation.objects.get().member_context),
            },
            *MESSAGES,
        ],
        "max_completion_tokens": 1200,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_a_stream_that_cannot_be_opened_is_retried_then_fails_and_refunds(member, fake_openai):
    # given
    fake_openai.script(error(503), error(503), error(503))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    pieces = list(reply)

    # then
    assert pieces == []
    assert recorded(reply.generation) == {
        "status": "failed",
        "streamed": True,
        "provider": "openai",
        "model": "test-model",
        "output": None,
        "tokens_in": 0,
        "tokens_out": 0,
        "attempts": 3,
        "error": {"code": "provider_unavailable", "detail": "The AI provider failed (HTTP 503)."},
    }
    assert used_today(member) == 0


def test_a_stream_that_stalls_midway_ends_without_a_retry(member, fake_openai, settings):
    # given
    settings.AI_TIMEOUT = 0.2
    fake_openai.script(streamed(["One ", "two ", "three."], stall_after_pieces=1, stall=1))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    pieces = list(reply)

    # then
    assert pieces == ["One "]
    assert recorded(reply.generation)["error"] == {
        "code": "timeout",
        "detail": "The AI provider did not answer within 0.2 s.",
    }
    assert reply.generation.attempts == 1


def test_a_server_that_ignores_include_usage_gets_tokens_counted_by_piece(member, fake_openai):
    # given
    fake_openai.script(streamed(["a ", "b ", "c"], tokens=None))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    list(reply)

    # then
    assert (recorded(reply.generation)["tokens_in"], reply.generation.tokens_out) == (0, 3)


def test_a_stream_closed_by_its_reader_is_recorded_as_cancelled_without_refund(member, fake_openai):
    # given
    fake_openai.script(streamed(["One ", "two ", "three."]))
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)

    # when
    first = next(reply)
    reply.close()

    # then
    assert first == "One "
    assert recorded(reply.generation)["status"] == "failed"
    assert reply.generation.error == {
        "code": "cancelled",
        "detail": "The stream was closed before the reply ended.",
    }
    assert used_today(member) == 1


def test_a_stream_closed_before_it_started_is_cancelled_and_refunded(member):
    # given
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)

    # when
    reply.close()

    # then
    assert recorded(reply.generation)["error"] == {
        "code": "cancelled",
        "detail": "The stream was closed before it started.",
    }
    assert used_today(member) == 0


def test_the_offline_provider_streams_a_labelled_reply(member):
    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    text = "".join(reply)

    # then
    assert text == (
        "This is the offline assistant: no AI provider is configured, so this reply is not "
        "a model's. You said: I shipped the billing rewrite."
    )
    system = ASSISTANT.render_system({}, reply.generation.member_context)
    prompt_words = sum(len(m["content"].split()) for m in [{"content": system}, *MESSAGES])
    assert recorded(reply.generation) == {
        "status": "succeeded",
        "streamed": True,
        "provider": "offline",
        "model": "offline",
        "output": {"text": text},
        "tokens_in": prompt_words,
        "tokens_out": 24,
        "attempts": 1,
        "error": None,
    }


def test_each_service_refuses_the_other_kind_of_feature(member):
    with pytest.raises(ValueError, match="has an output schema"):
        services.stream(user=member, feature=TEXT_SUMMARY.name, messages=MESSAGES)
    with pytest.raises(ValueError, match="has no output schema"):
        services.generate(user=member, feature=ASSISTANT.name, inputs={})
    with pytest.raises(ValueError, match="messages must be"):
        services.stream(user=member, feature=ASSISTANT.name, messages=[{"role": "system"}])
    assert Generation.objects.count() == 0
