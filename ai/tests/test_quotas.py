"""Daily quotas per plan and feature: taken atomically, refunded once, reset at midnight UTC."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from ai import quotas
from ai.ai_features import TEXT_SUMMARY
from ai.models import Generation, QuotaUsage

from .factories import GenerationFactory, QuotaUsageFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("plan", "feature", "limit"),
    [
        ("free", "ai.text_summary", 5),
        ("free", "ai.assistant", 20),
        ("premium", "ai.text_summary", 100),
        ("no-such-plan", "ai.text_summary", 5),
    ],
)
def test_the_daily_limit_is_the_features_own_else_the_plans_default(plan, feature, limit):
    assert quotas.daily_limit(plan=plan, feature=feature) == limit


def test_a_plan_without_a_default_gives_nothing_for_unlisted_features(settings):
    settings.AI_QUOTAS = {"free": {"ai.text_summary": 2}}

    assert quotas.daily_limit(plan="free", feature="ai.assistant") == 0


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (dt.datetime(2026, 3, 1, 23, 59, 30, tzinfo=dt.UTC), 30),
        (dt.datetime(2026, 3, 1, 0, 0, 0, tzinfo=dt.UTC), 86_400),
        (dt.datetime(2026, 3, 1, 23, 59, 59, 500_000, tzinfo=dt.UTC), 1),
        (dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), 3_600),
    ],
)
def test_the_quota_resets_at_midnight_utc(now, seconds):
    assert quotas.seconds_until_reset(now) == seconds


def test_units_are_taken_up_to_the_limit_and_no_further(member):
    # when
    days = [quotas.take(user=member, feature=TEXT_SUMMARY.name, cost=2) for _ in range(2)]
    wait = quotas.seconds_until_reset()
    with pytest.raises(quotas.QuotaExceeded) as refused:
        quotas.take(user=member, feature=TEXT_SUMMARY.name, cost=2)

    # then
    assert days == [timezone.now().date()] * 2
    assert QuotaUsage.objects.get(user=member).used == 4
    assert (refused.value.status_code, refused.value.code) == (429, "quota_exceeded")
    assert refused.value.wait in (wait - 1, wait)
    quotas.take(user=member, feature=TEXT_SUMMARY.name, cost=1)
    assert QuotaUsage.objects.get(user=member).used == 5


def test_a_cost_above_the_limit_is_refused_without_a_row(member):
    with pytest.raises(quotas.QuotaExceeded):
        quotas.take(user=member, feature=TEXT_SUMMARY.name, cost=6)

    assert QuotaUsage.objects.count() == 0


def test_a_refund_gives_the_units_back_once(member):
    # given
    QuotaUsageFactory(user=member, used=3)
    generation = GenerationFactory(user=member, quota_cost=2)

    # when
    first = quotas.refund(generation=generation)
    second = quotas.refund(generation=Generation.objects.get(pk=generation.pk))

    # then
    assert (first, second) == (True, False)
    assert QuotaUsage.objects.get(user=member).used == 1
    assert Generation.objects.get(pk=generation.pk).quota_day is None


def test_a_refund_counts_against_the_day_the_units_were_taken(member):
    # given
    yesterday = timezone.now().date() - dt.timedelta(days=1)
    QuotaUsageFactory(user=member, day=yesterday, used=5)
    QuotaUsageFactory(user=member, used=5)
    generation = GenerationFactory(user=member, quota_day=yesterday)

    # when
    quotas.refund(generation=generation)

    # then
    assert list(QuotaUsage.objects.order_by("day").values_list("day", "used")) == [
        (yesterday, 4),
        (timezone.now().date(), 5),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("limit", "already_used"),
    [
        (5, 4),  # the day's row exists: both requests update it
        (1, None),  # the first use of the day: both requests try to create it
    ],
)
def test_two_requests_for_the_last_unit_give_it_to_exactly_one(settings, limit, already_used):
    # given
    settings.AI_QUOTAS = {"free": {TEXT_SUMMARY.name: limit}}
    member = UserFactory()
    if already_used is not None:
        QuotaUsageFactory(user=member, used=already_used)
    barrier = threading.Barrier(2)
    responses = []

    def summarise() -> None:
        client = client_for(member)
        barrier.wait()
        try:
            responses.append(client.post("/api/v1/ai/summaries", {"text": "Race me."}))
        finally:
            connection.close()

    threads = [threading.Thread(target=summarise) for _ in range(2)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(r.status_code for r in responses) == [202, 429]
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["errors"][0]["code"] == "quota_exceeded"
    assert Generation.objects.filter(user=member).count() == 1
    assert QuotaUsage.objects.get(user=member).used == limit
