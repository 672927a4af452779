"""The practice conversations of a member's local day, as POST /conversations spends them."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from accounts.tests.factories import OnboardingFactory, ProfileFactory, UserFactory
from accounts.tests.helpers import client_for
from conversations.models import Conversation, PracticeQuota

from .api_helpers import API, error_of, start
from .factories import PracticeQuotaFactory, ScenarioFactory

pytestmark = pytest.mark.django_db

# 23:00 in Berlin (UTC+2 in June): the member's next local midnight is an hour away.
LATE_EVENING = dt.datetime(2026, 6, 10, 21, 0, tzinfo=dt.UTC)


def test_a_free_member_starts_three_a_day_then_gets_429_until_local_midnight(
    adult, offline_ai, django_capture_on_commit_callbacks
):
    # given
    ProfileFactory(user=adult, timezone="Europe/Berlin")
    scenario = ScenarioFactory()

    with time_machine.travel(LATE_EVENING, tick=False):
        # when: tokens issued at the travelled time
        member_api = client_for(adult)
        started = [
            start(member_api, django_capture_on_commit_callbacks, scenario) for _ in range(3)
        ]
        refused = start(member_api, django_capture_on_commit_callbacks, scenario)
        quota = member_api.get(f"{API}/quota").json()

    # then
    assert [r.status_code for r in started] == [202, 202, 202]
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "quota_exceeded"
    assert refused["Retry-After"] == str(60 * 60)
    assert Conversation.objects.count() == 3
    assert PracticeQuota.objects.get().day == dt.date(2026, 6, 10)
    assert (quota["used"], quota["remaining"], quota["limit"]) == (3, 0, 3)
    assert quota["resets_at"] == "2026-06-10T22:00:00Z"

    # when: just after the member's local midnight (still the 10th in UTC)
    with time_machine.travel(dt.datetime(2026, 6, 10, 22, 0, 5, tzinfo=dt.UTC), tick=False):
        member_api = client_for(adult)
        again = start(member_api, django_capture_on_commit_callbacks, scenario)
        quota = member_api.get(f"{API}/quota").json()

    # then: a new day
    assert again.status_code == 202, again.json()
    assert Conversation.objects.get(pk=again.json()["id"]).quota_day == dt.date(2026, 6, 11)
    assert (quota["day"], quota["used"], quota["remaining"]) == ("2026-06-11", 1, 2)


def test_the_quota_reads_what_starts_used(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory()
    start(member_api, django_capture_on_commit_callbacks, scenario)

    # when
    quota = member_api.get(f"{API}/quota").json()

    # then
    assert (quota["plan"], quota["limit"], quota["used"], quota["remaining"]) == ("free", 3, 1, 2)


def test_a_premium_member_is_not_held_to_three(
    adult, grant_plan, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    grant_plan(adult)
    PracticeQuotaFactory(user=adult, day=dt.datetime.now(dt.UTC).date(), used=3)
    scenario = ScenarioFactory()

    # when
    response = start(member_api, django_capture_on_commit_callbacks, scenario)

    # then
    assert response.status_code == 202, response.json()
    assert PracticeQuota.objects.get(user=adult).used == 4


def test_a_refused_start_leaves_nothing_behind(adult, member_api, offline_ai):
    # given
    PracticeQuotaFactory(user=adult, day=dt.datetime.now(dt.UTC).date(), used=3)
    scenario = ScenarioFactory()

    # when
    response = member_api.post(API, {"scenario": scenario.slug, "difficulty": "green"})

    # then
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert not Conversation.objects.exists()
    assert PracticeQuota.objects.get(user=adult).used == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_parallel_starts_with_one_left_give_exactly_one_conversation(settings):
    # given: two of three used today
    settings.AI_API_KEY = ""
    settings.AI_QUOTAS = {"free": {"*": 20}}
    member = UserFactory()
    OnboardingFactory(user=member, is_adult=True, age_verified_at=dt.datetime.now(dt.UTC))
    PracticeQuotaFactory(user=member, day=dt.datetime.now(dt.UTC).date(), used=2)
    scenario = ScenarioFactory()
    barrier = threading.Barrier(5)
    responses = []

    def begin() -> None:
        client = client_for(member)
        barrier.wait()
        try:
            responses.append(
                client.post(API, {"scenario": scenario.slug, "difficulty": "green"}, format="json")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=begin) for _ in range(5)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(r.status_code for r in responses) == [202, 429, 429, 429, 429]
    assert all(error_of(r)["code"] == "quota_exceeded" for r in responses if r.status_code == 429)
    assert Conversation.objects.filter(user=member).count() == 1
    assert PracticeQuota.objects.get(user=member).used == 3
