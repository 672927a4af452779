"""Calendars (docs/API.md, marketplace): a booking's ``.ics`` file and the member's private
feed, read back with ``icalendar``. The coach works Mondays 09:00-17:00 New York time
(14:00-22:00Z in January)."""

import datetime as dt

import icalendar
import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from core.encryption import blind_index
from marketplace.models import Booking, CalendarFeed
from marketplace.services.bookings import booking_cancel, booking_reschedule

from .factories import BookingFactory, CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def course(db):
    coach = CoachFactory(
        user=UserFactory(email="grace@example.com", profile__display_name="Grace Hopper"),
        reschedule_limit=2,
    )
    WeeklyRuleFactory(coach=coach, weekday=0)
    return CourseFactory(coach=coach, title="Leading a first team")


@pytest.fixture
def client_user(db):
    return UserFactory(email="ada@example.com", profile__display_name="Ada Lovelace")


@pytest.fixture
def booking(course, client_user):
    return BookingFactory(course=course, client=client_user, start=MONDAY)


def events_of(response) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def ics(api, booking):
    return api.get(f"{API}/bookings/{booking.pk}/ics", HTTP_ACCEPT="text/calendar")


def feed_token(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


# --- one booking ----------------------------------------------------------------------------


def test_a_booking_reads_as_one_confirmed_event_in_utc(booking, client_user, course):
    # when
    response = ics(client_for(client_user), booking)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["method"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"{booking.pk}@marketplace.invalid"
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == MONDAY
    assert event.decoded("dtend") == MONDAY + HOUR
    assert event.decoded("dtstart").tzinfo.utcoffset(MONDAY) == dt.timedelta(0)
    assert str(event["summary"]) == "Leading a first team with Grace"
    assert str(event["status"]) == "CONFIRMED"


def test_the_coach_sees_the_clients_first_name_and_the_uid_takes_the_public_host(
    booking, course, settings
):
    # given
    settings.PUBLIC_URL = "https://coach.example.org"

    # when
    response = ics(client_for(course.coach.user), booking)

    # then
    [event] = events_of(response)
    assert str(event["uid"]) == f"{booking.pk}@coach.example.org"
    assert str(event["summary"]) == "Leading a first team with Ada"


def test_a_held_booking_is_tentative(course, client_user):
    # given
    held = BookingFactory(
        course=course,
        client=client_user,
        start=MONDAY,
        status=Booking.Status.HELD,
        hold_expires_at=NOW + 15 * dt.timedelta(minutes=1),
    )

    # when
    [event] = events_of(ics(client_for(client_user), held))

    # then
    assert str(event["status"]) == "TENTATIVE"


def test_the_sequence_grows_with_a_reschedule_and_the_uid_stays(booking, client_user):
    # given
    api = client_for(client_user)
    [before] = events_of(ics(api, booking))

    # when
    booking_reschedule(user=client_user, booking=booking, start=MONDAY + 2 * HOUR, version=1)

    # then
    [after] = events_of(ics(api, booking))
    assert str(after["uid"]) == str(before["uid"])
    assert (before["sequence"], after["sequence"]) == (0, 1)
    assert after.decoded("dtstart") == MONDAY + 2 * HOUR


def test_a_cancelled_booking_is_a_cancel_with_a_higher_sequence(booking, client_user):
    # given
    booking_cancel(user=client_user, booking=booking, reason="Something came up.")

    # when
    response = ics(client_for(client_user), booking)

    # then
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["method"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert (str(event["status"]), event["sequence"]) == ("CANCELLED", 1)


def test_another_members_booking_is_a_404(booking):
    # when
    response = ics(client_for(UserFactory()), booking)

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]


def test_a_booking_file_needs_a_signed_in_member(booking):
    # when
    response = ics(APIClient(), booking)

    # then
    assert response.status_code == 401
    assert errors_of(response) == [{"code": "not_authenticated", "attr": None}]


# --- the private feed -----------------------------------------------------------------------


def test_the_feed_address_is_made_on_first_use_and_shown_again(client_user):
    # given
    api = client_for(client_user)

    # when
    first = api.get(f"{API}/me/calendar-feed")
    again = api.get(f"{API}/me/calendar-feed")

    # then: one feed, the token only in the address, stored as its blind index
    assert first.status_code == 200
    url = first.json()["url"]
    assert first.json() == {"url": url}
    assert url.startswith("http://testserver/api/v1/marketplace/calendar/")
    assert url.endswith(".ics")
    assert again.json() == {"url": url}
    feed = CalendarFeed.objects.get()
    assert (feed.user, feed.token_index) == (client_user, blind_index(feed_token(url)))


def test_a_new_feed_address_replaces_the_old_one(client_user):
    # given
    api = client_for(client_user)
    old = api.get(f"{API}/me/calendar-feed").json()["url"]

    # when
    response = api.post(f"{API}/me/calendar-feed")

    # then: the old address is a 404 in the error envelope, the new one works
    assert response.status_code == 200
    new = response.json()["url"]
    assert new != old
    assert api.get(f"{API}/me/calendar-feed").json() == {"url": new}
    assert CalendarFeed.objects.count() == 1
    anonymous = APIClient()
    gone = anonymous.get(old)
    assert gone.status_code == 404
    assert errors_of(gone) == [{"code": "not_found", "attr": None}]
    assert anonymous.get(new).status_code == 200


def test_the_feed_address_needs_a_signed_in_member():
    # when
    responses = [
        APIClient().get(f"{API}/me/calendar-feed"),
        APIClient().post(f"{API}/me/calendar-feed"),
    ]

    # then
    assert [r.status_code for r in responses] == [401, 401]
    assert not CalendarFeed.objects.exists()


def test_an_unknown_token_is_a_404_even_for_a_calendar_app():
    # when
    response = APIClient().get(f"{API}/calendar/{'0' * 64}.ics", HTTP_ACCEPT="text/calendar")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert errors_of(response) == [{"code": "not_found", "attr": None}]


def test_the_feed_lists_the_owners_bookings_as_client_and_as_coach_by_first_name(
    booking, client_user, course
):
    # given: Ada is also a coach, booked by Linus; an old session and a stranger's booking
    ada_course = CourseFactory(coach=CoachFactory(user=client_user), title="Analytical engines")
    linus = UserFactory(email="linus@example.com", profile__display_name="Linus Torvalds")
    as_coach = BookingFactory(course=ada_course, client=linus, start=MONDAY + 3 * HOUR)
    old = BookingFactory(course=course, client=client_user, start=NOW - dt.timedelta(days=31))
    BookingFactory(course=course, start=MONDAY + 5 * HOUR)
    url = client_for(client_user).get(f"{API}/me/calendar-feed").json()["url"]

    # when: a calendar app, no sign-in
    response = APIClient().get(url, HTTP_ACCEPT="text/calendar")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = events_of(response)
    assert [(str(e["uid"]).split("@")[0], str(e["summary"])) for e in events] == [
        (str(booking.pk), "Leading a first team with Grace"),
        (str(as_coach.pk), "Analytical engines with Linus"),
    ]
    assert str(old.pk) not in response.content.decode()
    text = response.content.decode()
    for private in ("Hopper", "Lovelace", "Torvalds", "@example.com"):
        assert private not in text


def test_the_feed_costs_the_same_queries_for_one_booking_or_many(
    course, client_user, django_assert_num_queries
):
    # given
    BookingFactory(course=course, client=client_user, start=MONDAY)
    url = client_for(client_user).get(f"{API}/me/calendar-feed").json()["url"]
    anonymous = APIClient()
    with django_assert_num_queries(2):
        assert len(events_of(anonymous.get(url))) == 1
    for day in range(1, 11):
        other = CourseFactory(coach=CoachFactory())
        BookingFactory(course=other, client=client_user, start=MONDAY + dt.timedelta(days=day))

    # when / then
    with django_assert_num_queries(2):
        response = anonymous.get(url)
    assert len(events_of(response)) == 11
