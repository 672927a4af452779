"""A coach's free sessions: ``selectors.availability.free_slots`` (hours in the coach's
zone across DST changes, overrides, buffers, bookings, holds, notice, window and caps),
``is_free`` and ``next_available``, and ``GET /marketplace/coaches/{id}/availability``.

Dates: the United States move to summer time on Sunday 14 March 2027 (02:00 -> 03:00) and
back on Sunday 7 November 2027 (02:00 -> 01:00); 5 April 2027 is a Monday.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from accounts.tests.helpers import client_for
from marketplace.selectors.availability import (
    free_slots,
    is_free,
    next_available,
)
from marketplace.services.coaches import next_available_refresh

from .factories import (
    BookingFactory,
    CoachFactory,
    CourseFactory,
    DateOverrideFactory,
    WeeklyRuleFactory,
)

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")
MONDAY, FRIDAY, SUNDAY = 0, 4, 6
# Monday 1 March 2027, 00:00 UTC: before every date below.
EARLY = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)


def utc(year, month, day, hour, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def local(year, month, day, hour, minute=0, zone=NY) -> dt.datetime:
    """A New York wall time as a UTC instant."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(dt.UTC)


def day_window(first: dt.date, last: dt.date, zone=NY) -> dict:
    """``start``/``end`` of the local dates ``first`` to ``last``."""
    return {
        "start": dt.datetime.combine(first, dt.time(0), tzinfo=zone),
        "end": dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone),
    }


def starts(slots) -> list[dt.datetime]:
    return [start for start, _ in slots]


@pytest.fixture
def coach():
    return CoachFactory(timezone="America/New_York", min_notice_minutes=0)


def hourly_course(coach, **kwargs):
    return CourseFactory(coach=coach, duration_minutes=60, slot_interval_minutes=60, **kwargs)


# --- hours in the coach's zone, across DST ------------------------------------------------


def test_nine_local_is_14z_before_the_spring_change_and_13z_after(coach):
    # given: 09:00-10:00 on Fridays and Mondays, around Sunday 14 March 2027
    course = hourly_course(coach)
    WeeklyRuleFactory(coach=coach, weekday=FRIDAY, start_time=dt.time(9), end_time=dt.time(10))
    WeeklyRuleFactory(coach=coach, weekday=MONDAY, start_time=dt.time(9), end_time=dt.time(10))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 3, 12), dt.date(2027, 3, 15)),
        now=EARLY,
    )

    # then
    assert slots == [
        (utc(2027, 3, 12, 14), utc(2027, 3, 12, 15)),
        (utc(2027, 3, 15, 13), utc(2027, 3, 15, 14)),
    ]


def test_a_rule_across_the_spring_gap_is_two_real_hours(coach):
    # given: Sunday 01:00-04:00 on the day 02:00-03:00 does not exist
    course = hourly_course(coach)
    WeeklyRuleFactory(coach=coach, weekday=SUNDAY, start_time=dt.time(1), end_time=dt.time(4))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 3, 14), dt.date(2027, 3, 14)),
        now=EARLY,
    )

    # then: 01:00 EST (06:00Z) and 03:00 EDT (07:00Z); 04:00 EDT is 08:00Z
    assert slots == [
        (utc(2027, 3, 14, 6), utc(2027, 3, 14, 7)),
        (utc(2027, 3, 14, 7), utc(2027, 3, 14, 8)),
    ]


def test_a_range_starting_in_the_spring_gap_is_read_with_the_offset_before_it(coach):
    # given: 02:30 does not exist on 14 March 2027; fold=0 reads it as EST, 07:30Z
    course = CourseFactory(coach=coach, duration_minutes=60, slot_interval_minutes=30)
    DateOverrideFactory(
        coach=coach, date=dt.date(2027, 3, 14), start_time=dt.time(2, 30), end_time=dt.time(5)
    )

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 3, 14), dt.date(2027, 3, 14)),
        now=EARLY,
    )

    # then: until 05:00 EDT, 09:00Z
    assert starts(slots) == [utc(2027, 3, 14, 7, 30), utc(2027, 3, 14, 8)]


