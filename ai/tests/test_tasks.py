"""The Celery task that runs a generation: idempotent, takes over a dead worker's job, and
calls the owning app's on_finish."""

import json

import pytest
from django.db import transaction

from ai import services, tasks
from ai.models import Generation, QuotaUsage

from . import hooks
from .factories import GenerationFactory, QuotaUsageFactory
from .fake_openai import completion
from .schemas import Plan

pytestmark = pytest.mark.django_db

GOOD = {"title": "Tea", "bullets": ["Grown on hills."]}


def test_a_finished_generation_is_left_alone(member, fake_openai):
    # given: no reply is scripted, so any request would fail the test
    generation = GenerationFactory(user=member)
    before = Generation.objects.values().get(pk=generation.pk)

    # when
    status = tasks.run_generation(str(generation.pk))

    # then
    assert status == "succeeded"
    assert Generation.objects.values().get(pk=generation.pk) == before
    assert fake_openai.received == []


def test_a_generation_left_running_by_a_dead_worker_is_taken_over(member, fake_openai):
    # given
    generation = GenerationFactory(
        user=member, status="running", output=None, finished_at=None, attempts=0
    )
    fake_openai.script(completion(json.dumps(GOOD)))

    # when
    status = tasks.run_generation(str(generation.pk))

    # then
    generation.refresh_from_db()
    assert (status, generation.output, generation.attempts) == ("succeeded", GOOD, 1)


def test_a_missing_generation_is_nothing_to_do(db):
    assert tasks.run_generation("00000000-0000-0000-0000-000000000000") is None


def test_a_failure_recorded_from_outside_the_run_refunds_once(member):
    # given
    QuotaUsageFactory(user=member, used=1)
    generation = GenerationFactory(user=member, status="running", output=None, finished_at=None)

    # when
    services.generation_fail(generation_id=generation.pk, code="timeout", message="Too slow.")
    services.generation_fail(generation_id=generation.pk, code="timeout", message="Again.")

    # then
    generation.refresh_from_db()
    assert (generation.status, generation.error) == (
        "failed",
        {"code": "timeout", "detail": "Too slow."},
    )
    assert QuotaUsage.objects.get(user=member).used == 0


@pytest.fixture
def plan_feature(test_features):
    hooks.finished.clear()
    feature = test_features(
        "aitest.plan", schema=Plan, cost=2, on_finish="ai.tests.hooks.record_finish"
    )
    yield feature, hooks.finished
    hooks.finished.clear()


def test_the_owning_app_hears_of_the_outcome_in_the_same_transaction(
    member, plan_feature, django_capture_on_commit_callbacks
):
    # given
    feature, finished = plan_feature

    # when
    with django_capture_on_commit_callbacks(execute=True):
        generation = services.generate(
            user=member, feature=feature.name, inputs={"goal": "Learn Go.", "weeks": 3}
        )

    # then
    generation.refresh_from_db()
    assert finished == [(str(generation.pk), "succeeded", generation.output)]
    assert Plan.model_validate(generation.output).milestones
    assert (generation.prompt_version, generation.quota_cost) == (feature.prompt_version(), 2)
    assert QuotaUsage.objects.get(user=member, feature="aitest.plan").used == 2


def test_a_failing_on_finish_fails_the_generation_and_refunds(
    member, plan_feature, django_capture_on_commit_callbacks
):
    # given
    feature, finished = plan_feature

    # when
    with django_capture_on_commit_callbacks(execute=True):
        generation = services.generate(
            user=member, feature=feature.name, inputs={"goal": "explode", "weeks": 1}
        )

    # then
    generation.refresh_from_db()
    assert (generation.status, generation.output, generation.error) == (
        "failed",
        None,
        {"code": "internal_error", "detail": "The answer could not be stored."},
    )
    assert len(finished) == 1
    assert QuotaUsage.objects.get(user=member, feature="aitest.plan").used == 0


def test_nothing_is_enqueued_or_taken_when_the_callers_transaction_rolls_back(
    member, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.generate(user=member, feature="ai.text_summary", inputs={"text": "Hi."})
            raise RuntimeError("the caller's transaction fails")

    # then
    assert callbacks == []
    assert (Generation.objects.count(), QuotaUsage.objects.count()) == (0, 0)
