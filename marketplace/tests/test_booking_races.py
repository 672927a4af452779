"""Concurrent bookings of one slot: exactly one wins, the others get 409
``slot_unavailable`` (the coach's row lock, and under it the no-overlap guarantee).

Each call runs on its own thread with its own connection, released together
(core/tests/concurrency.py). That needs a database that several connections share: PostgreSQL,
or SQLite in a file. The SQLite test database is in memory (shared-cache, where a writer
meets "table is locked" instead of waiting on the write lock), so there these tests skip;
test_booking_races_sqlite.py runs the race on a SQLite file in a process of its own.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from accounts.tests.factories import UserFactory
from core.exceptions import Conflict
from core.tests.concurrency import at_once
from marketplace.models import Booking
from marketplace.services.bookings import Created, booking_create

from .factories import CoachFactory, CourseFactory, WeeklyRuleFactory

NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York


@pytest.fixture(autouse=True)
def _shared_database():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "needs a database several connections share: PostgreSQL (DATABASE_URL) or a "
            "SQLite file database; the SQLite test database is in memory"
        )
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def course(transactional_db):
    coach = CoachFactory()
    WeeklyRuleFactory(coach=coach, weekday=0)
    return CourseFactory(coach=coach)


def outcomes(results) -> list[str]:
    return sorted(
        "booked" if isinstance(r, Created) else r.code if isinstance(r, Conflict) else repr(r)
        for r in results
    )


@pytest.mark.django_db(transaction=True)
def test_ten_bookings_of_one_slot_give_exactly_one(course):
    # given
    clients = [UserFactory() for _ in range(10)]

    # when
    results = at_once(
        [
            lambda user=user: booking_create(user=user, course=course, start=MONDAY)
            for user in clients
        ]
    )

    # then
    assert outcomes(results) == ["booked"] + ["slot_unavailable"] * 9
    assert Booking.objects.filter(status="confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_bookings_of_overlapping_starts_give_exactly_one(course):
    # given: hour-long sessions at 14:00Z and 14:30Z, which overlap each other
    clients = [UserFactory() for _ in range(10)]
    starts = [MONDAY + dt.timedelta(minutes=30 * (i % 2)) for i in range(10)]

    # when
    results = at_once(
        [
            lambda user=user, start=start: booking_create(user=user, course=course, start=start)
            for user, start in zip(clients, starts, strict=True)
        ]
    )

    # then
    assert outcomes(results) == ["booked"] + ["slot_unavailable"] * 9
    assert Booking.objects.filter(status="confirmed").count() == 1
