"""The catalogue's cached next free time (``Coach.next_available_at``, docs/API.md: the
``next_available`` of ``GET /marketplace/coaches``) follows the coach's calendar: refreshed
after commit when a booking takes or frees the slot it names, when the coach's hours,
overrides, courses or policy change, and by a beat sweep once time has overtaken it. The
coach works Mondays 09:00-17:00 New York time (14:00-22:00Z in January)."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from marketplace import tasks
from marketplace.models import Coach
from marketplace.services.coaches import next_available_refresh

from .factories import CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
HALF_HOUR = dt.timedelta(minutes=30)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def coach(db):
    coach = CoachFactory()
    WeeklyRuleFactory(coach=coach, weekday=0)
    CourseFactory(coach=coach)  # an hour, on a 30-minute grid
    next_available_refresh(coach=coach)
    return coach


def cached(coach: Coach) -> dt.datetime | None:
    coach.refresh_from_db()
    return coach.next_available_at


def listed(coach: Coach) -> str | None:
    (row,) = [c for c in client_for(UserFactory()).get(f"{API}/coaches").json()["results"]]
    assert row["id"] == str(coach.pk)
    return row["next_available"]


def test_a_booking_of_the_next_free_slot_moves_it_and_a_cancel_brings_it_back(
    coach, django_capture_on_commit_callbacks
):
    # given
    assert cached(coach) == MONDAY
    member = client_for(UserFactory())
    course = coach.courses.get()

    # when: the first slot is booked
    with django_capture_on_commit_callbacks(execute=True):
        booked = member.post(
            f"{API}/bookings",
            {"course": str(course.pk), "start": MONDAY.isoformat()},
            format="json",
        )

    # then: the next free start is the hour after
    assert booked.status_code == 201
    assert cached(coach) == MONDAY + 2 * HALF_HOUR
    assert listed(coach) == "2027-01-04T15:00:00Z"

    # when: it is cancelled
    with django_capture_on_commit_callbacks(execute=True):
        member.post(f"{API}/bookings/{booked.json()['id']}/cancel", {}, format="json")

    # then
    assert cached(coach) == MONDAY


def test_the_coachs_new_hours_move_it(coach, django_capture_on_commit_callbacks):
    # given: the coach's own client
    own = client_for(coach.user)

    # when: they work Sundays from 08:00 instead
    with django_capture_on_commit_callbacks(execute=True):
        response = own.put(
            f"{API}/me/coach/schedule",
            [{"weekday": 6, "start": "08:00", "end": "12:00"}],
            format="json",
        )

    # then: Sunday 3 January, 08:00 in New York
    assert response.status_code == 200
    assert cached(coach) == dt.datetime(2027, 1, 3, 13, 0, tzinfo=dt.UTC)


def test_the_sweep_refreshes_what_time_has_overtaken(coach, clock):
    # given: the cached Monday 09:00 has passed, unseen by any write
    clock.move_to(MONDAY + dt.timedelta(hours=10))
    unpublished = CoachFactory(published=False)

    # when
    refreshed = tasks.next_available_refresh_stale.delay().get()

    # then: the next Monday; an unpublished coach is left alone
    assert refreshed == 1
    assert cached(coach) == MONDAY + dt.timedelta(days=7)
    assert cached(unpublished) is None
