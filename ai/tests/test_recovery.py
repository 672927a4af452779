"""Generations whose task or worker was lost are recovered by the periodic sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from ai.models import Generation, QuotaUsage
from ai.tasks import recover_stale_generations

from .factories import GenerationFactory, QuotaUsageFactory

pytestmark = pytest.mark.django_db


def _age(generation: Generation, minutes: int) -> None:
    then = timezone.now() - dt.timedelta(minutes=minutes)
    Generation.objects.filter(pk=generation.pk).update(updated_at=then, started_at=then)


def test_a_lost_queued_generation_is_run_and_a_lost_running_one_fails_refunded(settings):
    # given
    usage = QuotaUsageFactory(used=2)
    lost_queued = GenerationFactory(
        user=usage.user, status=Generation.Status.QUEUED, output=None, finished_at=None
    )
    lost_running = GenerationFactory(
        user=usage.user, status=Generation.Status.RUNNING, output=None, finished_at=None
    )
    fresh_queued = GenerationFactory(
        user=usage.user, status=Generation.Status.QUEUED, output=None, finished_at=None
    )
    _age(lost_queued, settings.AI_STALE_QUEUED_MINUTES + 1)
    _age(lost_running, settings.AI_STALE_RUNNING_MINUTES + 1)

    # when
    report = recover_stale_generations.delay().get()

    # then
    assert report == {"requeued": 1, "abandoned": 1}
    lost_queued.refresh_from_db()
    lost_running.refresh_from_db()
    fresh_queued.refresh_from_db()
    assert lost_queued.status == Generation.Status.SUCCEEDED
    assert lost_queued.provider == "offline"
    assert (lost_running.status, lost_running.error_code) == (Generation.Status.FAILED, "abandoned")
    assert fresh_queued.status == Generation.Status.QUEUED
    assert QuotaUsage.objects.get(pk=usage.pk).used == 1


def test_a_second_sweep_finds_nothing(settings):
    generation = GenerationFactory(status=Generation.Status.RUNNING, output=None, finished_at=None)
    _age(generation, settings.AI_STALE_RUNNING_MINUTES + 1)
    recover_stale_generations.delay().get()

    assert recover_stale_generations.delay().get() == {"requeued": 0, "abandoned": 0}