def test_the_autumn_overlap_hour_gives_two_distinct_instants(coach):
    # given: Sunday 7 November 2027, 00:00-03:00, when 01:00-02:00 happens twice
    course = CourseFactory(coach=coach, duration_minutes=30, slot_interval_minutes=30)
    WeeklyRuleFactory(coach=coach, weekday=SUNDAY, start_time=dt.time(0), end_time=dt.time(3))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 11, 7), dt.date(2027, 11, 7)),
        now=EARLY,
    )

    # then: four hours of real time, every half hour once
    assert starts(slots) == [
        utc(2027, 11, 7, 4, 0) + dt.timedelta(minutes=30 * i) for i in range(8)
    ]
    wall = [start.astimezone(NY).strftime("%H:%M") for start in starts(slots)]
    assert wall == ["00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00", "02:30"]


def test_an_end_of_midnight_is_the_end_of_the_day(coach):
    # given
    course = hourly_course(coach)
    WeeklyRuleFactory(coach=coach, weekday=MONDAY, start_time=dt.time(22), end_time=dt.time(0))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 4, 5), dt.date(2027, 4, 5)),
        now=EARLY,
    )

    # then
    assert starts(slots) == [local(2027, 4, 5, 22), local(2027, 4, 5, 23)]


# --- overrides ----------------------------------------------------------------------------


def test_an_override_replaces_the_weekday_with_its_ranges(coach):
    # given: Mondays 09:00-17:00, but Monday 5 April only 10:00-11:00 and 14:00-15:00
    course = hourly_course(coach)
    WeeklyRuleFactory(coach=coach, weekday=MONDAY, start_time=dt.time(9), end_time=dt.time(17))
    for hour in (10, 14):
        DateOverrideFactory(
            coach=coach,
            date=dt.date(2027, 4, 5),
            start_time=dt.time(hour),
            end_time=dt.time(hour + 1),
        )

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 4, 5), dt.date(2027, 4, 12)),
        now=EARLY,
    )

    # then: the next Monday keeps its weekly hours
    assert starts(slots) == [
        local(2027, 4, 5, 10),
        local(2027, 4, 5, 14),
        *[local(2027, 4, 12, hour) for hour in range(9, 17)],
    ]


def test_a_day_off_override_empties_the_day(coach):
    # given
    course = hourly_course(coach)
    WeeklyRuleFactory(coach=coach, weekday=MONDAY, start_time=dt.time(9), end_time=dt.time(11))
    DateOverrideFactory(coach=coach, date=dt.date(2027, 4, 5), start_time=None, end_time=None)

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 4, 5), dt.date(2027, 4, 12)),
        now=EARLY,
    )

    # then
    assert starts(slots) == [local(2027, 4, 12, 9), local(2027, 4, 12, 10)]


# --- bookings -----------------------------------------------------------------------------


def monday_hours(coach, start=9, end=14):
    WeeklyRuleFactory(coach=coach, weekday=MONDAY, start_time=dt.time(start), end_time=dt.time(end))


MONDAY_5 = day_window(dt.date(2027, 4, 5), dt.date(2027, 4, 5))


def test_buffers_pad_both_the_booking_and_the_candidate(coach):
    # given: 15 minutes before and after; a booking 11:00-12:00 blocks 10:45-12:15
    course = CourseFactory(
        coach=coach,
        duration_minutes=60,
        slot_interval_minutes=30,
        buffer_before_minutes=15,
        buffer_after_minutes=15,
    )
    monday_hours(coach)
    BookingFactory(course=course, start=local(2027, 4, 5, 11))

    # when
    slots = free_slots(coach=coach, course=course, **MONDAY_5, now=EARLY)

    # then: 09:30 pads to 10:45 exactly; 12:30 pads from 12:15 exactly
    assert starts(slots) == [
        local(2027, 4, 5, 9),
        local(2027, 4, 5, 9, 30),
        local(2027, 4, 5, 12, 30),
        local(2027, 4, 5, 13),
    ]


def test_back_to_back_sessions_are_free(coach):
    # given
    course = hourly_course(coach)
    monday_hours(coach, 9, 12)
    BookingFactory(course=course, start=local(2027, 4, 5, 10))

    # when
    slots = free_slots(coach=coach, course=course, **MONDAY_5, now=EARLY)

    # then
    assert slots == [
        (local(2027, 4, 5, 9), local(2027, 4, 5, 10)),
        (local(2027, 4, 5, 11), local(2027, 4, 5, 12)),
    ]


