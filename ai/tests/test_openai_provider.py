"""Structured generations through the real ``openai`` client against a fake
OpenAI-compatible server: the request it sends, retries, timeouts, repair and refusals."""

import json
import time

import pytest

from ai import services
from ai.ai_features import TEXT_SUMMARY
from ai.models import Generation, QuotaUsage

from .fake_openai import Reply, completion, error

pytestmark = pytest.mark.django_db

TEXT = "Tea is grown on hills. It is picked by hand. Then it is dried."
GOOD = {"title": "How tea is made", "bullets": ["Grown on hills.", "Picked by hand.", "Dried."]}
STRICT_SCHEMA = {
    "type": "object",
    "title": "TextSummary",
    "additionalProperties": False,
    "required": ["title", "bullets"],
    "properties": {
        "title": {
            "type": "string",
            "title": "Title",
            "description": "A short, specific title.",
            "minLength": 1,
            "maxLength": 120,
        },
        "bullets": {
            "type": "array",
            "title": "Bullets",
            "description": "The key points, one sentence each.",
            "items": {"type": "string", "minLength": 1, "maxLength": 400},
            "minItems": 1,
            "maxItems": 10,
        },
    },
}


def run(member, django_capture_on_commit_callbacks) -> Generation:
    with django_capture_on_commit_callbacks(execute=True):
        generation = services.generate(
            user=member, feature=TEXT_SUMMARY.name, inputs={"text": TEXT}
        )
    generation.refresh_from_db()
    return generation


def outcome(generation: Generation) -> dict:
    return {
        "status": generation.status,
        "provider": generation.provider,
        "model": generation.model,
        "output": generation.output,
        "tokens_in": generation.tokens_in,
        "tokens_out": generation.tokens_out,
        "attempts": generation.attempts,
        "error": generation.error,
    }


def used_today(member) -> int:
    row = QuotaUsage.objects.filter(user=member, feature=TEXT_SUMMARY.name).first()
    return row.used if row else 0


def test_a_structured_reply_is_validated_and_recorded(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(completion(json.dumps(GOOD), tokens=(80, 20)))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert outcome(generation) == {
        "status": "succeeded",
        "provider": "openai",
        "model": "test-model",
        "output": GOOD,
        "tokens_in": 80,
        "tokens_out": 20,
        "attempts": 1,
        "error": None,
    }
    assert generation.prompt_version == TEXT_SUMMARY.prompt_version()
    assert generation.latency_ms is not None
    assert generation.finished_at is not None
    assert used_today(member) == 1


def test_the_request_asks_for_strict_json_schema_output(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(completion(json.dumps(GOOD)))

    # when
    run(member, django_capture_on_commit_callbacks)

    # then
    [request] = fake_openai.received
    assert (request.path, request.headers["authorization"]) == (
        "/v1/chat/completions",
        "Bearer test-key",
    )
    assert request.body == {
        "model": "test-model",
        "messages": TEXT_SUMMARY.render({"text": TEXT}),
        "max_completion_tokens": 1200,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "ai_text_summary", "strict": True, "schema": STRICT_SCHEMA},
        },
    }
    assert request.body["messages"][1]["content"].endswith(f"<text>\n{TEXT}\n</text>")


def test_extra_body_fields_reach_the_provider(
    member, fake_openai, settings, django_capture_on_commit_callbacks
):
    # given: OpenRouter's routing switch, as AI_EXTRA_BODY's default sends it there
    settings.AI_EXTRA_BODY = {"provider": {"require_parameters": True}}
    fake_openai.script(completion(json.dumps(GOOD)))

    # when
    run(member, django_capture_on_commit_callbacks)

    # then
    [request] = fake_openai.received
    assert request.body["provider"] == {"require_parameters": True}
    assert request.body["response_format"]["json_schema"]["strict"] is True


def test_the_model_can_be_set_per_feature(
    member, fake_openai, settings, django_capture_on_commit_callbacks
):
    # given
    settings.AI_MODELS = {TEXT_SUMMARY.name: "summary-model"}
    fake_openai.script(completion(json.dumps(GOOD)))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert generation.model == "summary-model"
    assert fake_openai.bodies()[0]["model"] == "summary-model"


