"""A coach's performance (docs/API.md, marketplace): figures over the coach's local dates,
for the coach and staff only, in a constant number of queries."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from marketplace.models import Feedback

from .factories import (
    BookingFactory,
    CoachFactory,
    CourseFactory,
    DateOverrideFactory,
    WeeklyRuleFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace/coaches"
NOW = dt.datetime(2027, 4, 1, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coach(db):
    """A New York coach working Monday to Friday, 09:00-17:00."""
    coach = CoachFactory(timezone="America/New_York")
    for weekday in range(5):
        WeeklyRuleFactory(coach=coach, weekday=weekday)
    return coach


@pytest.fixture
def course(coach):
    return CourseFactory(coach=coach, price_amount=5000)


@pytest.fixture
def api(coach):
    return client_for(coach.user)


def performance(api, coach, query: str = ""):
    return api.get(f"{API}/{coach.pk}/performance{query}")


def error(response) -> dict:
    return errors_of(response)[0]


def rated(booking, rating: int) -> Feedback:
    return Feedback.objects.create(
        booking=booking, client=booking.client, coach=booking.coach, rating=rating
    )


def test_the_coach_sees_their_week(api, coach, course):
    # given: the week of Monday 4 January 2027, in New York
    regular, other, third = UserFactory(), UserFactory(), UserFactory()
    paid = {"paid_at": MONDAY - 7 * DAY, "payment_status": "paid"}
    first = BookingFactory(course=course, client=regular, start=MONDAY, status="completed", **paid)
    second = BookingFactory(
        course=course,
        client=regular,
        start=MONDAY + DAY,
        status="completed",
        amount_refunded=1000,
        **paid,
    )
    BookingFactory(course=course, client=other, start=MONDAY + 2 * DAY, status="no_show", **paid)
    BookingFactory(
        course=course,
        client=third,
        start=MONDAY + 3 * DAY,
        status="cancelled",
        cancelled_by="client",
        late_cancel=True,
    )
    BookingFactory(
        course=course,
        client=other,
        start=MONDAY + 4 * DAY,
        status="cancelled",
        cancelled_by="coach",
    )
    BookingFactory(
        course=course, start=MONDAY + 2 * HOUR, status="held", hold_expires_at=MONDAY - DAY
    )
    BookingFactory(course=course, start=MONDAY + 3 * HOUR, status="expired")
    rated(first, 5)
    rated(second, 3)
    # and outside the week, or another coach's
    rated(BookingFactory(course=course, client=regular, start=MONDAY - DAY, **paid), 1)
    BookingFactory(course=course, client=regular, start=MONDAY + 7 * DAY, status="completed")
    rated(BookingFactory(start=MONDAY, status="completed", **paid), 1)

    # when
    response = performance(api, coach, "?from=2027-01-04&to=2027-01-10")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "coach": str(coach.pk),
        "from": "2027-01-04",
        "to": "2027-01-10",
        "timezone": "America/New_York",
        "sessions_completed": 2,
        "offered_minutes": 5 * 8 * 60,
        "booked_minutes": 3 * 60,
        "utilisation": 0.075,
        "cancellation_rate": {"by_client": 0.2, "by_coach": 0.2, "late": 0.2},
        "no_show_rate": 0.3333,
        "rating_avg": 4.0,
        "rating_count": 2,
        "csat": 0.5,
        "repeat_client_rate": 0.5,
        "revenue": {"gross": 15000, "refunded": 1000, "net": 14000, "currency": "usd"},
    }


def test_an_empty_period_has_no_rates(api, coach):
    # when: a weekend with no hours
    response = performance(api, coach, "?from=2027-01-09&to=2027-01-10")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["offered_minutes"], body["booked_minutes"], body["sessions_completed"]) == (
        0,
        0,
        0,
    )
    assert body["utilisation"] is None
    assert body["cancellation_rate"] == {"by_client": None, "by_coach": None, "late": None}
    assert (body["no_show_rate"], body["rating_avg"], body["rating_count"]) == (None, None, 0)
    assert (body["csat"], body["repeat_client_rate"]) == (None, None)
    assert body["revenue"] == {"gross": 0, "refunded": 0, "net": 0, "currency": None}


def test_local_days_across_the_spring_change(api, coach, course):
    # given: Sunday 14 March 2027 is 23 hours long in New York. The coach works all day on
    # Sundays, and on Monday 15 March only 10:00-12:00 (an override).
    WeeklyRuleFactory(coach=coach, weekday=6, start_time=dt.time(0), end_time=dt.time(0))
    DateOverrideFactory(
        coach=coach, date=dt.date(2027, 3, 15), start_time=dt.time(10), end_time=dt.time(12)
    )
    done = {"status": "completed"}
    # Friday 23:30 EST, before the period
    BookingFactory(course=course, start=dt.datetime(2027, 3, 13, 4, 30, tzinfo=dt.UTC), **done)
    # Saturday 00:30 EST and Monday 23:00 EDT: inside it
    BookingFactory(course=course, start=dt.datetime(2027, 3, 13, 5, 30, tzinfo=dt.UTC), **done)
    BookingFactory(course=course, start=dt.datetime(2027, 3, 16, 3, 0, tzinfo=dt.UTC), **done)
    # Tuesday 00:30 EDT, after it
    BookingFactory(course=course, start=dt.datetime(2027, 3, 16, 4, 30, tzinfo=dt.UTC), **done)

    # when
    response = performance(api, coach, "?from=2027-03-13&to=2027-03-15")

    # then: Sunday offers 23 hours, Monday the override's 2
    body = response.json()
    assert body["offered_minutes"] == 23 * 60 + 2 * 60
    assert (body["sessions_completed"], body["booked_minutes"]) == (2, 120)


def test_by_default_the_last_30_days_of_the_coach(api, coach, course):
    # given: 12:00Z on 1 April is 08:00 in New York
    BookingFactory(course=course, start=NOW - 30 * DAY, status="completed")
    BookingFactory(course=course, start=NOW - 29 * DAY, status="completed")

    # when
    response = performance(api, coach)

    # then
    body = response.json()
    assert (body["from"], body["to"]) == ("2027-03-03", "2027-04-01")
    assert body["sessions_completed"] == 1


def test_staff_see_any_coach(coach):
    # when
    response = performance(client_for(UserFactory(is_staff=True)), coach)

    # then
    assert response.status_code == 200
    assert response.json()["coach"] == str(coach.pk)


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ("?from=yesterday", "from", "invalid"),
        ("?to=2027-02-30", "to", "invalid"),
        ("?from=2027-01-10&to=2027-01-09", "to", "before_from"),
        ("?from=2026-01-01&to=2027-01-02", "to", "range_too_long"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, coach, query, attr, code):
    # when
    response = performance(api, coach, query)

    # then
    assert response.status_code == 400
    assert error(response) == {"code": code, "attr": attr}


def test_a_full_year_is_allowed(api, coach):
    # when: 366 days
    response = performance(api, coach, "?from=2026-01-01&to=2027-01-01")

    # then
    assert response.status_code == 200


def test_anonymous_is_a_401(coach):
    # when
    response = performance(APIClient(), coach)

    # then
    assert response.status_code == 401


@pytest.mark.parametrize("who", ["member", "another coach"])
def test_anyone_else_is_a_403(coach, who):
    # given
    caller = UserFactory() if who == "member" else CoachFactory().user

    # when
    response = performance(client_for(caller), coach)

    # then
    assert response.status_code == 403
    assert error(response) == {"code": "permission_denied", "attr": None}


def test_a_member_asking_for_an_unknown_coach_is_a_403_too():
    # when: refused before any lookup, so an id tells a member nothing
    response = performance(client_for(UserFactory()), CoachFactory.build())

    # then
    assert response.status_code == 403


def test_an_unknown_coach_is_a_404(staff_api):
    # when
    response = staff_api.get(f"{API}/00000000-0000-0000-0000-000000000000/performance")

    # then
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "attr": None}


def test_the_query_count_does_not_grow(api, coach, course, django_assert_num_queries):
    # given: one booking, then fifty (rated, paid, some cancelled)
    query = "?from=2027-01-01&to=2027-03-31"
    BookingFactory(course=course, start=MONDAY, status="completed")
    with django_assert_num_queries(7):
        performance(api, coach, query)
    for i in range(1, 50):
        booking = BookingFactory(
            course=course,
            start=MONDAY + i * DAY,
            status="cancelled" if i % 5 == 0 else "completed",
            paid_at=MONDAY,
        )
        rated(booking, 1 + i % 5)
    DateOverrideFactory(coach=coach, date=dt.date(2027, 2, 1))

    # when / then
    with django_assert_num_queries(7):
        response = performance(api, coach, query)
    assert response.json()["sessions_completed"] == 41