def test_a_booking_of_another_course_of_the_coach_blocks(coach):
    # given
    course = hourly_course(coach)
    other = CourseFactory(coach=coach, duration_minutes=30)
    monday_hours(coach, 9, 12)
    BookingFactory(course=other, start=local(2027, 4, 5, 10, 30))

    # when
    slots = free_slots(coach=coach, course=course, **MONDAY_5, now=EARLY)

    # then: 10:30-11:00 takes the 10:00 session only
    assert starts(slots) == [local(2027, 4, 5, 9), local(2027, 4, 5, 11)]


def test_cancelled_and_expired_holds_do_not_block_but_a_live_hold_does(coach):
    # given: now is 08:00 on Monday
    now = local(2027, 4, 5, 8)
    course = hourly_course(coach)
    monday_hours(coach, 9, 12)
    BookingFactory(course=course, start=local(2027, 4, 5, 9), status="cancelled")
    BookingFactory(
        course=course,
        start=local(2027, 4, 5, 10),
        status="held",
        hold_expires_at=now - dt.timedelta(minutes=1),
    )
    BookingFactory(
        course=course,
        start=local(2027, 4, 5, 11),
        status="held",
        hold_expires_at=now + dt.timedelta(minutes=10),
    )

    # when
    slots = free_slots(coach=coach, course=course, **MONDAY_5, now=now)

    # then
    assert starts(slots) == [local(2027, 4, 5, 9), local(2027, 4, 5, 10)]


def test_an_excluded_booking_does_not_block_itself(coach):
    # given
    course = hourly_course(coach)
    monday_hours(coach, 9, 11)
    booking = BookingFactory(course=course, start=local(2027, 4, 5, 10))

    # when
    kept = free_slots(coach=coach, course=course, **MONDAY_5, now=EARLY)
    excluded = free_slots(coach=coach, course=course, **MONDAY_5, now=EARLY, exclude=booking)

    # then
    assert starts(kept) == [local(2027, 4, 5, 9)]
    assert starts(excluded) == [local(2027, 4, 5, 9), local(2027, 4, 5, 10)]
    assert not is_free(coach=coach, course=course, start=local(2027, 4, 5, 10), now=EARLY)
    assert is_free(
        coach=coach, course=course, start=local(2027, 4, 5, 10), now=EARLY, exclude=booking.pk
    )


# --- policy -------------------------------------------------------------------------------


def test_minimum_notice(coach):
    # given: four hours' notice; now is 08:00 local
    coach.min_notice_minutes = 240
    coach.save(update_fields=["min_notice_minutes"])
    course = hourly_course(coach)
    monday_hours(coach, 9, 17)

    # when
    slots = free_slots(coach=coach, course=course, **MONDAY_5, now=local(2027, 4, 5, 8))

    # then
    assert starts(slots) == [local(2027, 4, 5, hour) for hour in range(12, 17)]


def test_booking_window(coach):
    # given: two days ahead; now is Monday 00:00 local
    coach.booking_window_days = 2
    coach.save(update_fields=["booking_window_days"])
    course = hourly_course(coach)
    for weekday in range(3):
        WeeklyRuleFactory(coach=coach, weekday=weekday, start_time=dt.time(0), end_time=dt.time(1))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 4, 5), dt.date(2027, 4, 7)),
        now=local(2027, 4, 5, 0),
    )

    # then: Wednesday 00:00 is exactly two days on: out
    assert starts(slots) == [local(2027, 4, 5, 0), local(2027, 4, 6, 0)]


def test_daily_cap_counts_a_booking_overlapping_midnight_on_both_days(coach):
    # given: one a day; a session from Monday 23:30 to Tuesday 00:30
    coach.daily_cap = 1
    coach.save(update_fields=["daily_cap"])
    course = hourly_course(coach)
    for weekday in range(3):
        WeeklyRuleFactory(coach=coach, weekday=weekday, start_time=dt.time(9), end_time=dt.time(11))
    BookingFactory(course=course, start=local(2027, 4, 5, 23, 30))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 4, 5), dt.date(2027, 4, 7)),
        now=EARLY,
    )

    # then: Monday and Tuesday are full, Wednesday is not
    assert starts(slots) == [local(2027, 4, 7, 9), local(2027, 4, 7, 10)]