def test_a_429_is_retried_after_the_time_retry_after_asks(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(
        error(429, "Slow down.", headers={"Retry-After": "0.3"}), completion(json.dumps(GOOD))
    )

    # when
    started = time.monotonic()
    generation = run(member, django_capture_on_commit_callbacks)
    elapsed = time.monotonic() - started

    # then
    assert (generation.status, generation.attempts, generation.output) == ("succeeded", 2, GOOD)
    assert elapsed >= 0.3
    assert len(fake_openai.received) == 2


def test_a_retry_after_beyond_the_allowed_wait_fails_at_once_and_refunds(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given: AI_RETRY_MAX_WAIT is 1 second
    fake_openai.script(error(429, "Slow down.", headers={"Retry-After": "120"}))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert outcome(generation) == {
        "status": "failed",
        "provider": "openai",
        "model": "test-model",
        "output": None,
        "tokens_in": 0,
        "tokens_out": 0,
        "attempts": 1,
        "error": {
            "code": "rate_limited",
            "detail": "The AI provider is rate limiting our requests. The provider asked to "
            "wait 120 s, more than AI_RETRY_MAX_WAIT (1 s).",
        },
    }
    assert used_today(member) == 0


def test_a_failing_provider_is_tried_max_retries_plus_one_times_then_refunded(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given: AI_MAX_RETRIES is 2
    fake_openai.script(error(500), error(502), error(503))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert outcome(generation) == {
        "status": "failed",
        "provider": "openai",
        "model": "test-model",
        "output": None,
        "tokens_in": 0,
        "tokens_out": 0,
        "attempts": 3,
        "error": {"code": "provider_unavailable", "detail": "The AI provider failed (HTTP 503)."},
    }
    assert generation.quota_day is None
    assert used_today(member) == 0


def test_a_client_error_is_not_retried(member, fake_openai, django_capture_on_commit_callbacks):
    # given
    fake_openai.script(error(400, "Invalid schema for response_format."))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert (generation.status, generation.attempts, generation.error) == (
        "failed",
        1,
        {
            "code": "provider_error",
            "detail": "The AI provider refused the request (HTTP 400): Invalid schema for "
            "response_format.",
        },
    )
    assert used_today(member) == 0


def test_a_timeout_is_retried(member, fake_openai, settings, django_capture_on_commit_callbacks):
    # given
    settings.AI_TIMEOUT = 0.2
    fake_openai.script(completion(json.dumps(GOOD), delay=1), completion(json.dumps(GOOD)))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert (generation.status, generation.attempts, generation.output) == ("succeeded", 2, GOOD)


def test_timeouts_until_the_last_attempt_fail_the_generation(
    member, fake_openai, settings, django_capture_on_commit_callbacks
):
    # given
    settings.AI_TIMEOUT = 0.2
    settings.AI_MAX_RETRIES = 1
    fake_openai.script(completion(json.dumps(GOOD), delay=1), completion(json.dumps(GOOD), delay=1))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert (generation.status, generation.attempts, generation.error) == (
        "failed",
        2,
        {"code": "timeout", "detail": "The AI provider did not answer within 0.2 s."},
    )
    assert used_today(member) == 0


def test_invalid_json_gets_one_repair(member, fake_openai, django_capture_on_commit_callbacks):
    # given
    fake_openai.script(
        completion('{"title": "How tea is made", "bullets": []}', tokens=(80, 10)),
        completion(json.dumps(GOOD), tokens=(120, 20)),
    )

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert outcome(generation) == {
        "status": "succeeded",
        "provider": "openai",
        "model": "test-model",
        "output": GOOD,
        "tokens_in": 200,
        "tokens_out": 30,
        "attempts": 2,
        "error": None,
    }
    first, repair = fake_openai.bodies()
    assert repair["messages"][:2] == first["messages"]
    assert repair["messages"][2:] == [
        {"role": "assistant", "content": '{"title": "How tea is made", "bullets": []}'},
        {
            "role": "user",
            "content": "Your previous answer could not be used: bullets: List should have at "
            "least 1 item after validation, not 0.\nAnswer again with only the corrected JSON "
            "object, complete and valid for the schema, and\nnothing else.",
        },
    ]
    assert repair["response_format"] == first["response_format"]


def test_truncated_json_gets_one_repair(member, fake_openai, django_capture_on_commit_callbacks):
    # given
    fake_openai.script(
        completion('{"title": "How tea is made", "bul', finish_reason="length"),
        completion(json.dumps(GOOD)),
    )

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert (generation.status, generation.attempts, generation.output) == ("succeeded", 2, GOOD)
    assert fake_openai.bodies()[1]["messages"][-1]["content"].startswith(
        "Your previous answer could not be used: the answer was cut off at the output token "
        "limit, so its JSON is incomplete; answer more briefly."
    )


def test_an_answer_still_invalid_after_the_repair_fails_without_refund(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(completion("Sure! Here is a summary."), completion("not json either"))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert (generation.status, generation.attempts, generation.output) == ("failed", 2, None)
    assert generation.error["code"] == "invalid_output"
    assert generation.error["detail"].startswith(
        "The answer was still invalid after one repair: (root): Invalid JSON"
    )
    assert used_today(member) == 1


def test_an_answer_still_truncated_after_the_repair_fails_as_truncated(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(
        completion('{"title": "Ho', finish_reason="length"),
        completion('{"title": "How', finish_reason="length"),
    )

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert (generation.status, generation.error) == (
        "failed",
        {
            "code": "truncated",
            "detail": "The answer was still invalid after one repair: the answer was cut off "
            "at the output token limit, so its JSON is incomplete; answer more briefly",
        },
    )


def test_a_refusal_is_recorded_as_refused(member, fake_openai, django_capture_on_commit_callbacks):
    # given
    fake_openai.script(completion(None, refusal="I can't help with that.", tokens=(80, 6)))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert outcome(generation) == {
        "status": "failed",
        "provider": "openai",
        "model": "test-model",
        "output": None,
        "tokens_in": 80,
        "tokens_out": 6,
        "attempts": 1,
        "error": {"code": "refused", "detail": "I can't help with that."},
    }
    assert len(fake_openai.received) == 1
    assert used_today(member) == 1


def test_an_unreadable_answer_is_a_provider_error(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(Reply(body="<html>gateway</html>"))

    # when
    generation = run(member, django_capture_on_commit_callbacks)

    # then
    assert (generation.status, generation.error["code"]) == ("failed", "provider_error")
    assert used_today(member) == 0
