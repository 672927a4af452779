"""A coach's free sessions: the one function (``free_slots``) that both the availability
endpoint lists and the booking services ask (``is_free``) before admitting a start, so
what a client is shown is exactly what can be booked.

The pipeline, in three queries whatever the number of bookings (weekly rules, the date
overrides of the window, the blocking bookings around it):

1. Each local date of the window, widened by a day on each side, in the coach's zone
   (``Coach.timezone``) has the ranges of its ``DateOverride`` rows when it has any (a row
   without times is a day off), else its weekday's ``WeeklyRule`` rows.
2. A range's wall-clock times become instants with ``datetime.combine(date, time,
   tzinfo=zone)``; an end of 00:00 is the next local midnight. DST follows zoneinfo's
   ``fold=0``: a wall time that does not exist (the spring gap) is read with the offset in
   force before the change, so New York's 02:30 on the spring day is 07:30Z (03:30 EDT);
   an ambiguous one (the autumn overlap) is its first occurrence (EDT). A range whose end
   is not after its start is dropped.
3. Starts step in UTC from each range's start by the course's ``slot_interval_minutes``,
   each session ending within its range (a session never spans two ranges).
4. A start is taken when its session padded with the course's buffers, ``[start -
   buffer_before, end + buffer_after)``, overlaps a blocking booking's ``[blocked_start,
   blocked_end)``. Blocking: the statuses in ``models.BLOCKING``, except a hold whose
   ``hold_expires_at`` has passed (expired lazily: free before the sweeper runs).
5. The coach's policy: a start at least ``min_notice_minutes`` after ``now`` and before
   ``now + booking_window_days``; ``daily_cap`` and ``weekly_cap`` count the blocking
   bookings whose session overlaps each local day (midnight to midnight in the coach's
   zone, 23 or 25 hours on a DST day) and each local week (Monday to Sunday): a session
   that would overlap a full day or week is not offered.
6. Only starts within ``[start, end)`` are returned.

Every step depends on the start alone, never on the window asked, so a start listed for
one window is listed for any window that contains it (what ``is_free`` relies on).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from ..models import BLOCKING, Booking, Coach, Course, DateOverride, WeeklyRule

if TYPE_CHECKING:
    from uuid import UUID

Slot = tuple[dt.datetime, dt.datetime]

DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
# How far ``next_available`` looks ahead.
NEXT_AVAILABLE_DAYS = 60
# Bookings are read this far around the window so that the caps see the whole local weeks
# of every session that may start in it (a week, the day of margin on each side, a session
# of up to a day, and any UTC offset).
_BOOKINGS_MARGIN = dt.timedelta(days=10)


# --- lookups the endpoint and the services share -------------------------------------------


def published_coach(pk: UUID | str) -> Coach | None:
    """The published coach ``pk``; None when there is none (unknown or unpublished)."""
    return Coach.objects.filter(pk=pk, published=True).first()


def course_for_duration(*, coach: Coach, duration: int) -> Course | None:
    """The coach's active course of ``duration`` minutes (one-to-one first, then the
    oldest); None when the coach offers no such duration."""
    return (
        Course.objects.filter(coach=coach, active=True, duration_minutes=duration)
        .order_by("-kind", "created_at", "id")  # "one_to_one" sorts after "group"
        .first()
    )


def default_course(*, coach: Coach) -> Course | None:
    """The course the availability endpoint shows when the caller names none: the coach's
    oldest active one-to-one course, else their oldest active course."""
    return (
        Course.objects.filter(coach=coach, active=True)
        .order_by("-kind", "created_at", "id")  # "one_to_one" sorts after "group"
        .first()
    )


# --- the pipeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    """What the pipeline reads of one coach, loaded once."""

    zone: zoneinfo.ZoneInfo
    rules: dict[int, list[tuple[dt.time, dt.time]]]
    # date -> ranges; an empty list is a day off.
    overrides: dict[dt.date, list[tuple[dt.time, dt.time]]]
    # The blocking bookings: (start, end, blocked_start, blocked_end), by blocked_start;
    # start and end are read only when the coach has caps.
    bookings: list[tuple[dt.datetime | None, dt.datetime | None, dt.datetime, dt.datetime]]


def zone_of(coach: Coach) -> zoneinfo.ZoneInfo:
    """The coach's time zone; UTC when its name is unknown on this machine."""
    try:
        return zoneinfo.ZoneInfo(coach.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return zoneinfo.ZoneInfo("UTC")


def _utc(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        raise ValueError("free_slots takes aware datetimes.")
    return value.astimezone(dt.UTC)


def _hours(
    *, coach: Coach, first: dt.date, last: dt.date
) -> tuple[dict[int, list[tuple[dt.time, dt.time]]], dict[dt.date, list[tuple[dt.time, dt.time]]]]:
    """The coach's weekly hours by weekday, and their overrides of the local dates
    ``first`` to ``last`` (an empty list: a day off). Two queries."""
    rules: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for weekday, start_time, end_time in WeeklyRule.objects.filter(coach=coach).values_list(
        "weekday", "start_time", "end_time"
    ):
        rules[weekday].append((start_time, end_time))
    overrides: dict[dt.date, list[tuple[dt.time, dt.time]]] = {}
    for date, start_time, end_time in DateOverride.objects.filter(
        coach=coach, date__gte=first, date__lte=last
    ).values_list("date", "start_time", "end_time"):
        ranges = overrides.setdefault(date, [])
        if start_time is not None and end_time is not None:
            ranges.append((start_time, end_time))
    return dict(rules), overrides


def _load(
    *, coach: Coach, start: dt.datetime, end: dt.datetime, now: dt.datetime, exclude=None
) -> _Calendar:
    zone = zone_of(coach)
    first_date = (start - DAY).astimezone(zone).date()
    last_date = (end + DAY).astimezone(zone).date()

    rules, overrides = _hours(coach=coach, first=first_date, last=last_date)
    blocking = Booking.objects.filter(
        coach=coach,
        status__in=BLOCKING,
        blocked_start__lt=end + _BOOKINGS_MARGIN,
        blocked_end__gt=start - _BOOKINGS_MARGIN,
    ).exclude(status=Booking.Status.HELD, hold_expires_at__lte=now)
    if exclude is not None:
        blocking = blocking.exclude(pk=getattr(exclude, "pk", exclude))
    blocking = blocking.order_by("blocked_start")
    if coach.daily_cap is None and coach.weekly_cap is None:
        # Only the blocked ranges matter: half the timestamps to read (their parsing is
        # most of the time a coach with hundreds of bookings takes).
        bookings = [
            (None, None, blocked_start, blocked_end)
            for blocked_start, blocked_end in blocking.values_list("blocked_start", "blocked_end")
        ]
    else:
        bookings = list(blocking.values_list("start", "end", "blocked_start", "blocked_end"))
    return _Calendar(zone=zone, rules=rules, overrides=overrides, bookings=bookings)


def _ranges(calendar: _Calendar, first: dt.date, last: dt.date) -> list[Slot]:
    """Steps 1 and 2: the open ranges of the local dates ``first`` to ``last``, in UTC."""
    zone = calendar.zone
    ranges: list[Slot] = []
    date = first
    while date <= last:
        wall = calendar.overrides.get(date)
        if wall is None:
            wall = calendar.rules.get(date.weekday(), [])
        for start_time, end_time in wall:
            range_start = dt.datetime.combine(date, start_time, tzinfo=zone)
            end_date = date + DAY if end_time == dt.time(0) else date
            range_end = dt.datetime.combine(end_date, end_time, tzinfo=zone)
            range_start, range_end = range_start.astimezone(dt.UTC), range_end.astimezone(dt.UTC)
            if range_end > range_start:
                ranges.append((range_start, range_end))
        date += DAY
    return ranges


def _merged(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[Slot]:
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _local_days(start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo) -> list[dt.date]:
    """The local dates whose day (local midnight to local midnight) ``[start, end)``
    overlaps."""
    first = start.astimezone(zone).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    days = [first]
    while days[-1] < last:
        days.append(days[-1] + DAY)
    return days


def _week_of(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def _slots(
    *,
    coach: Coach,
    course: Course,
    calendar: _Calendar,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
) -> list[Slot]:
    zone = calendar.zone
    duration = dt.timedelta(minutes=course.duration_minutes)
    interval = dt.timedelta(minutes=course.slot_interval_minutes)
    before = dt.timedelta(minutes=course.buffer_before_minutes)
    after = dt.timedelta(minutes=course.buffer_after_minutes)
    earliest = max(start, now + dt.timedelta(minutes=coach.min_notice_minutes))
    latest = min(end, now + dt.timedelta(days=coach.booking_window_days))
    if earliest >= latest:
        return []

    # 3. Every start of every range (several ranges may give the same start).
    candidates: set[dt.datetime] = set()
    for range_start, range_end in _ranges(
        calendar, (start - DAY).astimezone(zone).date(), (end + DAY).astimezone(zone).date()
    ):
        slot_start = range_start
        while slot_start + duration <= range_end:
            if earliest <= slot_start < latest:  # 5 (notice, window) and 6
                candidates.add(slot_start)
            slot_start += interval

    # 4. One sweep over the starts and the union of the blocked ranges, both sorted.
    taken = _merged(
        (blocked_start, blocked_end) for _, _, blocked_start, blocked_end in calendar.bookings
    )
    free: list[Slot] = []
    index = 0
    for slot_start in sorted(candidates):
        padded_start, padded_end = slot_start - before, slot_start + duration + after
        while index < len(taken) and taken[index][1] <= padded_start:
            index += 1
        if index < len(taken) and taken[index][0] < padded_end:
            continue
        free.append((slot_start, slot_start + duration))

    # 5. The caps, per local day and local week of the coach.
    if free and (coach.daily_cap is not None or coach.weekly_cap is not None):
        per_day: Counter[dt.date] = Counter()
        per_week: Counter[dt.date] = Counter()
        for booking_start, booking_end, _, _ in calendar.bookings:
            days = _local_days(booking_start, booking_end, zone)
            per_day.update(days)
            per_week.update({_week_of(day) for day in days})

        def full(slot: Slot) -> bool:
            days = _local_days(*slot, zone)
            if coach.daily_cap is not None and any(per_day[d] >= coach.daily_cap for d in days):
                return True
            return coach.weekly_cap is not None and any(
                per_week[w] >= coach.weekly_cap for w in {_week_of(d) for d in days}
            )

        free = [slot for slot in free if not full(slot)]
    return free


def free_slots(
    *,
    coach: Coach,
    course: Course | None = None,
    duration: int | None = None,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    exclude: Booking | UUID | None = None,
) -> list[Slot]:
    """The free sessions of ``course`` (or of the coach's active course of ``duration``
    minutes) whose start is in ``[start, end)``, as UTC ``(start, end)`` pairs in order.

    ``now`` decides the minimum notice, the booking window and which holds have lapsed;
    ``exclude`` (a booking or its id) does not block, so a reschedule may keep or move near
    its own time. The steps, and the DST rule, are in this module's docstring. Empty when
    the coach offers no such course. Three queries (four with ``duration``)."""
    if course is None:
        if duration is None:
            raise ValueError("free_slots needs a course or a duration.")
        course = course_for_duration(coach=coach, duration=duration)
        if course is None:
            return []
    start, end, now = _utc(start), _utc(end), _utc(now)
    if end <= start:
        return []
    calendar = _load(coach=coach, start=start, end=end, now=now, exclude=exclude)
    return _slots(coach=coach, course=course, calendar=calendar, start=start, end=end, now=now)


def is_free(
    *,
    coach: Coach,
    course: Course,
    start: dt.datetime,
    now: dt.datetime,
    exclude: Booking | UUID | None = None,
) -> bool:
    """Whether ``start`` is a free start of ``course`` for ``coach``: whether
    ``free_slots`` lists it (asked for the minute from ``start``; the pipeline does not
    depend on the window, see the module's docstring). What a booking or a reschedule
    checks before it is admitted; the database's exclusion constraint still decides a race."""
    start = _utc(start)
    slots = free_slots(
        coach=coach, course=course, start=start, end=start + MINUTE, now=now, exclude=exclude
    )
    return any(slot_start == start for slot_start, _ in slots)


def next_available(coach: Coach, now: dt.datetime) -> dt.datetime | None:
    """The earliest free start of any of the coach's active one-to-one courses (group
    courses are booked by session) within ``NEXT_AVAILABLE_DAYS`` of ``now``; None when
    there is none. Four queries whatever the number of courses."""
    courses = list(Course.objects.filter(coach=coach, active=True, kind=Course.Kind.ONE_TO_ONE))
    if not courses:
        return None
    now = _utc(now)
    start, end = now, now + dt.timedelta(days=NEXT_AVAILABLE_DAYS)
    calendar = _load(coach=coach, start=start, end=end, now=now)
    firsts = [
        slots[0][0]
        for course in courses
        if (
            slots := _slots(
                coach=coach, course=course, calendar=calendar, start=start, end=end, now=now
            )
        )
    ]
    return min(firsts, default=None)


def open_ranges(*, coach: Coach, first: dt.date, last: dt.date) -> list[Slot]:
    """The coach's open hours on their local dates ``first`` to ``last`` (inclusive), as
    merged UTC ranges in order: steps 1 and 2 of the pipeline (overrides replacing the
    weekly hours, the same DST rule), before any booking, notice or cap. What coach
    performance calls the offered time. Two queries (weekly rules, overrides)."""
    rules, overrides = _hours(coach=coach, first=first, last=last)
    calendar = _Calendar(zone=zone_of(coach), rules=rules, overrides=overrides, bookings=[])
    return _merged(_ranges(calendar, first, last))
