"""Streamed replies: the text as it arrives, and the generation recorded when it ends."""

import math
import threading
import time
from decimal import Decimal

import pytest

from ai import services
from ai.ai_features import ASSISTANT, TEXT_SUMMARY
from ai.models import Generation, QuotaUsage
from analytics.models import Event

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


def test_usage_comes_from_the_final_chunk_and_is_priced_from_the_table(
    member, fake_openai, settings
):
    # given
    settings.AI_PRICES = {
        "test-model": {"input_per_million": "2.50", "output_per_million": 10},
        "gpt-4o-mini": {"input_per_million": "0.15", "output_per_million": "0.60"},
    }
    fake_openai.script(streamed(["Ask ", "for ", "it."], tokens=(64, 9)))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    list(reply)

    # then
    reply.generation.refresh_from_db()
    assert (
        reply.generation.tokens_in,
        reply.generation.tokens_out,
        reply.generation.usage_estimated,
        reply.generation.cost_usd,
    ) == (64, 9, False, Decimal("0.000250"))


def test_the_price_is_frozen_when_the_generation_is_recorded(member, fake_openai, settings):
    # given
    settings.AI_PRICES = {"test-model": {"input_per_million": "1", "output_per_million": "2"}}
    fake_openai.script(streamed(["Sure."], tokens=(1000, 500)))
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    list(reply)

    # when
    settings.AI_PRICES = {"test-model": {"input_per_million": "9", "output_per_million": "9"}}

    # then
    reply.generation.refresh_from_db()
    assert reply.generation.cost_usd == Decimal("0.002000")


def test_a_model_without_a_price_has_no_cost(member, fake_openai, settings):
    # given
    settings.AI_PRICES = {"another-model": {"input_per_million": "1", "output_per_million": "2"}}
    fake_openai.script(streamed(["Sure."]))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    list(reply)

    # then
    reply.generation.refresh_from_db()
    assert (reply.generation.tokens_in, reply.generation.cost_usd) == (12, None)


def test_a_stream_without_the_usage_chunk_gets_both_counts_estimated(member, fake_openai, settings):
    # given
    settings.AI_PRICES = {"test-model": {"input_per_million": "1", "output_per_million": "1"}}
    fake_openai.script(streamed(["a ", "b ", "c"], tokens=None))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    list(reply)

    # then
    [body] = fake_openai.bodies()
    prompt_characters = sum(len(message["content"]) for message in body["messages"])
    expected_in = math.ceil(prompt_characters / 4)
    assert recorded(reply.generation) == {
        "status": "succeeded",
        "streamed": True,
        "provider": "openai",
        "model": "test-model",
        "output": {"text": "a b c"},
        "tokens_in": expected_in,
        # Three pieces outweigh ceil(5 characters / 4).
        "tokens_out": 3,
        "attempts": 1,
        "error": None,
    }
    assert reply.generation.usage_estimated is True
    assert reply.generation.cost_usd == Decimal(expected_in + 3) / 1_000_000


def test_merged_pieces_are_estimated_from_their_characters(member, fake_openai):
    # given
    fake_openai.script(streamed(["Lead with what you shipped this year."], tokens=None))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    list(reply)

    # then
    reply.generation.refresh_from_db()
    assert (reply.generation.tokens_out, reply.generation.usage_estimated) == (10, True)


def test_include_usage_is_not_sent_when_switched_off(member, fake_openai, settings):
    # given
    settings.AI_STREAM_INCLUDE_USAGE = False
    fake_openai.script(streamed(["Sure."], tokens=None))

    # when
    list(services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES))

    # then
    [body] = fake_openai.bodies()
    assert (body["stream"], "stream_options" in body) == (True, False)
    assert Generation.objects.get().usage_estimated is True


