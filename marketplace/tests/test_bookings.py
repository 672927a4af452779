"""Bookings through the API (docs/API.md, marketplace): create, read, reschedule, cancel,
history. The coach works Mondays 09:00-17:00 New York time (14:00-22:00Z in January)."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from billing.payments import Price
from core.exceptions import Conflict, NotFound
from marketplace.models import Booking, BookingEvent
from marketplace.selectors.availability import free_slots
from marketplace.selectors.bookings import booking_price
from marketplace.services.bookings import booking_mark_paid

from .factories import BookingFactory, CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace/bookings"
NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def course(db):
    coach = CoachFactory(free_cancel_hours=24, reschedule_limit=2)
    WeeklyRuleFactory(coach=coach, weekday=0)
    return CourseFactory(coach=coach)


@pytest.fixture
def client_user(db):
    return UserFactory(profile__display_name="Ada Lovelace")


@pytest.fixture
def api(client_user):
    return client_for(client_user)


def z(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def book(api, course, start, **extra):
    return api.post(API, {"course": str(course.pk), "start": z(start), **extra}, format="json")


def error(response) -> dict:
    return errors_of(response)[0]


# --- create ---------------------------------------------------------------------------------


def test_a_free_course_is_booked_confirmed(api, course, client_user):
    # given
    course.coach.user.profile.display_name = "Grace Hopper"
    course.coach.user.profile.save()

    # when: an amount in the body is ignored
    response = book(api, course, MONDAY, note="About my first team.", amount=1)

    # then
    assert response.status_code == 201
    body = response.json()
    booking = Booking.objects.get()
    assert body["id"] == str(booking.pk)
    assert body["status"] == "confirmed"
    assert (body["start"], body["end"]) == (z(MONDAY), z(MONDAY + HOUR))
    assert body["coach"] == {"id": str(course.coach.pk), "first_name": "Grace"}
    assert body["client"] == {"first_name": "Ada"}
    assert body["coach_tz"] == "America/New_York"
    assert body["price"] == {"amount": 0, "currency": "usd"}
    assert body["payment_status"] == "none"
    assert body["payment"] is None
    assert body["version"] == 1
    assert body["cancellation"] is None
    assert body["free_cancel_until"] == z(MONDAY - dt.timedelta(hours=24))
    assert body["reschedules_left"] == 2
    assert body["note"] == "About my first team."
    assert (booking.client, booking.blocked_start, booking.blocked_end) == (
        client_user,
        MONDAY,
        MONDAY + HOUR,
    )
    assert list(booking.events.values_list("actor", "action")) == [("client", "confirmed")]


def test_a_priced_course_without_billing_is_refused_before_any_hold(api, course):
    # given
    course.price_amount = 5000
    course.save()

    # when
    response = book(api, course, MONDAY)

    # then
    assert response.status_code == 503
    assert error(response) == {"code": "billing_unavailable", "attr": None}
    assert not Booking.objects.exists()


def test_a_lapsed_hold_expires_and_frees_the_slot(api, course):
    # given
    hold = BookingFactory(
        course=course, start=MONDAY, status="held", hold_expires_at=NOW - dt.timedelta(minutes=1)
    )

    # when
    response = book(api, course, MONDAY)

    # then
    assert response.status_code == 201
    hold.refresh_from_db()
    assert hold.status == "expired"
    assert list(hold.events.values_list("actor", "action")) == [("system", "expired")]


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"start": "tomorrow"}, "start", "invalid"),
        ({"start": None}, "start", "null"),
        ({"course": "00000000-0000-0000-0000-000000000000"}, "course", "does_not_exist"),
        ({"course": "x"}, "course", "invalid"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, course, body, attr, code):
    # when
    response = api.post(API, {"course": str(course.pk), "start": z(MONDAY), **body}, format="json")

    # then
    assert response.status_code == 400
    assert error(response) == {"code": code, "attr": attr}


def test_an_unpublished_coachs_course_is_unknown(api, course):
    # given
    course.coach.published = False
    course.coach.save()

    # when
    response = book(api, course, MONDAY)

    # then
    assert response.status_code == 400
    assert error(response) == {"code": "does_not_exist", "attr": "course"}


def test_a_coach_cannot_book_their_own_course(course):
    # when
    response = book(client_for(course.coach.user), course, MONDAY)

    # then
    assert response.status_code == 400
    assert error(response) == {"code": "own_course", "attr": "course"}


def test_anonymous_is_a_401(course):
    # when
    response = book(APIClient(), course, MONDAY)

    # then
    assert response.status_code == 401


def test_every_listed_slot_can_be_booked(api, course):
    # given
    slots = free_slots(
        coach=course.coach, course=course, start=MONDAY, end=MONDAY + 8 * HOUR, now=NOW
    )
    assert len(slots) == 15  # 14:00Z to 21:00Z, every 30 minutes

    for start, end in slots:
        # when
        response = book(api, course, start)

        # then
        assert response.status_code == 201, start
        assert response.json()["end"] == z(end)
        Booking.objects.filter(pk=response.json()["id"]).update(status="cancelled")


@pytest.mark.parametrize(
    "start",
    [
        MONDAY + dt.timedelta(minutes=10),  # off the grid
        MONDAY - HOUR,  # before the hours
        MONDAY + 7 * HOUR + dt.timedelta(minutes=30),  # would end after the hours
        MONDAY + dt.timedelta(days=1),  # Tuesday: no hours
    ],
)
def test_a_start_not_listed_is_refused(api, course, start):
    # when
    response = book(api, course, start)

    # then
    assert response.status_code == 409
    assert error(response) == {"code": "slot_unavailable", "attr": None}
    assert not Booking.objects.exists()


def test_a_start_inside_the_minimum_notice_is_refused(client_user, course):
    # given: four hours' notice, and the session in three
    course.coach.min_notice_minutes = 240
    course.coach.save()

    # when
    with time_machine.travel(MONDAY - 3 * HOUR, tick=False):
        response = book(client_for(client_user), course, MONDAY)

    # then
    assert response.status_code == 409
    assert error(response)["code"] == "slot_unavailable"


def test_a_partial_overlap_is_refused_and_back_to_back_allowed(api, course):
    # given
    BookingFactory(course=course, start=MONDAY + HOUR)

    # when
    overlapping = book(api, course, MONDAY + dt.timedelta(minutes=30))
    before = book(api, course, MONDAY)
    after = book(api, course, MONDAY + 2 * HOUR)

    # then
    assert overlapping.status_code == 409
    assert error(overlapping)["code"] == "slot_unavailable"
    assert (before.status_code, after.status_code) == (201, 201)


def test_buffers_pad_the_session(api, course):
    # given: 15 minutes after each session
    course.buffer_after_minutes = 15
    course.save()
    BookingFactory(course=course, start=MONDAY)

    # when
    right_after = book(api, course, MONDAY + HOUR)
    later = book(api, course, MONDAY + dt.timedelta(minutes=90))

    # then
    assert right_after.status_code == 409
    assert later.status_code == 201
    booking = Booking.objects.get(pk=later.json()["id"])
    assert booking.blocked_end == booking.end + dt.timedelta(minutes=15)


# --- read -----------------------------------------------------------------------------------


def test_client_and_coach_read_the_booking_and_another_member_gets_a_404(api, course):
    # given
    booking = BookingFactory(course=course, start=MONDAY, client=UserFactory())

    # when
    coach_reads = client_for(course.coach.user).get(f"{API}/{booking.pk}")
    other_reads = client_for(UserFactory()).get(f"{API}/{booking.pk}")
    other_history = client_for(UserFactory()).get(f"{API}/{booking.pk}/history")

    # then
    assert coach_reads.status_code == 200
    assert coach_reads.json()["id"] == str(booking.pk)
    assert other_reads.status_code == 404
    assert other_history.status_code == 404


def test_the_list_has_both_sides_by_start_and_filters_by_role(client_user, course):
    # given: the member is a client of one coach and the coach of another course
    own_course = CourseFactory(coach=CoachFactory(user=client_user))
    later = BookingFactory(course=course, start=MONDAY + 2 * HOUR, client=client_user)
    earlier = BookingFactory(course=own_course, start=MONDAY)
    BookingFactory(course=course, start=MONDAY + 4 * HOUR)  # someone else's
    api = client_for(client_user)

    # when
    both = api.get(API)
    as_coach = api.get(API, {"role": "coach"})
    bad = api.get(API, {"role": "staff", "from": "soon"})

    # then
    assert [b["id"] for b in both.json()["results"]] == [str(earlier.pk), str(later.pk)]
    assert [b["id"] for b in as_coach.json()["results"]] == [str(earlier.pk)]
    assert bad.status_code == 400
    assert sorted(e["attr"] for e in bad.json()["errors"]) == ["from", "role"]


def test_the_list_filters_by_status_and_start(client_user, course):
    # given
    BookingFactory(course=course, start=MONDAY, client=client_user, status="cancelled")
    kept = BookingFactory(course=course, start=MONDAY + 2 * HOUR, client=client_user)
    api = client_for(client_user)

    # when
    response = api.get(API, {"status": "confirmed", "from": z(MONDAY + HOUR)})

    # then
    assert [b["id"] for b in response.json()["results"]] == [str(kept.pk)]


def test_the_list_query_count_does_not_grow(client_user, course, django_assert_num_queries):
    # given: the token's user and the page
    api = client_for(client_user)
    BookingFactory(course=course, start=MONDAY, client=client_user)
    with django_assert_num_queries(2):
        api.get(API)
    for day in range(1, 25):
        BookingFactory(course=course, start=MONDAY + dt.timedelta(days=7 * day), client=client_user)

    # when / then
    with django_assert_num_queries(2):
        response = api.get(API)
    assert len(response.json()["results"]) == 20


# --- reschedule -----------------------------------------------------------------------------


def test_a_reschedule_moves_the_same_booking(api, course, client_user):
    # given
    created = book(api, course, MONDAY).json()

    # when: 30 minutes later, over its own old time
    response = api.post(
        f"{API}/{created['id']}/reschedule",
        {"start": z(MONDAY + dt.timedelta(minutes=30)), "version": 1, "reason": "Traffic."},
        format="json",
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == created["id"]
    assert body["start"] == z(MONDAY + dt.timedelta(minutes=30))
    assert (body["version"], body["reschedules_left"]) == (2, 1)
    booking = Booking.objects.get()
    assert booking.ical_sequence == 1
    event = booking.events.get(action="rescheduled")
    assert (event.actor, event.action, event.old_start, event.new_start, event.reason) == (
        "client",
        "rescheduled",
        MONDAY,
        MONDAY + dt.timedelta(minutes=30),
        "Traffic.",
    )


def test_a_stale_version_is_a_conflict(api, course):
    # given
    created = book(api, course, MONDAY).json()

    # when
    response = api.post(
        f"{API}/{created['id']}/reschedule",
        {"start": z(MONDAY + 2 * HOUR), "version": 7},
        format="json",
    )

    # then
    assert response.status_code == 409
    assert error(response) == {"code": "version_conflict", "attr": None}
    assert Booking.objects.get().start == MONDAY


def test_a_reschedule_onto_a_taken_time_leaves_the_booking(api, course):
    # given
    created = book(api, course, MONDAY).json()
    BookingFactory(course=course, start=MONDAY + 2 * HOUR)

    # when
    response = api.post(
        f"{API}/{created['id']}/reschedule",
        {"start": z(MONDAY + dt.timedelta(minutes=90)), "version": 1},
        format="json",
    )

    # then
    assert response.status_code == 409
    assert error(response)["code"] == "slot_unavailable"
    booking = Booking.objects.get(pk=created["id"])
    assert (booking.start, booking.version) == (MONDAY, 1)


def test_the_coach_reschedules_until_the_limit(course, client_user):
    # given: a limit of two moves
    booking = BookingFactory(course=course, start=MONDAY, client=client_user)
    coach = client_for(course.coach.user)

    # when
    answers = [
        coach.post(
            f"{API}/{booking.pk}/reschedule",
            {"start": z(MONDAY + (n + 1) * HOUR), "version": n + 1},
            format="json",
        )
        for n in range(3)
    ]

    # then
    assert [a.status_code for a in answers] == [200, 200, 409]
    assert error(answers[2])["code"] == "not_reschedulable"
    assert booking.events.filter(actor="coach", action="rescheduled").count() == 2


def test_a_cancelled_booking_cannot_be_rescheduled(api, course, client_user):
    # given
    booking = BookingFactory(course=course, start=MONDAY, client=client_user, status="cancelled")

    # when
    response = api.post(
        f"{API}/{booking.pk}/reschedule", {"start": z(MONDAY + HOUR), "version": 1}, format="json"
    )

    # then
    assert response.status_code == 409
    assert error(response)["code"] == "not_reschedulable"


# --- cancel ---------------------------------------------------------------------------------


def test_a_cancel_early_is_free_and_a_second_changes_nothing(api, course):
    # given
    created = book(api, course, MONDAY).json()

    # when
    first = api.post(f"{API}/{created['id']}/cancel", {"reason": "Sick."}, format="json")
    second = api.post(f"{API}/{created['id']}/cancel", {}, format="json")

    # then
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert first.json()["cancellation"] == {
        "by": "client",
        "at": z(NOW),
        "reason": "Sick.",
        "late": False,
    }
    assert second.status_code == 200
    assert second.json() == first.json()
    assert BookingEvent.objects.filter(action="cancelled").count() == 1
    # the slot is free again
    assert book(client_for(UserFactory()), course, MONDAY).status_code == 201


def test_a_cancel_inside_the_window_is_late(api, course):
    # given
    created = book(api, course, MONDAY).json()

    # when: two hours before
    with time_machine.travel(MONDAY - 2 * HOUR, tick=False):
        response = client_for(course.coach.user).post(f"{API}/{created['id']}/cancel")

    # then
    assert response.status_code == 200
    assert response.json()["cancellation"]["by"] == "coach"
    assert response.json()["cancellation"]["late"] is True


def test_an_ended_booking_cannot_be_cancelled(api, course, client_user):
    # given
    created = book(api, course, MONDAY).json()

    # when
    with time_machine.travel(MONDAY + 2 * HOUR, tick=False):
        response = client_for(client_user).post(f"{API}/{created['id']}/cancel")

    # then
    assert response.status_code == 409
    assert error(response)["code"] == "not_cancellable"


# --- history --------------------------------------------------------------------------------


def test_the_history_lists_every_change_oldest_first(api, course):
    # given
    created = book(api, course, MONDAY).json()
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        api.post(
            f"{API}/{created['id']}/reschedule",
            {"start": z(MONDAY + 2 * HOUR), "version": 1},
            format="json",
        )
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        api.post(f"{API}/{created['id']}/cancel", {"reason": "Plans changed."}, format="json")

    # when
    response = client_for(course.coach.user).get(f"{API}/{created['id']}/history")

    # then
    assert response.status_code == 200
    assert [(e["actor"], e["action"], e["old_start"], e["new_start"]) for e in response.json()] == [
        ("client", "confirmed", None, z(MONDAY)),
        ("client", "rescheduled", z(MONDAY), z(MONDAY + 2 * HOUR)),
        ("client", "cancelled", None, None),
    ]
    assert response.json()[2]["reason"] == "Plans changed."


# --- payments (billing's hooks for the "marketplace.booking" purpose) -----------------------


class Intent:
    """What billing hands the hooks: a PaymentIntent with an ``id``."""

    id = "pi_123"


def held(course, client, **extra):
    course.price_amount = 5000
    course.save()
    return BookingFactory(
        course=course,
        client=client,
        start=MONDAY,
        status="held",
        hold_expires_at=NOW + dt.timedelta(minutes=15),
        payment_status="pending",
        **extra,
    )


def test_the_price_of_a_hold_is_the_bookings_and_only_its_client_pays(course, client_user):
    # given
    booking = held(course, client_user)

    # when
    price = booking_price(user=client_user, object_id=str(booking.pk))

    # then
    assert (price.amount, price.currency) == (5000, "usd")
    assert isinstance(price, Price)
    with pytest.raises(NotFound):
        booking_price(user=UserFactory(), object_id=str(booking.pk))
    with pytest.raises(NotFound):
        booking_price(user=client_user, object_id="not-a-uuid")


def test_a_confirmed_booking_is_not_payable(course, client_user):
    # given
    booking = BookingFactory(course=course, client=client_user, start=MONDAY)

    # when / then
    with pytest.raises(Conflict) as refused:
        booking_price(user=client_user, object_id=str(booking.pk))
    assert refused.value.code == "not_payable"


def test_a_succeeded_payment_confirms_the_hold(course, client_user):
    # given
    booking = held(course, client_user)

    # when
    booking_mark_paid(payment_intent=Intent(), object_id=str(booking.pk))

    # then
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status, booking.payment_intent_id) == (
        "confirmed",
        "paid",
        "pi_123",
    )
    assert list(booking.events.values_list("actor", "action")) == [("system", "confirmed")]


def test_a_payment_after_the_slot_went_to_someone_else_is_marked_for_refund(course, client_user):
    # given: the hold lapsed and another client took the time
    booking = held(course, client_user)
    booking.status = "expired"
    booking.save()
    BookingFactory(course=course, start=MONDAY)

    # when
    booking_mark_paid(payment_intent=Intent(), object_id=str(booking.pk))

    # then
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == ("expired", "refund_pending")
    assert list(booking.events.values_list("action", flat=True)) == ["refunded"]
