"""Marketplace writes are throttled per member (``marketplace_write``), reads are not."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from marketplace.models import Booking, Quote

from .factories import CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_writes_are_throttled_per_member(settings):
    # given: two writes a minute
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "marketplace_write": "2/min",
        },
    }
    coach = CoachFactory()
    WeeklyRuleFactory(coach=coach, weekday=0)
    course = CourseFactory(coach=coach)
    member, other = client_for(UserFactory()), client_for(UserFactory())
    slot = {"course": str(course.pk), "start": MONDAY.isoformat()}
    later = {"course": str(course.pk), "start": (MONDAY + dt.timedelta(hours=2)).isoformat()}
    assert member.post(f"{API}/quotes", slot, format="json").status_code == 201
    assert member.post(f"{API}/bookings", slot, format="json").status_code == 201

    # when
    throttled = member.post(f"{API}/quotes", later, format="json")

    # then: the member waits; their reads and another member's writes go on
    assert throttled.status_code == 429
    assert errors_of(throttled) == [{"code": "throttled", "attr": None}]
    assert int(throttled["Retry-After"]) > 0
    assert member.get(f"{API}/bookings").status_code == 200
    assert other.post(f"{API}/bookings", later, format="json").status_code == 201
    assert Quote.objects.count() == 1
    assert Booking.objects.count() == 2