def test_a_connection_dropped_mid_stream_is_a_connection_error_and_refunds(
    member, fake_openai, caplog
):
    # given
    fake_openai.script(streamed(["One ", "two ", "three."], drop_after_pieces=2))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    pieces = list(reply)

    # then
    assert pieces == ["One ", "two "]
    assert recorded(reply.generation)["error"] == {
        "code": "connection_error",
        "detail": "The AI provider's connection dropped mid-reply.",
    }
    assert reply.generation.output is None
    assert used_today(member) == 0
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


def test_a_stream_that_ends_without_a_finish_reason_is_incomplete(member, fake_openai):
    # given
    fake_openai.script(streamed(["One ", "two"], finish_reason=None))

    # when
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    pieces = list(reply)

    # then
    assert pieces == ["One ", "two"]
    assert recorded(reply.generation)["status"] == "failed"
    assert reply.generation.error == {
        "code": "incomplete_stream",
        "detail": "The AI provider's stream ended before the reply was finished.",
    }
    assert used_today(member) == 0


def test_a_stream_cancelled_from_another_thread_ends_within_a_second_and_keeps_its_text(
    member, fake_openai, settings
):
    # given: a reply that goes quiet for longer than the test may wait, after two pieces
    settings.AI_TIMEOUT = 30.0
    fake_openai.script(
        streamed(["One ", "two ", "three."], stall_after_pieces=2, stall=20, tokens=None)
    )
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    pieces = [next(reply), next(reply)]
    canceller = threading.Timer(0.2, reply.cancel)

    # when: the reader blocks for the third piece; the cancel comes from another thread
    started = time.monotonic()
    canceller.start()
    rest = list(reply)
    elapsed = time.monotonic() - started
    canceller.join()

    # then
    assert (pieces, rest) == (["One ", "two "], [])
    assert elapsed < 1.0
    assert recorded(reply.generation) == {
        "status": "failed",
        "streamed": True,
        "provider": "openai",
        "model": "test-model",
        "output": {"text": "One two "},
        "tokens_in": reply.generation.tokens_in,
        "tokens_out": 2,
        "attempts": 1,
        "error": {"code": "cancelled", "detail": "The reply was cancelled."},
    }
    assert reply.generation.usage_estimated is True
    assert used_today(member) == 1


def test_a_cancel_before_the_reply_starts_records_it_without_refund(member, fake_openai):
    # given
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)

    # when
    reply.cancel()
    reply.cancel()

    # then
    assert list(reply) == []
    assert recorded(reply.generation)["error"] == {
        "code": "cancelled",
        "detail": "The reply was cancelled before it started.",
    }
    assert reply.generation.output is None
    assert fake_openai.received == []
    assert used_today(member) == 1


def test_a_cancel_after_the_reply_ended_changes_nothing(member, fake_openai):
    # given
    fake_openai.script(streamed(["Done."]))
    reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
    list(reply)

    # when
    reply.cancel()

    # then
    assert recorded(reply.generation)["status"] == "succeeded"
    assert reply.generation.output == {"text": "Done."}


def test_a_finished_generation_is_tracked_for_analytics(
    member, fake_openai, settings, django_capture_on_commit_callbacks
):
    # given
    settings.AI_PRICES = {"test-model": {"input_per_million": "1", "output_per_million": "1"}}
    fake_openai.script(streamed(["Sure."], tokens=(20, 5)))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.stream(user=member, feature=ASSISTANT.name, messages=MESSAGES)
        list(reply)

    # then
    generation = Generation.objects.get()
    [event] = Event.objects.filter(name="ai_generation_finished")
    assert (event.user, event.properties) == (
        member,
        {
            "generation_id": str(generation.pk),
            "feature": ASSISTANT.name,
            "provider": "openai",
            "model": "test-model",
            "status": "succeeded",
            "error_code": "",
            "streamed": True,
            "tokens_in": 20,
            "tokens_out": 5,
            "estimated": False,
            "cost_usd": "0.000025",
            "latency_ms": generation.latency_ms,
            "time_to_first_token_ms": generation.time_to_first_token_ms,
        },
    )


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
