"""Group sessions (docs/API.md, marketplace): a coach schedules sessions of a group course
(``me/coach/sessions``), members take and give back seats through ``/marketplace/bookings``,
and the course's page lists the seats left. The coach works Mondays 09:00-17:00 New York
time (14:00-22:00Z in January)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from core.exceptions import Conflict
from core.tests.concurrency import at_once
from marketplace.models import Booking, BookingEvent, Enrolment
from marketplace.services.sessions import enrolment_create, session_create

from .factories import BookingFactory, CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
SESSIONS = f"{API}/me/coach/sessions"
BOOKINGS = f"{API}/bookings"
NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def named(first: str):
    return UserFactory(profile__display_name=f"{first} Example")


@pytest.fixture
def coach(db):
    coach = CoachFactory(user=named("Grace"))
    WeeklyRuleFactory(coach=coach, weekday=0)
    return coach


@pytest.fixture
def group(coach):
    return CourseFactory(coach=coach, kind="group", capacity=3, title="Leading teams")


@pytest.fixture
def coach_api(coach):
    return client_for(coach.user)


def z(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def schedule(api, course, start):
    return api.post(SESSIONS, {"course": str(course.pk), "start": z(start)}, format="json")


def enrol(api, session):
    return api.post(BOOKINGS, {"session": str(session.pk)}, format="json")


def a_session(group, start=MONDAY) -> Booking:
    return session_create(coach=group.coach, course=group, start=start)


# --- scheduling -----------------------------------------------------------------------------


def test_a_coach_schedules_a_session_of_a_group_course(coach_api, coach, group):
    # when
    response = schedule(coach_api, group, MONDAY)

    # then
    assert response.status_code == 201
    session = Booking.objects.get()
    assert response.json() == {
        "id": str(session.pk),
        "course": {"id": str(group.pk), "title": "Leading teams", "duration_minutes": 60},
        "status": "confirmed",
        "start": z(MONDAY),
        "end": z(MONDAY + HOUR),
        "capacity": 3,
        "seats_left": 3,
        "enrolments": [],
    }
    assert (session.kind, session.client, session.capacity, session.coach) == (
        "group",
        None,
        3,
        coach,
    )
    assert (session.blocked_start, session.blocked_end) == (MONDAY, MONDAY + HOUR)
    assert list(session.events.values_list("actor", "action", "new_start")) == [
        ("coach", "created", MONDAY)
    ]


def test_a_session_blocks_the_coachs_calendar_like_a_booking(coach_api, coach, group):
    # given: a one-to-one booking at 09:30 New York
    BookingFactory(course=CourseFactory(coach=coach), start=MONDAY + HOUR / 2)

    # when: an overlapping session, and one off the grid
    taken = schedule(coach_api, group, MONDAY)
    off_grid = schedule(coach_api, group, MONDAY + dt.timedelta(minutes=10))

    # then
    assert [taken.status_code, off_grid.status_code] == [409, 409]
    assert errors_of(taken) == [{"code": "slot_unavailable", "attr": None}]
    assert errors_of(off_grid) == [{"code": "slot_unavailable", "attr": None}]
    assert not Booking.objects.filter(kind="group").exists()


def test_a_priced_group_course_cannot_be_scheduled_yet(coach_api, group):
    # given
    group.price_amount = 2500
    group.save()

    # when
    response = schedule(coach_api, group, MONDAY)

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "priced_group", "attr": "course"}]
    assert response.json()["errors"][0]["detail"] == "Paid group sessions are not available yet."
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "which",
    ["one_to_one", "inactive", "another_coachs"],
)
def test_only_the_coachs_own_active_group_course_is_accepted(coach_api, coach, group, which):
    # given
    course = {
        "one_to_one": lambda: CourseFactory(coach=coach),
        "inactive": lambda: CourseFactory(coach=coach, kind="group", capacity=3, active=False),
        "another_coachs": lambda: CourseFactory(kind="group", capacity=3),
    }[which]()

    # when
    response = schedule(coach_api, course, MONDAY)

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "does_not_exist", "attr": "course"}]
    assert not Booking.objects.exists()


def test_a_session_needs_a_start(coach_api, group):
    # when
    missing = coach_api.post(SESSIONS, {"course": str(group.pk)}, format="json")
    garbled = coach_api.post(SESSIONS, {"course": str(group.pk), "start": "soon"}, format="json")

    # then
    assert errors_of(missing) == [{"code": "required", "attr": "start"}]
    assert errors_of(garbled) == [{"code": "invalid", "attr": "start"}]
    assert not Booking.objects.exists()


def test_sessions_need_a_coach_profile_and_a_sign_in(group, api):
    # given
    member = client_for(UserFactory())
    session = a_session(group)

    # when
    as_member = [
        member.get(SESSIONS),
        schedule(member, group, MONDAY + 2 * HOUR),
        member.delete(f"{SESSIONS}/{session.pk}"),
    ]
    anonymous = [
        api.get(SESSIONS),
        schedule(api, group, MONDAY + 2 * HOUR),
        api.delete(f"{SESSIONS}/{session.pk}"),
    ]

    # then
    assert [r.status_code for r in as_member] == [404, 404, 404]
    assert [r.status_code for r in anonymous] == [401, 401, 401]
    assert Booking.objects.get().status == "confirmed"


# --- the coach's list -----------------------------------------------------------------------


def test_the_list_shows_upcoming_sessions_with_their_seats(coach_api, group):
    # given: one seat taken, one given back; a past and a cancelled session
    session = a_session(group)
    later = a_session(group, MONDAY + 7 * 24 * HOUR)
    ada, bob = named("Ada"), named("Bob")
    enrolment_create(user=ada, session=session)
    Enrolment.objects.create(booking=session, client=bob, cancelled_at=NOW)
    BookingFactory(course=group, kind="group", client=None, capacity=3, start=NOW - 72 * HOUR)
    BookingFactory(
        course=group, kind="group", client=None, capacity=3, status="cancelled",
        start=MONDAY + 2 * HOUR,
    )  # fmt: skip

    # when
    response = coach_api.get(SESSIONS)

    # then
    assert response.status_code == 200
    body = response.json()
    assert [s["id"] for s in body] == [str(session.pk), str(later.pk)]
    seat = Enrolment.objects.get(client=ada)
    assert body[0]["enrolments"] == [{"first_name": "Ada", "enrolled_at": z(seat.created_at)}]
    assert [s["seats_left"] for s in body] == [2, 3]


def test_the_list_query_count_does_not_grow(coach_api, group, django_assert_num_queries):
    # given
    session = a_session(group)
    enrolment_create(user=named("Ada"), session=session)
    with django_assert_num_queries(4):
        coach_api.get(SESSIONS)
    for week in range(1, 6):
        more = a_session(group, MONDAY + week * 7 * 24 * HOUR)
        for _ in range(3):
            enrolment_create(user=named("Bob"), session=more)

    # when / then
    with django_assert_num_queries(4):
        response = coach_api.get(SESSIONS)
    assert len(response.json()) == 6


def test_the_list_shows_only_the_callers_sessions(coach_api, group):
    # given
    other = CoachFactory()
    WeeklyRuleFactory(coach=other, weekday=0)
    theirs = CourseFactory(coach=other, kind="group", capacity=3)
    session_create(coach=other, course=theirs, start=MONDAY)

    # when
    response = coach_api.get(SESSIONS)

    # then
    assert response.json() == []


# --- cancelling a session -------------------------------------------------------------------


def test_cancelling_a_session_cancels_every_seat(coach_api, group):
    # given
    session = a_session(group)
    enrolment_create(user=named("Ada"), session=session)
    enrolment_create(user=named("Bob"), session=session)

    # when
    response = coach_api.delete(f"{SESSIONS}/{session.pk}")
    again = coach_api.delete(f"{SESSIONS}/{session.pk}")

    # then
    assert (response.status_code, again.status_code) == (204, 204)
    session.refresh_from_db()
    assert (session.status, session.cancelled_by, session.cancelled_at) == (
        "cancelled",
        "coach",
        NOW,
    )
    assert list(session.enrolments.values_list("cancelled_at", flat=True)) == [NOW, NOW]
    # (one frozen instant: the two rows tie on created_at)
    assert sorted(session.events.values_list("action", flat=True)) == ["cancelled", "created"]
    assert coach_api.get(SESSIONS).json() == []


def test_another_coachs_session_is_not_found(coach_api):
    # given
    other = CoachFactory()
    WeeklyRuleFactory(coach=other, weekday=0)
    theirs = session_create(
        coach=other, course=CourseFactory(coach=other, kind="group", capacity=3), start=MONDAY
    )

    # when
    response = coach_api.delete(f"{SESSIONS}/{theirs.pk}")

    # then
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_a_session_that_ended_cannot_be_cancelled(group):
    # given
    session = a_session(group)

    # when: a fresh sign-in after the session
    with time_machine.travel(MONDAY + 2 * HOUR, tick=False):
        response = client_for(group.coach.user).delete(f"{SESSIONS}/{session.pk}")

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "not_cancellable", "attr": None}]
    session.refresh_from_db()
    assert session.status == "confirmed"


# --- seats ----------------------------------------------------------------------------------


def test_a_member_takes_a_seat_and_sees_the_session(group):
    # given
    session = a_session(group)
    ada = named("Ada")
    api = client_for(ada)

    # when
    response = enrol(api, session)
    again = enrol(api, session)

    # then
    assert (response.status_code, again.status_code) == (201, 200)
    body = response.json()
    assert again.json() == body
    assert (body["id"], body["kind"], body["status"]) == (str(session.pk), "group", "confirmed")
    assert (body["start"], body["end"]) == (z(MONDAY), z(MONDAY + HOUR))
    assert body["coach"] == {"id": str(group.coach.pk), "first_name": "Grace"}
    assert body["client"] is None
    assert body["payment"] is None
    assert list(Enrolment.objects.values_list("booking", "client", "cancelled_at")) == [
        (session.pk, ada.pk, None)
    ]
    listed = api.get(BOOKINGS).json()["results"]
    assert [b["id"] for b in listed] == [str(session.pk)]
    assert [b["id"] for b in api.get(BOOKINGS, {"role": "client"}).json()["results"]] == [
        str(session.pk)
    ]
    assert api.get(f"{BOOKINGS}/{session.pk}").json()["id"] == str(session.pk)


def test_the_coach_sees_a_session_once_whatever_its_seats(group, coach_api):
    # given
    session = a_session(group)
    for first in ("Ada", "Bob", "Cy"):
        enrolment_create(user=named(first), session=session)

    # when
    response = coach_api.get(BOOKINGS)

    # then
    assert [b["id"] for b in response.json()["results"]] == [str(session.pk)]


def test_a_full_session_refuses_another_seat(group):
    # given
    session = a_session(group)
    for first in ("Ada", "Bob", "Cy"):
        enrolment_create(user=named(first), session=session)

    # when
    response = enrol(client_for(named("Dee")), session)

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "session_full", "attr": None}]
    assert Enrolment.objects.count() == 3


def test_a_cancelled_or_started_session_takes_no_seat(group, coach_api):
    # given
    cancelled = a_session(group)
    coach_api.delete(f"{SESSIONS}/{cancelled.pk}")
    started = a_session(group, MONDAY + 2 * HOUR)
    ada = named("Ada")

    # when
    refused = enrol(client_for(ada), cancelled)
    with time_machine.travel(MONDAY + 2 * HOUR + dt.timedelta(minutes=5), tick=False):
        late = enrol(client_for(ada), started)

    # then
    assert [refused.status_code, late.status_code] == [409, 409]
    assert errors_of(refused) == [{"code": "slot_unavailable", "attr": None}]
    assert errors_of(late) == [{"code": "slot_unavailable", "attr": None}]
    assert not Enrolment.objects.exists()


def test_a_coach_cannot_take_a_seat_in_their_own_session(group, coach_api):
    # given
    session = a_session(group)

    # when
    response = enrol(coach_api, session)

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "own_course", "attr": "session"}]
    assert not Enrolment.objects.exists()


def test_a_seat_is_asked_for_a_session_or_a_course_and_start(group):
    # given
    session = a_session(group)
    api = client_for(named("Ada"))
    one_to_one = CourseFactory(coach=group.coach)

    # when
    both = api.post(
        BOOKINGS,
        {"session": str(session.pk), "course": str(one_to_one.pk), "start": z(MONDAY)},
        format="json",
    )
    neither = api.post(BOOKINGS, {"note": "hello"}, format="json")
    no_start = api.post(BOOKINGS, {"course": str(one_to_one.pk)}, format="json")
    unknown = api.post(BOOKINGS, {"session": str(one_to_one.pk)}, format="json")
    one_to_one_booking = BookingFactory(course=one_to_one, start=MONDAY + 3 * HOUR)
    not_a_session = enrol(api, one_to_one_booking)

    # then
    assert errors_of(both) == [{"code": "invalid", "attr": "course"}]
    assert errors_of(neither) == [{"code": "required", "attr": "course"}]
    assert errors_of(no_start) == [{"code": "required", "attr": "start"}]
    assert errors_of(unknown) == [{"code": "does_not_exist", "attr": "session"}]
    assert errors_of(not_a_session) == [{"code": "does_not_exist", "attr": "session"}]
    assert not Enrolment.objects.exists()


def test_a_seat_needs_a_sign_in(group, api):
    # given
    session = a_session(group)

    # when
    response = enrol(api, session)

    # then
    assert response.status_code == 401
    assert not Enrolment.objects.exists()


def test_a_seat_holder_gives_back_their_seat_only(group):
    # given
    session = a_session(group)
    ada, bob = named("Ada"), named("Bob")
    enrolment_create(user=ada, session=session)
    enrolment_create(user=bob, session=session)
    api = client_for(ada)

    # when
    response = api.post(f"{BOOKINGS}/{session.pk}/cancel", {}, format="json")
    again = api.post(f"{BOOKINGS}/{session.pk}/cancel", {}, format="json")

    # then
    assert (response.status_code, again.status_code) == (200, 200)
    assert (response.json()["id"], response.json()["status"]) == (str(session.pk), "confirmed")
    assert again.json() == response.json()
    assert dict(Enrolment.objects.values_list("client", "cancelled_at")) == {
        ada.pk: NOW,
        bob.pk: None,
    }
    session.refresh_from_db()
    assert session.status == "confirmed"
    assert api.get(BOOKINGS).json()["results"] == []
    assert api.get(f"{BOOKINGS}/{session.pk}").status_code == 404
    # and the seat may be taken again: the same row
    assert enrol(api, session).status_code == 201
    assert Enrolment.objects.get(client=ada).cancelled_at is None


def test_someone_elses_session_is_not_theirs_to_cancel(group):
    # given
    session = a_session(group)
    enrolment_create(user=named("Ada"), session=session)
    stranger = client_for(named("Eve"))

    # when
    response = stranger.post(f"{BOOKINGS}/{session.pk}/cancel", {}, format="json")

    # then
    assert response.status_code == 404
    assert Enrolment.objects.get().cancelled_at is None
    session.refresh_from_db()
    assert session.status == "confirmed"


def test_a_seat_holder_cancel_is_validated(group):
    # given
    session = a_session(group)
    ada = named("Ada")
    enrolment_create(user=ada, session=session)

    # when
    response = client_for(ada).post(
        f"{BOOKINGS}/{session.pk}/cancel", {"reason": "x" * 501}, format="json"
    )

    # then
    assert errors_of(response) == [{"code": "max_length", "attr": "reason"}]
    assert Enrolment.objects.get().cancelled_at is None


# --- the course's page ----------------------------------------------------------------------


def test_the_course_page_lists_sessions_in_constant_queries(api, group, django_assert_num_queries):
    # given
    session = a_session(group)
    enrolment_create(user=named("Ada"), session=session)
    with django_assert_num_queries(2):
        api.get(f"{API}/courses/{group.pk}")
    for week in range(1, 6):
        more = a_session(group, MONDAY + week * 7 * 24 * HOUR)
        enrolment_create(user=named("Bob"), session=more)

    # when / then
    with django_assert_num_queries(2):
        response = api.get(f"{API}/courses/{group.pk}")
    sessions = response.json()["sessions"]
    assert [s["seats_left"] for s in sessions] == [2] * 6
    assert sessions[0] == {
        "id": str(session.pk),
        "start": z(MONDAY),
        "end": z(MONDAY + HOUR),
        "seats_left": 2,
    }


# --- the seats race (PostgreSQL) ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_n_plus_one_concurrent_seats_in_n_give_exactly_n():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "needs a database several connections share: PostgreSQL (DATABASE_URL) or a "
            "SQLite file database; the SQLite test database is in memory"
        )
    # given: a session of 4 seats, 5 members
    coach = CoachFactory()
    WeeklyRuleFactory(coach=coach, weekday=0)
    session = session_create(
        coach=coach, course=CourseFactory(coach=coach, kind="group", capacity=4), start=MONDAY
    )
    members = [UserFactory() for _ in range(5)]

    # when
    results = at_once(
        [lambda user=user: enrolment_create(user=user, session=session) for user in members]
    )

    # then
    outcomes = sorted(
        "seated" if isinstance(r, tuple) else r.code if isinstance(r, Conflict) else repr(r)
        for r in results
    )
    assert outcomes == ["seated"] * 4 + ["session_full"]
    assert Enrolment.objects.filter(booking=session, cancelled_at__isnull=True).count() == 4
    assert BookingEvent.objects.filter(booking=session).count() == 1
