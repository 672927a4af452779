"""The database refuses two blocking bookings of one coach whose padded ranges overlap,
whoever writes them (migration 0002): PostgreSQL's exclusion constraint, SQLite's
triggers."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from .factories import BookingFactory, CourseFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)


def test_an_overlapping_blocking_booking_is_refused():
    # given
    first = BookingFactory(start=START)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(course=first.course, start=START + dt.timedelta(minutes=30))


def test_back_to_back_bookings_are_allowed():
    # given
    first = BookingFactory(start=START)

    # when
    second = BookingFactory(course=first.course, start=first.end)

    # then
    assert second.pk


def test_buffers_are_part_of_the_range():
    # given: 15 minutes after each session
    course = CourseFactory(buffer_after_minutes=15)
    first = BookingFactory(course=course, start=START)

    # when / then: a session right at the end falls in the buffer
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(course=course, start=first.end)


def test_cancelled_and_expired_bookings_block_nothing():
    # given
    first = BookingFactory(start=START, status="cancelled")
    BookingFactory(course=first.course, start=START, status="expired")

    # when
    taken = BookingFactory(course=first.course, start=START)

    # then
    assert taken.status == "confirmed"


def test_another_coach_is_not_blocked():
    # given
    BookingFactory(start=START)

    # when
    other = BookingFactory(start=START)

    # then
    assert other.pk


def test_moving_a_booking_onto_another_is_refused_and_over_its_own_time_allowed():
    # given
    first = BookingFactory(start=START)
    second = BookingFactory(course=first.course, start=START + dt.timedelta(hours=2))

    # when: the second moves by 30 minutes, over its own old time
    second.start += dt.timedelta(minutes=30)
    second.end += dt.timedelta(minutes=30)
    second.blocked_start, second.blocked_end = second.start, second.end
    second.save()

    # then: onto the first is refused
    second.start, second.end = START, START + dt.timedelta(hours=1)
    second.blocked_start, second.blocked_end = second.start, second.end
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
