import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import ProfileFactory
from accounts.tests.helpers import client_for
from conversations import privacy
from conversations.models import PracticeQuota
from core import privacy as core_privacy

from .factories import PracticeQuotaFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations/quota"
TODAY = dt.datetime.now(dt.UTC).date()


@time_machine.travel(dt.datetime(2026, 6, 10, 15, 0, tzinfo=dt.UTC), tick=False)
def test_a_free_member_in_utc_sees_three_a_day(member):
    # when
    response = client_for(member).get(URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "plan": "free",
        "limit": 3,
        "used": 0,
        "remaining": 3,
        "day": "2026-06-10",
        "time_zone": "UTC",
        "resets_at": "2026-06-11T00:00:00Z",
    }


@time_machine.travel(dt.datetime(2026, 6, 10, 23, 30, tzinfo=dt.UTC), tick=False)
def test_the_day_is_the_members_local_day(member):
    # given: 01:30 on the 11th in Berlin (UTC+2), with two used that day and one the day before
    ProfileFactory(user=member, timezone="Europe/Berlin")
    PracticeQuotaFactory(user=member, day=dt.date(2026, 6, 11), used=2)
    PracticeQuotaFactory(user=member, day=dt.date(2026, 6, 10), used=3)

    # when
    body = client_for(member).get(URL).json()

    # then
    assert (body["day"], body["used"], body["remaining"]) == ("2026-06-11", 2, 1)
    assert body["time_zone"] == "Europe/Berlin"
    assert body["resets_at"] == "2026-06-11T22:00:00Z"


@time_machine.travel(dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC), tick=False)
def test_a_spring_forward_day_resets_23_hours_after_it_began(member):
    # given: 8 March 2026, New York moves from EST (UTC-5) to EDT (UTC-4) at 02:00
    ProfileFactory(user=member, timezone="America/New_York")

    # when
    body = client_for(member).get(URL).json()

    # then: the day began 05:00 UTC and ends 04:00 UTC the next day
    assert body["day"] == "2026-03-08"
    assert body["resets_at"] == "2026-03-09T04:00:00Z"


@time_machine.travel(dt.datetime(2026, 10, 25, 12, 0, tzinfo=dt.UTC), tick=False)
def test_a_fall_back_day_resets_25_hours_after_it_began(member):
    # given: 25 October 2026, Berlin moves from UTC+2 to UTC+1
    ProfileFactory(user=member, timezone="Europe/Berlin")

    # when
    body = client_for(member).get(URL).json()

    # then
    assert body["day"] == "2026-10-25"
    assert body["resets_at"] == "2026-10-25T23:00:00Z"


@time_machine.travel(dt.datetime(2026, 6, 10, 15, 0, tzinfo=dt.UTC), tick=False)
def test_a_premium_member_gets_fifty_and_a_used_up_day_reads_zero_left(member, grant_plan):
    # given
    grant_plan(member)
    PracticeQuotaFactory(user=member, day=dt.date(2026, 6, 10), used=50)

    # when
    body = client_for(member).get(URL).json()

    # then
    assert (body["plan"], body["limit"], body["used"], body["remaining"]) == (
        "premium",
        50,
        50,
        0,
    )


def test_an_unknown_time_zone_reads_as_utc(member, member_api):
    ProfileFactory(user=member, timezone="Mars/Olympus")

    assert member_api.get(URL).json()["time_zone"] == "UTC"


def test_the_quota_needs_a_member(api):
    assert api.get(URL).status_code == 401


def test_quota_rows_are_exported_erased_and_expire(member, other_member):
    # given
    old = PracticeQuotaFactory(
        user=member,
        day=TODAY - dt.timedelta(days=privacy.PRACTICE_QUOTA_RETENTION_DAYS + 1),
    )
    recent = PracticeQuotaFactory(user=member, day=TODAY, used=2)
    theirs = PracticeQuotaFactory(user=other_member, day=TODAY)

    # when
    expired = next(
        list(rows)
        for policy, rows in core_privacy.expired_rows().items()
        if policy.model is PracticeQuota
    )

    # then
    assert expired == [old]
    assert {"day": str(recent.day), "used": 2} in core_privacy.export_user(member)["data"][
        "conversations.practicequota"
    ]
    core_privacy.erase_user(member)
    assert list(PracticeQuota.objects.all()) == [theirs]