def test_daily_cap_on_a_dst_day_of_25_hours(coach):
    # given: one a day; a session at 23:30 on Sunday 7 November (a 25-hour day)
    coach.daily_cap = 1
    coach.save(update_fields=["daily_cap"])
    course = CourseFactory(coach=coach, duration_minutes=30, slot_interval_minutes=30)
    WeeklyRuleFactory(coach=coach, weekday=SUNDAY, start_time=dt.time(0), end_time=dt.time(0))
    WeeklyRuleFactory(coach=coach, weekday=MONDAY, start_time=dt.time(9), end_time=dt.time(10))
    BookingFactory(course=course, start=local(2027, 11, 7, 23, 30))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 11, 7), dt.date(2027, 11, 8)),
        now=EARLY,
    )

    # then: Sunday is full from its first to its last minute; Monday is not
    assert starts(slots) == [local(2027, 11, 8, 9), local(2027, 11, 8, 9, 30)]


def test_weekly_cap_counts_a_booking_overlapping_the_week_boundary(coach):
    # given: one a week; a session from Sunday 11 April 23:30 to Monday 12 April 00:30
    coach.weekly_cap = 1
    coach.save(update_fields=["weekly_cap"])
    course = hourly_course(coach)
    WeeklyRuleFactory(coach=coach, weekday=MONDAY, start_time=dt.time(9), end_time=dt.time(10))
    WeeklyRuleFactory(coach=coach, weekday=SUNDAY, start_time=dt.time(9), end_time=dt.time(10))
    BookingFactory(course=course, start=local(2027, 4, 11, 23, 30))

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        **day_window(dt.date(2027, 4, 5), dt.date(2027, 4, 19)),
        now=EARLY,
    )

    # then: the weeks of 5 and 12 April are full
    assert starts(slots) == [local(2027, 4, 19, 9)]


# --- duration, window, is_free, next_available ---------------------------------------------


def test_a_duration_picks_the_coachs_course_of_that_length(coach):
    # given
    CourseFactory(coach=coach, duration_minutes=30, slot_interval_minutes=30)
    CourseFactory(coach=coach, duration_minutes=90, slot_interval_minutes=30, active=False)
    monday_hours(coach, 9, 10)

    # when
    thirty = free_slots(coach=coach, duration=30, **MONDAY_5, now=EARLY)
    ninety = free_slots(coach=coach, duration=90, **MONDAY_5, now=EARLY)

    # then
    assert starts(thirty) == [local(2027, 4, 5, 9), local(2027, 4, 5, 9, 30)]
    assert ninety == []


def test_only_starts_within_the_window_are_returned(coach):
    # given
    course = hourly_course(coach)
    monday_hours(coach, 9, 14)

    # when
    slots = free_slots(
        coach=coach,
        course=course,
        start=local(2027, 4, 5, 10),
        end=local(2027, 4, 5, 12),
        now=EARLY,
    )

    # then
    assert starts(slots) == [local(2027, 4, 5, 10), local(2027, 4, 5, 11)]


def test_is_free_agrees_with_free_slots(coach):
    # given: four days across the spring change, with bookings, buffers and a cap
    coach.daily_cap = 3
    coach.save(update_fields=["daily_cap"])
    course = CourseFactory(
        coach=coach, duration_minutes=45, slot_interval_minutes=15, buffer_after_minutes=10
    )
    for weekday in range(7):
        WeeklyRuleFactory(coach=coach, weekday=weekday, start_time=dt.time(1), end_time=dt.time(4))
    BookingFactory(course=course, start=local(2027, 3, 14, 1, 15))
    BookingFactory(course=course, start=local(2027, 3, 15, 2))
    window = day_window(dt.date(2027, 3, 13), dt.date(2027, 3, 16))
    listed = set(starts(free_slots(coach=coach, course=course, **window, now=EARLY)))

    # when
    answers = {}
    instant = window["start"].astimezone(dt.UTC)
    while instant < window["end"]:
        answers[instant] = is_free(coach=coach, course=course, start=instant, now=EARLY)
        instant += dt.timedelta(minutes=5)

    # then
    assert listed
    assert {instant for instant, free in answers.items() if free} == listed


