"""Reminders of a booking (marketplace/services/reminders.py): scheduled 24 h and 1 h before
a confirmed session to both sides, moved with the booking, never sent for one that was
cancelled or moved since. The coach works Mondays 09:00-17:00 New York time (14:00-22:00Z
in January)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from accounts.tests.factories import UserFactory
from marketplace.models import Booking, Enrolment
from marketplace.services.bookings import booking_cancel, booking_create, booking_reschedule
from marketplace.services.reminders import KIND, reminders_sync
from notifications.models import Notification, ScheduledNotification
from notifications.services import dispatch_due

from .factories import BookingFactory, CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York, 15:00 in Paris
DAY = dt.timedelta(hours=24)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def course(db):
    coach = CoachFactory(
        user=UserFactory(
            profile__display_name="Grace Hopper", profile__timezone="America/New_York"
        ),
        reschedule_limit=2,
    )
    WeeklyRuleFactory(coach=coach, weekday=0)
    return CourseFactory(coach=coach, title="Leading a first team")


@pytest.fixture
def client_user(db):
    return UserFactory(profile__display_name="Ada Lovelace", profile__timezone="Europe/Paris")


def reminders() -> list[tuple]:
    rows = ScheduledNotification.objects.filter(kind=KIND).order_by("send_at", "user__email")
    return [(row.user_id, row.send_at, row.status) for row in rows]


def pending(booking: Booking) -> list[tuple]:
    rows = ScheduledNotification.objects.filter(kind=KIND, status="pending").order_by("send_at")
    return sorted((row.user_id, row.send_at, row.payload["data"]["version"]) for row in rows)


def test_a_confirmed_booking_gets_reminders_24h_and_1h_before_for_both_sides(course, client_user):
    # given
    coach_user = course.coach.user

    # when
    booking = booking_create(user=client_user, course=course, start=MONDAY).booking

    # then: four rows, each side's text in their own zone, first names only
    booking.refresh_from_db()
    rows = ScheduledNotification.objects.filter(kind=KIND)
    assert sorted(str(row.pk) for row in rows) == sorted(booking.reminder_ids)
    assert pending(booking) == sorted(
        [
            (client_user.pk, MONDAY - DAY, 1),
            (client_user.pk, MONDAY - HOUR, 1),
            (coach_user.pk, MONDAY - DAY, 1),
            (coach_user.pk, MONDAY - HOUR, 1),
        ]
    )
    payloads = {row.user_id: row.payload for row in rows}
    data = {"booking_id": str(booking.pk), "version": 1}
    assert payloads[client_user.pk] == {
        "title": "Reminder: Leading a first team",
        "body": "Leading a first team with Grace, Mon 04 Jan 2027, 15:00 (Europe/Paris).",
        "data": data,
    }
    assert payloads[coach_user.pk] == {
        "title": "Reminder: Leading a first team",
        "body": "Leading a first team with Ada, Mon 04 Jan 2027, 09:00 (America/New_York).",
        "data": data,
    }


def test_a_reschedule_cancels_the_old_reminders_and_schedules_new_ones(course, client_user):
    # given
    booking = booking_create(user=client_user, course=course, start=MONDAY).booking
    old_ids = set(Booking.objects.get(pk=booking.pk).reminder_ids)
    later = MONDAY + 2 * HOUR

    # when
    booking_reschedule(user=client_user, booking=booking, start=later, version=1)

    # then: the old rows are cancelled with a reason, new ones wait at the new times
    booking.refresh_from_db()
    old = ScheduledNotification.objects.filter(pk__in=old_ids)
    assert {(row.status, row.cancel_reason) for row in old} == {
        ("cancelled", "The booking was moved.")
    }
    assert not old_ids & set(booking.reminder_ids)
    assert len(booking.reminder_ids) == 4
    assert pending(booking) == sorted(
        [
            (user.pk, when, 2)
            for user in (client_user, course.coach.user)
            for when in (later - DAY, later - HOUR)
        ]
    )


def test_a_cancelled_booking_is_not_reminded(course, client_user):
    # given
    booking = booking_create(user=client_user, course=course, start=MONDAY).booking

    # when
    booking_cancel(user=client_user, booking=booking, reason="Something came up.")

    # then: its rows are cancelled and the dispatcher, at the due time, delivers nothing
    booking.refresh_from_db()
    assert booking.reminder_ids == []
    assert {row[2] for row in reminders()} == {"cancelled"}
    with time_machine.travel(MONDAY - HOUR, tick=False):
        report = dispatch_due()
    assert report.sent == 0
    assert not Notification.objects.filter(kind=KIND).exists()
    assert mail.outbox == []


def test_a_booking_cancelled_behind_the_services_back_is_skipped_at_send_time(course, client_user):
    # given: a confirmed booking, then cancelled by a bulk update (as an erasure does)
    booking = booking_create(user=client_user, course=course, start=MONDAY).booking
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    # when
    with time_machine.travel(MONDAY - HOUR, tick=False):
        report = dispatch_due()

    # then: every due row is skipped with the reason, nothing is delivered
    assert (report.sent, report.cancelled) == (0, 4)
    assert set(
        ScheduledNotification.objects.filter(kind=KIND).values_list("status", "cancel_reason")
    ) == {("cancelled", "The booking is cancelled.")}
    assert not Notification.objects.filter(kind=KIND).exists()
    assert mail.outbox == []


def test_a_reminder_of_a_booking_moved_since_it_was_made_is_skipped(course, client_user):
    # given: the booking's version moves on without its reminders being made again
    booking = booking_create(user=client_user, course=course, start=MONDAY).booking
    Booking.objects.filter(pk=booking.pk).update(version=2)

    # when
    with time_machine.travel(MONDAY - DAY, tick=False):
        report = dispatch_due()

    # then: the two 24 h rows were due and both skipped; the 1 h rows still wait
    assert (report.sent, report.cancelled) == (0, 2)
    assert sorted(
        ScheduledNotification.objects.filter(kind=KIND).values_list("status", "cancel_reason")
    ) == [
        ("cancelled", "The booking was moved."),
        ("cancelled", "The booking was moved."),
        ("pending", ""),
        ("pending", ""),
    ]
    assert not Notification.objects.filter(kind=KIND).exists()


def test_a_due_reminder_of_an_unchanged_booking_is_delivered_to_both_sides(course, client_user):
    # given
    booking = booking_create(user=client_user, course=course, start=MONDAY).booking

    # when
    with time_machine.travel(MONDAY - HOUR, tick=False):
        report = dispatch_due()

    # then: the 24 h and 1 h rows of both sides (the 24 h ones late, but still before it)
    assert (report.sent, report.cancelled) == (4, 0)
    delivered = Notification.objects.filter(kind=KIND)
    assert sorted(n.user_id for n in delivered) == sorted(
        [client_user.pk, client_user.pk, course.coach.user.pk, course.coach.user.pk]
    )
    assert {n.data["booking_id"] for n in delivered} == {str(booking.pk)}


def test_offsets_already_past_are_not_scheduled(course, client_user):
    # given: a confirmed session three hours from now
    booking = BookingFactory(course=course, client=client_user, start=NOW + 3 * HOUR)

    # when
    reminders_sync(booking)

    # then: only the 1 h reminders
    assert pending(booking) == sorted(
        [(client_user.pk, NOW + 2 * HOUR, 1), (course.coach.user.pk, NOW + 2 * HOUR, 1)]
    )


def test_a_hold_without_reminders_costs_no_query(course, client_user, django_assert_num_queries):
    # given
    booking = BookingFactory(
        course=course,
        client=client_user,
        start=MONDAY,
        status=Booking.Status.HELD,
        hold_expires_at=NOW + 15 * dt.timedelta(minutes=1),
    )

    # when / then
    with django_assert_num_queries(0):
        reminders_sync(booking)
    assert reminders() == []


def test_a_group_session_reminds_the_coach_and_every_seat_still_taken(course):
    # given: two seats, one given up

    session = BookingFactory(course=course, client=None, kind=Booking.Kind.GROUP, start=MONDAY)
    kept, left = UserFactory(), UserFactory()
    Enrolment.objects.create(booking=session, client=kept)
    Enrolment.objects.create(booking=session, client=left, cancelled_at=NOW)

    # when
    reminders_sync(session)

    # then
    assert pending(session) == sorted(
        [
            (user.pk, when, 1)
            for user in (kept, course.coach.user)
            for when in (MONDAY - DAY, MONDAY - HOUR)
        ]
    )
