"""How sessions end (docs/API.md, marketplace): the periodic sweep completes ended confirmed
bookings and gives the client XP once; either side marks the other a no-show within 48
hours of the start."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from analytics.models import Event
from coaching.models import XPAward
from marketplace import tasks
from marketplace.models import Booking, BookingEvent
from marketplace.services.completion import SESSION_XP, bookings_complete

from .factories import BookingFactory, CoachFactory, CourseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace/bookings"
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def course(db):
    return CourseFactory(coach=CoachFactory())


def booking_at(course, start, **extra) -> Booking:
    return BookingFactory(course=course, start=start, **extra)


# --- completion -------------------------------------------------------------------------------


def test_ended_confirmed_bookings_are_completed_with_xp_once(course):
    # given: one ended at 15:00, one still running, one ended but cancelled, one in the future
    ended = booking_at(course, MONDAY)
    running = booking_at(course, MONDAY + 2 * HOUR)
    cancelled = booking_at(course, MONDAY - 2 * HOUR, status="cancelled")
    later = booking_at(course, MONDAY + 5 * HOUR)

    # when: the sweep runs at 16:30, and again
    with time_machine.travel(MONDAY + 2.5 * HOUR, tick=False):
        first = tasks.bookings_complete.delay().get()
        second = bookings_complete()

    # then
    assert (first, second) == (1, 0)
    statuses = {b.pk: b.status for b in Booking.objects.all()}
    assert statuses == {
        ended.pk: "completed",
        running.pk: "confirmed",
        cancelled.pk: "cancelled",
        later.pk: "confirmed",
    }
    ended.refresh_from_db()
    assert ended.version == 2
    assert list(ended.events.values_list("actor", "action")) == [("system", "completed")]
    assert list(XPAward.objects.values_list("user", "amount", "source_id")) == [
        (ended.client_id, SESSION_XP, f"booking:{ended.pk}:completed")
    ]
    assert not BookingEvent.objects.exclude(booking=ended).exists()


def test_completion_goes_through_every_batch(course):
    # given: more ended bookings than one batch holds
    bookings = [booking_at(course, MONDAY - dt.timedelta(hours=2 * i)) for i in range(5)]

    # when
    completed = bookings_complete(now=MONDAY + 2 * HOUR, batch_size=2)

    # then
    assert completed == 5
    assert set(Booking.objects.values_list("status", flat=True)) == {"completed"}
    assert XPAward.objects.count() == len(bookings)


def test_xp_is_given_once_even_when_a_booking_is_completed_twice(course):
    # given: completed, then put back to confirmed by hand (an operator's fix in the admin)
    booking = booking_at(course, MONDAY)
    bookings_complete(now=MONDAY + 2 * HOUR)
    Booking.objects.filter(pk=booking.pk).update(status="confirmed")

    # when
    again = bookings_complete(now=MONDAY + 3 * HOUR)

    # then
    assert again == 1
    assert XPAward.objects.filter(user=booking.client).count() == 1


def test_a_group_session_is_completed_without_xp(course):
    # given
    session = booking_at(course, MONDAY, client=None, kind="group")

    # when
    completed = bookings_complete(now=MONDAY + 2 * HOUR)

    # then
    assert completed == 1
    session.refresh_from_db()
    assert session.status == "completed"
    assert not XPAward.objects.exists()


def test_the_sweep_is_on_the_beat_every_five_minutes(settings):
    # then
    entry = settings.CELERY_BEAT_SCHEDULE["marketplace-bookings-complete"]
    assert entry == {"task": "marketplace.tasks.bookings_complete", "schedule": 300.0}


# --- no-show ----------------------------------------------------------------------------------


@pytest.fixture
def booking(course):
    return booking_at(course, MONDAY, client=UserFactory(profile__display_name="Ada Lovelace"))


def mark(api, booking, party):
    return api.post(f"{API}/{booking.pk}/no-show", {"party": party}, format="json")


def error(response) -> dict:
    return errors_of(response)[0]


@pytest.mark.parametrize(
    ("side", "party"), [("coach", "client"), ("client", "coach")], ids=["by-coach", "by-client"]
)
def test_a_side_marks_the_other_a_no_show(booking, side, party, django_capture_on_commit_callbacks):
    # given: twenty minutes into the session
    marker = booking.coach.user if side == "coach" else booking.client

    # when
    with (
        time_machine.travel(MONDAY + dt.timedelta(minutes=20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = mark(client_for(marker), booking, party)

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["version"]) == (str(booking.pk), "no_show", 2)
    booking.refresh_from_db()
    assert (booking.status, booking.no_show_party, booking.version) == ("no_show", party, 2)
    assert list(booking.events.values_list("actor", "actor_user", "action")) == [
        (side, marker.pk, "no_show")
    ]
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        (
            "booking_no_show",
            marker.pk,
            {
                "booking_id": str(booking.pk),
                "coach_id": str(booking.coach_id),
                "party": party,
                "by": side,
            },
        )
    ]


def test_marking_again_the_same_way_changes_nothing(booking):
    # given
    with time_machine.travel(MONDAY + HOUR, tick=False):
        coach_api = client_for(booking.coach.user)
        mark(coach_api, booking, "client")

        # when
        response = mark(coach_api, booking, "client")

    # then
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("no_show", 2)
    assert booking.events.count() == 1


def test_a_completed_session_can_still_be_marked_within_48_hours(booking):
    # given
    bookings_complete(now=MONDAY + 2 * HOUR)

    # when
    with time_machine.travel(MONDAY + 47 * HOUR, tick=False):
        response = mark(client_for(booking.client), booking, "coach")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"


@pytest.mark.parametrize(
    ("status", "at"),
    [
        ("confirmed", MONDAY - dt.timedelta(minutes=1)),  # before the start
        ("confirmed", MONDAY + 48 * HOUR + dt.timedelta(minutes=1)),  # too late
        ("cancelled", MONDAY + HOUR),
        ("expired", MONDAY + HOUR),
        ("held", MONDAY + HOUR),
    ],
)
def test_a_no_show_is_open_only_from_the_start_for_48_hours(booking, status, at):
    # given
    Booking.objects.filter(pk=booking.pk).update(
        status=status, hold_expires_at=MONDAY if status == "held" else None
    )

    # when
    with time_machine.travel(at, tick=False):
        response = mark(client_for(booking.coach.user), booking, "client")

    # then
    assert response.status_code == 409
    assert error(response) == {"code": "no_show_not_open", "attr": None}
    booking.refresh_from_db()
    assert (booking.status, booking.no_show_party) == (status, "")
    assert not booking.events.exists()


def test_the_other_side_cannot_overwrite_a_no_show(booking):
    # given: the coach marked the client
    with time_machine.travel(MONDAY + HOUR, tick=False):
        mark(client_for(booking.coach.user), booking, "client")

        # when
        response = mark(client_for(booking.client), booking, "coach")

    # then
    assert response.status_code == 409
    assert error(response) == {"code": "no_show_not_open", "attr": None}
    booking.refresh_from_db()
    assert booking.no_show_party == "client"


@pytest.mark.parametrize(
    ("side", "body", "code"),
    [
        ("coach", {"party": "coach"}, "own_party"),
        ("client", {"party": "client"}, "own_party"),
        ("coach", {"party": "staff"}, "invalid_choice"),
        ("coach", {}, "required"),
    ],
)
def test_bad_input_is_a_400_naming_party(booking, side, body, code):
    # given
    marker = booking.coach.user if side == "coach" else booking.client

    # when
    with time_machine.travel(MONDAY + HOUR, tick=False):
        response = client_for(marker).post(f"{API}/{booking.pk}/no-show", body, format="json")

    # then
    assert response.status_code == 400
    assert error(response) == {"code": code, "attr": "party"}
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_anonymous_is_a_401(booking):
    # when
    response = mark(APIClient(), booking, "client")

    # then
    assert response.status_code == 401


def test_another_members_booking_is_a_404(booking):
    # when
    with time_machine.travel(MONDAY + HOUR, tick=False):
        response = mark(client_for(UserFactory()), booking, "client")

    # then
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "attr": None}
    booking.refresh_from_db()
    assert booking.status == "confirmed"
