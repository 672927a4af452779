"""Feedback (docs/API.md, marketplace): the client rates a session once, after its end; the
coach's averages move with it; a coach's ratings are public and anonymous."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from analytics.models import Event
from core.exceptions import Conflict
from core.tests.concurrency import at_once
from marketplace.models import Coach, Feedback
from marketplace.services.feedback import feedback_create

from .factories import BookingFactory, CoachFactory, CourseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
NOW = dt.datetime(2027, 1, 5, 12, 0, tzinfo=dt.UTC)  # the day after
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def course(db):
    return CourseFactory(coach=CoachFactory())


@pytest.fixture
def client_user(db):
    return UserFactory(profile__display_name="Ada Lovelace")


@pytest.fixture
def booking(course, client_user):
    return BookingFactory(course=course, client=client_user, start=MONDAY)


@pytest.fixture
def api(client_user):
    return client_for(client_user)


def rate(api, booking, body):
    return api.post(f"{API}/bookings/{booking.pk}/feedback", body, format="json")


def error(response) -> dict:
    return errors_of(response)[0]


def z(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


# --- POST /bookings/{id}/feedback -------------------------------------------------------------


@pytest.mark.parametrize("status", ["confirmed", "completed"])
def test_the_client_rates_an_ended_session_once(
    api, booking, client_user, status, django_capture_on_commit_callbacks
):
    # given: the session ended, whether or not the sweep has completed it yet
    booking.status = status
    booking.save()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = rate(api, booking, {"rating": 4, "comment": "  Clear and kind. <b>Thanks</b>  "})

    # then
    assert response.status_code == 201
    feedback = Feedback.objects.get()
    assert response.json() == {
        "id": str(feedback.pk),
        "booking": str(booking.pk),
        "rating": 4,
        "comment": "Clear and kind. <b>Thanks</b>",
        "created_at": z(NOW),
    }
    assert (feedback.client, feedback.coach_id) == (client_user, booking.coach_id)
    coach = Coach.objects.get(pk=booking.coach_id)
    assert (coach.rating_sum, coach.rating_count, coach.rating_avg) == (4, 1, 4.0)
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        (
            "booking_feedback",
            client_user.pk,
            {"booking_id": str(booking.pk), "coach_id": str(booking.coach_id), "rating": 4},
        )
    ]


def test_ratings_add_up_in_the_catalogue(course):
    # given: two clients rate their sessions 5 and 2
    for rating in (5, 2):
        booking = BookingFactory(course=course, start=MONDAY - dt.timedelta(days=7 * rating))
        rate(client_for(booking.client), booking, {"rating": rating})

    # when
    response = APIClient().get(f"{API}/coaches/{course.coach.pk}")

    # then
    assert (response.json()["rating_avg"], response.json()["rating_count"]) == (3.5, 2)


def test_a_second_rating_is_a_409_and_changes_nothing(api, booking):
    # given
    rate(api, booking, {"rating": 5})

    # when
    response = rate(api, booking, {"rating": 1})

    # then
    assert response.status_code == 409
    assert error(response) == {"code": "feedback_exists", "attr": None}
    assert list(Feedback.objects.values_list("rating", flat=True)) == [5]
    coach = Coach.objects.get(pk=booking.coach_id)
    assert (coach.rating_sum, coach.rating_count) == (5, 1)


def test_the_coach_may_not_rate_the_session(booking):
    # when
    response = rate(client_for(booking.coach.user), booking, {"rating": 5})

    # then
    assert response.status_code == 403
    assert error(response) == {"code": "permission_denied", "attr": None}
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("status", "start"),
    [
        ("confirmed", NOW - dt.timedelta(minutes=30)),  # still running
        ("confirmed", NOW + HOUR),  # not started
        ("cancelled", MONDAY),
        ("expired", MONDAY),
        ("no_show", MONDAY),
    ],
)
def test_feedback_is_open_only_after_a_session_that_took_place(api, booking, status, start):
    # given
    booking.status, booking.start, booking.end = status, start, start + HOUR
    booking.blocked_start, booking.blocked_end = booking.start, booking.end
    booking.save()

    # when
    response = rate(api, booking, {"rating": 5})

    # then
    assert response.status_code == 409
    assert error(response) == {"code": "feedback_not_open", "attr": None}
    assert not Feedback.objects.exists()
    assert Coach.objects.get(pk=booking.coach_id).rating_count == 0


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "rating", "required"),
        ({"rating": 0}, "rating", "min_value"),
        ({"rating": 6}, "rating", "max_value"),
        ({"rating": "five"}, "rating", "invalid"),
        ({"rating": 5, "comment": "x" * 2001}, "comment", "max_length"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, booking, body, attr, code):
    # when
    response = rate(api, booking, body)

    # then
    assert response.status_code == 400
    assert error(response) == {"code": code, "attr": attr}
    assert not Feedback.objects.exists()


def test_anonymous_is_a_401(booking):
    # when
    response = rate(APIClient(), booking, {"rating": 5})

    # then
    assert response.status_code == 401


def test_another_members_booking_is_a_404(booking):
    # when
    stranger = client_for(UserFactory())
    posted = rate(stranger, booking, {"rating": 5})
    read = stranger.get(f"{API}/bookings/{booking.pk}/feedback")

    # then
    assert (posted.status_code, read.status_code) == (404, 404)
    assert error(posted) == {"code": "not_found", "attr": None}
    assert not Feedback.objects.exists()


# --- GET /bookings/{id}/feedback --------------------------------------------------------------


def test_both_sides_read_the_feedback(api, booking):
    # given
    created = rate(api, booking, {"rating": 3, "comment": "Fine."}).json()

    # when
    as_client = api.get(f"{API}/bookings/{booking.pk}/feedback")
    as_coach = client_for(booking.coach.user).get(f"{API}/bookings/{booking.pk}/feedback")

    # then
    assert (as_client.status_code, as_coach.status_code) == (200, 200)
    assert as_client.json() == as_coach.json() == created


def test_no_feedback_yet_is_a_404(api, booking):
    # when
    response = api.get(f"{API}/bookings/{booking.pk}/feedback")

    # then
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "attr": None}


def test_reading_anonymously_is_a_401(booking):
    # when
    response = APIClient().get(f"{API}/bookings/{booking.pk}/feedback")

    # then
    assert response.status_code == 401


# --- GET /coaches/{id}/feedback ---------------------------------------------------------------


def _rated(course, rating: int, comment: str, days_ago: int) -> Feedback:
    booking = BookingFactory(course=course, start=MONDAY - dt.timedelta(days=days_ago))
    with time_machine.travel(NOW - dt.timedelta(days=days_ago) + HOUR, tick=False):
        return feedback_create(user=booking.client, booking=booking, rating=rating, comment=comment)


def test_a_coachs_feedback_is_public_newest_first_and_names_no_client(course):
    # given
    _rated(course, 5, "Great.", days_ago=14)
    _rated(course, 2, "Late start.", days_ago=7)
    _rated(CourseFactory(), 1, "Another coach's.", days_ago=7)

    # when
    response = APIClient().get(f"{API}/coaches/{course.coach.pk}/feedback")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [
        {"rating": 2, "comment": "Late start.", "created_at": z(NOW - dt.timedelta(days=7) + HOUR)},
        {"rating": 5, "comment": "Great.", "created_at": z(NOW - dt.timedelta(days=14) + HOUR)},
    ]
    assert body["next"] is None


def test_the_feedback_list_pages_by_cursor(course):
    # given
    for days_ago in range(1, 4):
        _rated(course, 4, f"{days_ago} days ago", days_ago=days_ago)
    anonymous = APIClient()

    # when
    first = anonymous.get(f"{API}/coaches/{course.coach.pk}/feedback?page_size=2").json()
    second = anonymous.get(first["next"]).json()

    # then
    assert [f["comment"] for f in first["results"]] == ["1 days ago", "2 days ago"]
    assert [f["comment"] for f in second["results"]] == ["3 days ago"]


@pytest.mark.parametrize("published", [False, None])
def test_an_unpublished_or_unknown_coach_has_no_feedback_list(course, published):
    # given
    course.coach.published = False
    course.coach.save()
    coach_id = course.coach.pk if published is False else "00000000-0000-0000-0000-000000000000"

    # when
    response = APIClient().get(f"{API}/coaches/{coach_id}/feedback")

    # then
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "attr": None}


def test_a_bad_cursor_is_a_400_naming_it(course):
    # when
    response = APIClient().get(f"{API}/coaches/{course.coach.pk}/feedback?cursor=bad")

    # then
    assert response.status_code == 400
    assert error(response) == {"code": "invalid_cursor", "attr": "cursor"}


def test_the_feedback_list_query_count_does_not_grow(course, django_assert_num_queries):
    # given
    anonymous = APIClient()
    _rated(course, 5, "One.", days_ago=1)
    with django_assert_num_queries(2):
        anonymous.get(f"{API}/coaches/{course.coach.pk}/feedback")
    for days_ago in range(2, 27):
        _rated(course, 4, "More.", days_ago=days_ago)

    # when / then
    with django_assert_num_queries(2):
        response = anonymous.get(f"{API}/coaches/{course.coach.pk}/feedback")
    assert len(response.json()["results"]) == 20


# --- a race ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ratings_give_one(transactional_db):
    # given
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "needs a database several connections share: PostgreSQL (DATABASE_URL) or a "
            "SQLite file database; the SQLite test database is in memory"
        )
    booking = BookingFactory(course=CourseFactory(), start=MONDAY)

    # when
    results = at_once(
        [
            lambda rating=rating: feedback_create(
                user=booking.client, booking=booking, rating=rating
            )
            for rating in (5, 1)
        ]
    )

    # then
    outcomes = sorted(
        "rated" if isinstance(r, Feedback) else r.code if isinstance(r, Conflict) else repr(r)
        for r in results
    )
    assert outcomes == ["feedback_exists", "rated"]
    coach = Coach.objects.get(pk=booking.coach_id)
    assert Feedback.objects.count() == 1
    assert (coach.rating_count, coach.rating_sum) == (1, Feedback.objects.get().rating)