def test_next_available_and_its_cache(coach):
    # given: now is Monday 5 April 10:15 local; 11:00 is taken
    now = local(2027, 4, 5, 10, 15)
    course = hourly_course(coach)
    CourseFactory(coach=coach, duration_minutes=30, kind="group", slot_interval_minutes=15)
    monday_hours(coach, 9, 12)
    BookingFactory(course=course, start=local(2027, 4, 5, 11))

    # when
    first = next_available(coach, now)
    cached = next_available_refresh(coach=coach, now=now)

    # then: the one-to-one course's next Monday
    assert first == cached == local(2027, 4, 12, 9)
    coach.refresh_from_db()
    assert coach.next_available_at == local(2027, 4, 12, 9)


def test_next_available_is_none_without_hours(coach):
    # given
    hourly_course(coach)

    # when / then
    assert next_available(coach, EARLY) is None


# --- the endpoint -------------------------------------------------------------------------


def url(coach) -> str:
    return f"/api/v1/marketplace/coaches/{coach.pk}/availability"


def test_anonymous_gets_the_slots_by_date_in_the_coachs_zone(api, coach):
    # given: Mondays 09:00-11:00; today is Sunday 4 April in New York
    course = hourly_course(coach)
    monday_hours(coach, 9, 11)
    BookingFactory(course=course, start=local(2027, 4, 5, 10))

    # when
    with time_machine.travel(local(2027, 4, 4, 12), tick=False):
        response = api.get(url(coach), {"to": "2027-04-06"})

    # then: from today to the 6th
    assert response.status_code == 200, response.content
    assert response.json() == {
        "coach_tz": "America/New_York",
        "tz": "America/New_York",
        "duration": 60,
        "slots": {
            "2027-04-04": [],
            "2027-04-05": [{"start": "2027-04-05T13:00:00Z", "end": "2027-04-05T14:00:00Z"}],
            "2027-04-06": [],
        },
    }


def test_the_default_window_is_today_and_fourteen_days(api, coach):
    # given
    hourly_course(coach)

    # when
    with time_machine.travel(local(2027, 4, 4, 12), tick=False):
        response = api.get(url(coach))

    # then
    assert response.status_code == 200
    assert list(response.json()["slots"]) == [
        (dt.date(2027, 4, 4) + dt.timedelta(days=n)).isoformat() for n in range(15)
    ]


def test_dates_are_labelled_in_tz_while_hours_stay_in_the_coachs_zone(api, coach):
    # given: an override of Monday 5 April in New York, read by a client in Tokyo
    course = hourly_course(coach)
    for hour in (10, 14):
        DateOverrideFactory(
            coach=coach,
            date=dt.date(2027, 4, 5),
            start_time=dt.time(hour),
            end_time=dt.time(hour + 1),
        )

    # when
    with time_machine.travel(EARLY, tick=False):
        response = api.get(
            url(coach),
            {
                "from": "2027-04-05",
                "to": "2027-04-06",
                "course": str(course.pk),
                "tz": "Asia/Tokyo",
            },
        )

    # then: 10:00 EDT is 23:00 in Tokyo on the 5th, 14:00 EDT is 03:00 on the 6th
    assert response.status_code == 200, response.content
    assert response.json() == {
        "coach_tz": "America/New_York",
        "tz": "Asia/Tokyo",
        "duration": 60,
        "slots": {
            "2027-04-05": [{"start": "2027-04-05T14:00:00Z", "end": "2027-04-05T15:00:00Z"}],
            "2027-04-06": [{"start": "2027-04-05T18:00:00Z", "end": "2027-04-05T19:00:00Z"}],
        },
    }


def test_a_signed_in_caller_gets_their_profile_zone(coach, member):
    # given
    member.profile.timezone = "Europe/Paris"
    member.profile.save(update_fields=["timezone"])
    hourly_course(coach)

    # when
    with time_machine.travel(EARLY, tick=False):
        response = client_for(member).get(url(coach), {"from": "2027-04-05", "to": "2027-04-05"})

    # then
    assert response.status_code == 200
    assert response.json()["tz"] == "Europe/Paris"


