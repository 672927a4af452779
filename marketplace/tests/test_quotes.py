"""Price quotes (docs/API.md, marketplace): ``POST /marketplace/quotes`` prices one start of
one course, and a booking that names the quote keeps its price. The coach works Mondays
09:00-17:00 New York time (14:00-22:00Z in January)."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from marketplace.models import Booking, Quote

from .factories import BookingFactory, CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
QUOTES = f"{API}/quotes"
BOOKINGS = f"{API}/bookings"
NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def course(db):
    coach = CoachFactory()
    WeeklyRuleFactory(coach=coach, weekday=0)
    return CourseFactory(coach=coach, price_amount=4500, currency="eur")


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def member_api(member):
    return client_for(member)


def z(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def ask(api, course, start, **headers):
    return api.post(QUOTES, {"course": str(course.pk), "start": z(start)}, format="json", **headers)


# --- asking ---------------------------------------------------------------------------------


def test_a_quote_prices_a_listed_start(member_api, member, course):
    # when
    response = ask(member_api, course, MONDAY)

    # then
    assert response.status_code == 201
    quote = Quote.objects.get()
    assert response.json() == {
        "id": str(quote.pk),
        "amount": 4500,
        "currency": "eur",
        "expires_at": z(NOW + dt.timedelta(minutes=30)),
    }
    assert (quote.user, quote.course, quote.start, quote.rule_version, quote.variant) == (
        member,
        course,
        MONDAY,
        "static",
        "",
    )


def test_a_quote_lives_as_long_as_the_setting_says(member_api, course, settings):
    # given
    settings.MARKETPLACE_QUOTE_MINUTES = 5

    # when
    response = ask(member_api, course, MONDAY)

    # then
    assert response.json()["expires_at"] == z(NOW + dt.timedelta(minutes=5))


def test_a_start_not_offered_gets_no_quote(member_api, course):
    # given: 09:00 taken; 08:00 New York is before the hours
    BookingFactory(course=course, start=MONDAY)

    # when
    taken = ask(member_api, course, MONDAY)
    outside = ask(member_api, course, MONDAY - HOUR)

    # then
    assert [taken.status_code, outside.status_code] == [409, 409]
    assert errors_of(taken) == [{"code": "slot_unavailable", "attr": None}]
    assert errors_of(outside) == [{"code": "slot_unavailable", "attr": None}]
    assert not Quote.objects.exists()


def test_a_quote_needs_a_listed_course_and_a_start(member_api, course):
    # given
    group = CourseFactory(coach=course.coach, kind="group", capacity=3)
    unpublished = CourseFactory(coach=CoachFactory(published=False))

    # when
    no_course = member_api.post(QUOTES, {"start": z(MONDAY)}, format="json")
    no_start = member_api.post(QUOTES, {"course": str(course.pk)}, format="json")
    bad_start = member_api.post(QUOTES, {"course": str(course.pk), "start": "x"}, format="json")
    of_group = ask(member_api, group, MONDAY)
    of_unpublished = ask(member_api, unpublished, MONDAY)

    # then
    assert errors_of(no_course) == [{"code": "required", "attr": "course"}]
    assert errors_of(no_start) == [{"code": "required", "attr": "start"}]
    assert errors_of(bad_start) == [{"code": "invalid", "attr": "start"}]
    assert errors_of(of_group) == [{"code": "does_not_exist", "attr": "course"}]
    assert errors_of(of_unpublished) == [{"code": "does_not_exist", "attr": "course"}]
    assert not Quote.objects.exists()


def test_a_quote_needs_a_sign_in(api, course):
    # when
    response = ask(api, course, MONDAY)

    # then
    assert response.status_code == 401
    assert not Quote.objects.exists()


def test_a_retried_quote_is_the_same_quote(member_api, course):
    # when
    first = ask(member_api, course, MONDAY, HTTP_IDEMPOTENCY_KEY="quote-1")
    retry = ask(member_api, course, MONDAY, HTTP_IDEMPOTENCY_KEY="quote-1")

    # then
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Quote.objects.count() == 1


# --- booking with a quote -------------------------------------------------------------------


@pytest.fixture
def free_course(course):
    course.price_amount = 0
    course.save()
    return course


def book(api, course, start, quote):
    return api.post(
        BOOKINGS,
        {"course": str(course.pk), "start": z(start), "quote": str(quote)},
        format="json",
    )


def test_a_booking_naming_a_quote_keeps_its_price(member_api, free_course):
    # given
    quote = ask(member_api, free_course, MONDAY).json()

    # when
    response = book(member_api, free_course, MONDAY, quote["id"])

    # then
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert str(booking.quote_id) == quote["id"]
    assert (booking.price_amount, booking.currency) == (0, "eur")
    assert response.json()["price"] == {"amount": 0, "currency": "eur"}


def test_a_quote_not_for_this_booking_is_refused(member_api, member, free_course):
    # given
    own = ask(member_api, free_course, MONDAY).json()["id"]
    theirs = ask(client_for(UserFactory()), free_course, MONDAY).json()["id"]

    # when
    other_start = book(member_api, free_course, MONDAY + HOUR, own)
    of_someone_else = book(member_api, free_course, MONDAY, theirs)
    unknown = book(member_api, free_course, MONDAY, free_course.pk)
    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        expired = book(client_for(member), free_course, MONDAY, own)

    # then
    assert errors_of(other_start) == [{"code": "quote_mismatch", "attr": "quote"}]
    assert errors_of(of_someone_else) == [{"code": "does_not_exist", "attr": "quote"}]
    assert errors_of(unknown) == [{"code": "does_not_exist", "attr": "quote"}]
    assert errors_of(expired) == [{"code": "quote_expired", "attr": "quote"}]
    assert not Booking.objects.exists()
