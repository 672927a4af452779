"""The ai endpoints (docs/API.md): summaries (202), the generation log, retry, usage."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.tests.helpers import client_for
from ai.ai_features import TEXT_SUMMARY
from ai.models import Generation, QuotaUsage
from ai.quotas import seconds_until_reset

from .factories import GenerationFactory, QuotaUsageFactory

pytestmark = pytest.mark.django_db

SUMMARIES = "/api/v1/ai/summaries"
GENERATIONS = "/api/v1/ai/generations"
USAGE = "/api/v1/ai/usage"
TEXT = "Tea is grown on hills. It is picked by hand. Then it is dried."


def iso(value: dt.datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def errors_of(response) -> list[dict]:
    return [{"code": e["code"], "attr": e["attr"]} for e in response.json()["errors"]]


def listed(generation: Generation) -> dict:
    return {
        "id": str(generation.pk),
        "feature": generation.feature,
        "status": generation.status,
        "streamed": generation.streamed,
        "provider": generation.provider,
        "model": generation.model,
        "prompt_version": generation.prompt_version,
        "tokens_in": generation.tokens_in,
        "tokens_out": generation.tokens_out,
        "usage_estimated": generation.usage_estimated,
        "cost_usd": None if generation.cost_usd is None else f"{generation.cost_usd:.6f}",
        "latency_ms": generation.latency_ms,
        "time_to_first_token_ms": generation.time_to_first_token_ms,
        "attempts": generation.attempts,
        "error": generation.error,
        "ai": {
            "provider": generation.provider,
            "model": generation.model,
            "generated_at": iso(generation.finished_at)
            if generation.status == Generation.Status.SUCCEEDED
            else None,
        },
        "created_at": iso(generation.created_at),
        "finished_at": iso(generation.finished_at),
    }


def detailed(generation: Generation) -> dict:
    return {
        **listed(generation),
        "input": generation.input,
        "output": generation.output,
        "member_context": generation.member_context,
        "content_cleared_at": iso(generation.content_cleared_at),
    }


def status_url(generation_id) -> str:
    return f"http://testserver{GENERATIONS}/{generation_id}"


# --- POST /ai/summaries --------------------------------------------------------------------


def test_a_summary_is_accepted_and_runs_after_commit(
    member_api, member, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(SUMMARIES, {"text": TEXT})

    # then
    generation = Generation.objects.get()
    assert response.status_code == 202
    assert response.json() == {
        "id": str(generation.pk),
        "status": "queued",
        "status_url": status_url(generation.pk),
    }
    assert response["Location"] == status_url(generation.pk)
    assert (generation.user, generation.feature, generation.input) == (
        member,
        "ai.text_summary",
        {"text": TEXT},
    )
    assert (generation.status, generation.provider, generation.model) == (
        "succeeded",
        "offline",
        "offline",
    )
    assert generation.output == {
        "title": "Tea is grown on hills",
        "bullets": ["It is picked by hand.", "Then it is dried.", "Tea is grown on hills."],
    }
    followed = member_api.get(response.json()["status_url"])
    assert followed.json() == detailed(generation)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [{"code": "required", "attr": "text"}]),
        ({"text": "   "}, [{"code": "blank", "attr": "text"}]),
        ({"text": "x" * 20_001}, [{"code": "max_length", "attr": "text"}]),
        ({"text": ["a list"]}, [{"code": "invalid", "attr": "text"}]),
    ],
)
def test_a_bad_summary_request_names_the_field_and_takes_nothing(member_api, body, expected):
    response = member_api.post(SUMMARIES, body)

    assert response.status_code == 400
    assert errors_of(response) == expected
    assert (Generation.objects.count(), QuotaUsage.objects.count()) == (0, 0)


def test_a_summary_needs_authentication(api):
    response = api.post(SUMMARIES, {"text": TEXT})

    assert response.status_code == 401
    assert Generation.objects.count() == 0


def test_a_retried_summary_with_the_same_idempotency_key_creates_nothing_new(
    member_api, member, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first = member_api.post(SUMMARIES, {"text": TEXT}, HTTP_IDEMPOTENCY_KEY="sum-1")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = member_api.post(SUMMARIES, {"text": TEXT}, HTTP_IDEMPOTENCY_KEY="sum-1")

    # then
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert (again["Idempotent-Replayed"], again["Location"]) == ("true", first["Location"])
    assert Generation.objects.count() == 1
    assert QuotaUsage.objects.get(user=member).used == 1


def test_over_quota_is_a_429_with_retry_after_and_nothing_is_created(member_api, member):
    # given: the free plan allows 5 summaries a day in these tests
    QuotaUsageFactory(user=member, feature=TEXT_SUMMARY.name, used=5)

    # when
    response = member_api.post(SUMMARIES, {"text": TEXT})

    # then
    wait = seconds_until_reset()
    assert response.status_code == 429
    assert int(response["Retry-After"]) in (wait, wait + 1)
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "quota_exceeded",
                "detail": "The daily quota of the free plan for ai.text_summary (5 units) is "
                "used up; it resets at midnight UTC.",
                "attr": None,
            }
        ],
    }
    assert Generation.objects.count() == 0
    assert QuotaUsage.objects.get(user=member).used == 5


def test_the_ai_throttle_applies_to_ai_endpoints(member_api, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "ai": "2/min",
        },
    }
    assert member_api.get(USAGE).status_code == 200
    assert member_api.get(GENERATIONS).status_code == 200

    # when
    response = member_api.post(SUMMARIES, {"text": TEXT})

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "throttled", "attr": None}]
    assert response["Retry-After"]


# --- GET /ai/generations ---------------------------------------------------------------------


def test_the_list_shows_the_callers_generations_newest_first(member_api, member, other_member):
    # given
    older = GenerationFactory(user=member)
    failed = GenerationFactory(user=member, failed=True)
    GenerationFactory(user=other_member)

    # when
    response = member_api.get(GENERATIONS)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [listed(failed), listed(older)],
    }


def test_the_list_filters_by_feature_and_status(member_api, member):
    # given
    summary = GenerationFactory(user=member)
    failed = GenerationFactory(user=member, failed=True)
    chat = GenerationFactory(user=member, feature="ai.assistant", streamed=True)

    # when / then
    def ids(query: str) -> list[str]:
        return [g["id"] for g in member_api.get(f"{GENERATIONS}?{query}").json()["results"]]

    assert ids("feature=ai.text_summary") == [str(failed.pk), str(summary.pk)]
    assert ids("status=failed") == [str(failed.pk)]
    assert ids("feature=ai.assistant&status=succeeded") == [str(chat.pk)]
    assert ids("feature=coaching.plan") == []


def test_an_unknown_status_filter_is_a_400_naming_it(member_api):
    response = member_api.get(f"{GENERATIONS}?status=done")

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid_choice", "attr": "status"}]


def test_the_list_is_cursor_paginated(member_api, member):
    # given
    generations = GenerationFactory.create_batch(3, user=member)

    # when
    first = member_api.get(f"{GENERATIONS}?page_size=2").json()
    second = member_api.get(first["next"]).json()

    # then
    newest_first = sorted(generations, key=lambda g: (g.created_at, g.pk), reverse=True)
    assert [g["id"] for g in first["results"] + second["results"]] == [
        str(g.pk) for g in newest_first
    ]
    assert second["next"] is None


def test_the_list_query_count_does_not_grow(member_api, member, django_assert_num_queries):
    # given
    GenerationFactory.create_batch(2, user=member)
    with django_assert_num_queries(2):
        member_api.get(GENERATIONS)
    GenerationFactory.create_batch(20, user=member)
    GenerationFactory.create_batch(5, user=member, failed=True)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(GENERATIONS)
    assert len(response.json()["results"]) == 20


def test_the_list_needs_authentication(api):
    assert api.get(GENERATIONS).status_code == 401


# --- GET /ai/generations/{id} ---------------------------------------------------------------


def test_a_generation_shows_its_input_output_and_error(member_api, member):
    # given
    generation = GenerationFactory(user=member, failed=True)

    # when
    response = member_api.get(f"{GENERATIONS}/{generation.pk}")

    # then
    assert response.status_code == 200
    assert response.json() == detailed(generation)
    assert response.json()["error"] == {
        "code": "provider_unavailable",
        "detail": "The AI provider failed (HTTP 500).",
    }


def test_a_generation_shows_its_cost_and_whether_its_usage_was_estimated(member_api, member):
    # given
    generation = GenerationFactory(
        user=member, streamed=True, usage_estimated=True, cost_usd=Decimal("0.00025")
    )

    # when
    response = member_api.get(f"{GENERATIONS}/{generation.pk}")

    # then
    assert response.status_code == 200
    assert response.json() == detailed(generation)
    assert (response.json()["usage_estimated"], response.json()["cost_usd"]) == (
        True,
        "0.000250",
    )


@pytest.mark.parametrize("path", ["{other}", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_another_members_or_a_missing_generation_is_a_404(member_api, other_member, path):
    # given
    other = GenerationFactory(user=other_member)

    # when
    response = member_api.get(f"{GENERATIONS}/{path.format(other=other.pk)}")

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]


def test_a_generation_needs_authentication(api, member):
    generation = GenerationFactory(user=member)

    assert api.get(f"{GENERATIONS}/{generation.pk}").status_code == 401


def test_the_detail_query_count(member_api, member, django_assert_num_queries):
    generation = GenerationFactory(user=member)

    with django_assert_num_queries(2):
        member_api.get(f"{GENERATIONS}/{generation.pk}")


# --- POST /ai/generations/{id}/retry ---------------------------------------------------------


def test_a_failed_generation_is_retried(member_api, member, django_capture_on_commit_callbacks):
    # given
    generation = GenerationFactory(user=member, failed=True, input={"text": TEXT})

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(f"{GENERATIONS}/{generation.pk}/retry")

    # then
    assert response.status_code == 202
    assert response.json() == {
        "id": str(generation.pk),
        "status": "queued",
        "status_url": status_url(generation.pk),
    }
    generation.refresh_from_db()
    assert (generation.status, generation.error, generation.attempts) == ("succeeded", None, 1)
    assert generation.output["title"] == "Tea is grown on hills"
    assert generation.quota_day == timezone.now().date()
    assert QuotaUsage.objects.get(user=member).used == 1


@pytest.mark.parametrize(
    ("traits", "code", "detail"),
    [
        (
            {},
            "not_retryable",
            "Only a failed generation can be retried; this one is succeeded.",
        ),
        (
            {"status": "running", "output": None},
            "not_retryable",
            "Only a failed generation can be retried; this one is running.",
        ),
        (
            {"failed": True, "streamed": True, "feature": "ai.assistant"},
            "not_retryable",
            "A streamed reply cannot be retried; ask again where it was streamed.",
        ),
        (
            {"failed": True, "input": None},
            "input_expired",
            "The input of this generation has expired; start a new one.",
        ),
    ],
)
def test_a_retry_is_refused_unless_the_generation_failed(member_api, member, traits, code, detail):
    # given
    generation = GenerationFactory(user=member, **traits)
    before = Generation.objects.values().get(pk=generation.pk)

    # when
    response = member_api.post(f"{GENERATIONS}/{generation.pk}/retry")

    # then
    assert response.status_code == 409
    assert response.json()["errors"] == [{"code": code, "detail": detail, "attr": None}]
    assert Generation.objects.values().get(pk=generation.pk) == before
    assert QuotaUsage.objects.count() == 0


def test_a_retry_over_quota_is_a_429_and_changes_nothing(member_api, member):
    # given
    generation = GenerationFactory(user=member, failed=True)
    QuotaUsageFactory(user=member, feature=TEXT_SUMMARY.name, used=5)

    # when
    response = member_api.post(f"{GENERATIONS}/{generation.pk}/retry")

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "quota_exceeded", "attr": None}]
    generation.refresh_from_db()
    assert generation.status == "failed"


def test_another_members_generation_cannot_be_retried(member_api, other_member):
    generation = GenerationFactory(user=other_member, failed=True)

    response = member_api.post(f"{GENERATIONS}/{generation.pk}/retry")

    assert response.status_code == 404
    generation.refresh_from_db()
    assert generation.status == "failed"


def test_a_retry_needs_authentication(api, member):
    generation = GenerationFactory(user=member, failed=True)

    assert api.post(f"{GENERATIONS}/{generation.pk}/retry").status_code == 401


# --- GET /ai/usage ---------------------------------------------------------------------------


def test_usage_counts_today_and_this_month_against_the_plan(
    member_api, member, other_member, django_assert_num_queries
):
    # given
    today = timezone.now().date()
    first_of_month = today.replace(day=1)
    QuotaUsageFactory(user=member, feature="ai.text_summary", day=today, used=3)
    QuotaUsageFactory(user=member, feature="ai.assistant", day=first_of_month, used=4)
    QuotaUsageFactory(
        user=member, feature="ai.text_summary", day=first_of_month - dt.timedelta(days=1), used=9
    )
    QuotaUsageFactory(user=other_member, feature="ai.text_summary", day=today, used=2)
    assistant_today = 4 if first_of_month == today else 0

    # when: the member, their plan (their grants: billing), the usage
    with django_assert_num_queries(3):
        response = member_api.get(USAGE)

    # then
    assert response.status_code == 200
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    body = response.json()
    # Other apps' features are listed too; these are the gateway's own.
    body["features"] = [f for f in body["features"] if f["feature"].startswith("ai.")]
    assert body == {
        "plan": "free",
        "day": today.isoformat(),
        "resets_at": iso(tomorrow),
        "features": [
            {
                "feature": "ai.assistant",
                "description": "A reply of the platform's assistant in a conversation, streamed.",
                "cost": 1,
                "daily_limit": 20,
                "used_today": assistant_today,
                "remaining_today": 20 - assistant_today,
                "used_this_month": 4,
            },
            {
                "feature": "ai.text_summary",
                "description": "A title and the key points of a text.",
                "cost": 1,
                "daily_limit": 5,
                "used_today": 3,
                "remaining_today": 2,
                "used_this_month": 3,
            },
        ],
    }


def test_usage_follows_the_plan(member, settings):
    # given: plan_for() answers DEFAULT_PLAN until billing exists
    settings.DEFAULT_PLAN = "premium"

    # when
    response = client_for(member).get(USAGE)

    # then
    assert response.json()["plan"] == "premium"
    limits = {f["feature"]: f["daily_limit"] for f in response.json()["features"]}
    assert (limits["ai.assistant"], limits["ai.text_summary"]) == (100, 100)


def test_usage_needs_authentication():
    assert APIClient().get(USAGE).status_code == 401