def test_duration_selects_the_course(api, coach):
    # given
    hourly_course(coach)
    CourseFactory(coach=coach, duration_minutes=30, slot_interval_minutes=30)
    monday_hours(coach, 9, 10)

    # when
    with time_machine.travel(EARLY, tick=False):
        response = api.get(url(coach), {"from": "2027-04-05", "to": "2027-04-05", "duration": 30})

    # then
    assert response.status_code == 200
    assert response.json()["duration"] == 30
    assert [slot["start"] for slot in response.json()["slots"]["2027-04-05"]] == [
        "2027-04-05T13:00:00Z",
        "2027-04-05T13:30:00Z",
    ]


def test_a_coach_without_courses_has_no_duration_and_no_slots(api, coach):
    # when
    with time_machine.travel(EARLY, tick=False):
        response = api.get(url(coach), {"from": "2027-04-05", "to": "2027-04-05"})

    # then
    assert response.status_code == 200
    assert response.json()["duration"] is None
    assert response.json()["slots"] == {"2027-04-05": []}


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"tz": "Mars/Olympus"}, "tz", "invalid"),
        ({"from": "2027-04-05", "to": "2027-06-06"}, "to", "range_too_long"),
        ({"from": "2027-04-05", "to": "2027-04-04"}, "to", "before_from"),
        ({"to": "2099-01-01"}, "to", "range_too_long"),
        ({"to": "2020-01-01"}, "to", "before_from"),
        ({"from": "5 April"}, "from", "invalid"),
        ({"from": "1900-01-01"}, "from", "out_of_range"),
        ({"from": "2999-12-30", "to": "9999-12-31"}, "to", "out_of_range"),
        ({"course": "not-a-uuid"}, "course", "invalid"),
        ({"course": "00000000-0000-0000-0000-000000000000"}, "course", "does_not_exist"),
        ({"duration": 45}, "duration", "not_offered"),
        ({"duration": 0}, "duration", "min_value"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, coach, params, attr, code):
    # given
    hourly_course(coach)

    # when
    response = api.get(url(coach), params)

    # then
    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [(code, attr)]


def test_sixty_two_days_are_allowed(api, coach):
    # given
    hourly_course(coach)

    # when
    response = api.get(url(coach), {"from": "2027-04-05", "to": "2027-06-05"})

    # then
    assert response.status_code == 200
    assert len(response.json()["slots"]) == 62


def test_another_coachs_course_is_a_400(api, coach):
    # given
    theirs = CourseFactory()

    # when
    response = api.get(url(coach), {"course": str(theirs.pk)})

    # then
    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [
        ("does_not_exist", "course")
    ]


def test_an_unpublished_or_unknown_coach_is_a_404(api):
    # given
    hidden = CoachFactory(published=False)
    CourseFactory(coach=hidden)

    # when
    responses = [
        api.get(url(hidden)),
        api.get("/api/v1/marketplace/coaches/00000000-0000-0000-0000-000000000000/availability"),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert responses[0].json()["errors"][0]["code"] == "not_found"


def test_the_query_count_does_not_grow_with_bookings(api, coach, django_assert_num_queries):
    # given: hours every day, bookings on the hour from 5 April
    course = CourseFactory(coach=coach, duration_minutes=30, slot_interval_minutes=60)
    for weekday in range(7):
        WeeklyRuleFactory(coach=coach, weekday=weekday, start_time=dt.time(0), end_time=dt.time(0))
    first = local(2027, 4, 5, 0)

    def book(indexes):
        for n in indexes:
            BookingFactory(course=course, client=None, start=first + dt.timedelta(hours=n))

    params = {"from": "2027-04-05", "to": "2027-04-20", "course": str(course.pk)}
    book(range(5))
    with time_machine.travel(EARLY, tick=False):
        with django_assert_num_queries(5):
            small = api.get(url(coach), params)
        book(range(5, 200))

        # when
        with django_assert_num_queries(5):
            large = api.get(url(coach), params)

    # then
    assert small.status_code == large.status_code == 200
    count = sum(len(day) for day in large.json()["slots"].values())
    assert count == 16 * 24 - 200
