"""Writes of coaches' own rows: applying, the profile and policy, weekly hours, date
overrides and courses; and staff publishing a coach (audited).

Times here are wall clock in the coach's time zone; an ``end`` of 00:00 is the end of the
day. Bookings copy a course's duration, buffers and price, so editing a course changes
only the bookings made afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from analytics.services import track
from core.audit import Action, audit_record
from core.exceptions import Conflict, DomainError, NotFound

from ..models import Coach, Course, DateOverride, WeeklyRule
from ..selectors.availability import next_available

if TYPE_CHECKING:
    from accounts.models import User

MINUTES_PER_DAY = 24 * 60
POLICY_FIELDS = (
    "min_notice_minutes",
    "booking_window_days",
    "daily_cap",
    "weekly_cap",
    "free_cancel_hours",
    "reschedule_limit",
)
PROFILE_FIELDS = ("headline", "bio", "specialties", "languages", "timezone")
COURSE_FIELDS = (
    "title",
    "description",
    "kind",
    "duration_minutes",
    "slot_interval_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "price_amount",
    "currency",
    "capacity",
    "active",
)


# --- the catalogue's cached next free time ---------------------------------------------------


def next_available_refresh(*, coach: Coach, now: dt.datetime | None = None) -> dt.datetime | None:
    """Recompute and store ``coach.next_available_at``, the catalogue's cached value (its
    listing, ``?available_before=`` and ordering read it instead of expanding 60 days of
    hours per row); returns it."""
    coach.next_available_at = next_available(coach, now or timezone.now())
    Coach.objects.filter(pk=coach.pk).update(next_available_at=coach.next_available_at)
    return coach.next_available_at


def next_available_refresh_by_id(coach_id) -> None:
    """:func:`next_available_refresh` for the coach ``coach_id``, if it still exists."""
    coach = Coach.objects.filter(pk=coach_id).first()
    if coach is not None:
        next_available_refresh(coach=coach)


def next_available_queue(coach_id) -> None:
    """Refresh the coach's cached next free time once the current transaction commits (a
    Celery task: on a worker in production, at once when Celery is eager). Called after
    anything that takes or frees a slot or changes the coach's hours, courses or policy."""
    from .. import tasks  # the tasks module imports the services

    transaction.on_commit(lambda: tasks.next_available_refresh.delay(str(coach_id)), robust=True)


def next_available_refresh_stale(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Refresh the published coaches whose cached next free time has passed or is unknown
    (time moves on without any write): the beat task's work. Returns how many."""
    now = now or timezone.now()
    stale = Coach.objects.filter(published=True).filter(
        Q(next_available_at__isnull=True) | Q(next_available_at__lte=now)
    )
    coaches = list(stale.order_by("next_available_at")[:limit])
    for coach in coaches:
        next_available_refresh(coach=coach, now=now)
    return len(coaches)


def minutes_of(value: dt.time, *, end: bool = False) -> int:
    """Minutes since midnight; an end at 00:00 is the end of the day (1440)."""
    minutes = value.hour * 60 + value.minute
    return MINUTES_PER_DAY if end and minutes == 0 else minutes


def first_overlap(ranges: Sequence[tuple[dt.time, dt.time]]) -> int | None:
    """The index of the first range that overlaps an earlier one (touching ends do not
    overlap), or ``None``."""
    seen: list[tuple[int, int]] = []
    for index, (start, end) in enumerate(ranges):
        low, high = minutes_of(start), minutes_of(end, end=True)
        if any(low < other_high and other_low < high for other_low, other_high in seen):
            return index
        seen.append((low, high))
    return None


def not_a_coach() -> NotFound:
    return NotFound("You have no coach profile; apply first.", code="not_found")


# --- the profile ----------------------------------------------------------------------------


def _apply_profile(coach: Coach, values: dict[str, Any]) -> list[str]:
    policy = values.pop("policy", None) or {}
    changed = []
    for name, value in [*values.items(), *policy.items()]:
        if name in PROFILE_FIELDS or name in POLICY_FIELDS:
            setattr(coach, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def coach_apply(*, user: User, **values) -> Coach:
    """The caller's new, unpublished coach profile; a second application is a 409."""
    if Coach.objects.filter(user=user).exists():
        raise Conflict("You are a coach already.", code="already_a_coach")
    coach = Coach(user=user, published=False)
    _apply_profile(coach, dict(values))
    try:
        with transaction.atomic():
            coach.save(force_insert=True)
    except IntegrityError:
        raise Conflict("You are a coach already.", code="already_a_coach") from None
    track("coach_applied", user, coach_id=str(coach.pk))
    return coach


@transaction.atomic
def coach_update(*, coach: Coach, **values) -> Coach:
    changed = _apply_profile(coach, dict(values))
    if changed:
        coach.save(update_fields=[*changed, "updated_at"])
        next_available_queue(coach.pk)
    return coach


@transaction.atomic
def coach_set_published(*, coach: Coach, published: bool, actor: User, request=None) -> Coach:
    """Staff list (or withdraw) a coach in the marketplace; written to the audit log. A
    coach whose account was erased cannot be published again."""
    coach = Coach.objects.select_for_update().get(pk=coach.pk)
    if published and coach.user_id is None:
        raise Conflict("This coach's account was erased.", code="coach_erased")
    if coach.published == published:
        return coach
    coach.published = published
    coach.published_at = timezone.now() if published else None
    coach.save(update_fields=["published", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        target=coach,
        subject_id=coach.user_id,
        changes={"fields": ["published"], "published": published},
        request=request,
    )
    if published:
        track("coach_published", coach.user, coach_id=str(coach.pk))
        next_available_queue(coach.pk)
    return coach


# --- weekly hours and overrides -------------------------------------------------------------


@transaction.atomic
def schedule_replace(*, coach: Coach, rules: Sequence[dict]) -> list[WeeklyRule]:
    """Replace the coach's weekly hours with ``rules`` (``weekday``, ``start_time``,
    ``end_time``); rows of one weekday must not overlap (400 naming the row)."""
    by_day: dict[int, list[tuple[int, tuple[dt.time, dt.time]]]] = {}
    for index, rule in enumerate(rules):
        by_day.setdefault(rule["weekday"], []).append(
            (index, (rule["start_time"], rule["end_time"]))
        )
    for rows in by_day.values():
        at = first_overlap([times for _, times in rows])
        if at is not None:
            raise _overlap(f"{rows[at][0]}.start")
    Coach.objects.select_for_update().filter(pk=coach.pk).first()
    coach.weekly_rules.all().delete()
    next_available_queue(coach.pk)
    return WeeklyRule.objects.bulk_create(
        [
            WeeklyRule(
                coach=coach,
                weekday=rule["weekday"],
                start_time=rule["start_time"],
                end_time=rule["end_time"],
            )
            for rule in rules
        ]
    )


def _overlap(attr: str) -> DomainError:
    return DomainError(
        "This range overlaps another one of the same day.", code="overlap", attr=attr
    )


@transaction.atomic
def override_set(*, coach: Coach, date: dt.date, ranges: Sequence[dict]) -> None:
    """Replace the hours of local ``date`` with ``ranges`` (``start``, ``end``); no ranges
    is a day off."""
    at = first_overlap([(r["start"], r["end"]) for r in ranges])
    if at is not None:
        raise _overlap(f"ranges.{at}.start")
    Coach.objects.select_for_update().filter(pk=coach.pk).first()
    coach.date_overrides.filter(date=date).delete()
    rows = [
        DateOverride(coach=coach, date=date, start_time=r["start"], end_time=r["end"])
        for r in ranges
    ]
    DateOverride.objects.bulk_create(rows or [DateOverride(coach=coach, date=date)])
    next_available_queue(coach.pk)


@transaction.atomic
def override_delete(*, coach: Coach, date: dt.date) -> None:
    deleted, _ = coach.date_overrides.filter(date=date).delete()
    if not deleted:
        raise NotFound("No override on this date.")
    next_available_queue(coach.pk)


# --- courses --------------------------------------------------------------------------------


def _apply_course(course: Course, values: dict[str, Any]) -> list[str]:
    price = values.pop("price", None) or {}
    if "amount" in price:
        values["price_amount"] = price["amount"]
    if "currency" in price:
        values["currency"] = price["currency"]
    changed = []
    for name, value in values.items():
        if name in COURSE_FIELDS:
            setattr(course, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def course_create(*, coach: Coach, **values) -> Course:
    course = Course(coach=coach)
    _apply_course(course, dict(values))
    course.save(force_insert=True)
    next_available_queue(coach.pk)
    return course


@transaction.atomic
def course_update(*, course: Course, **values) -> Course:
    changed = _apply_course(course, dict(values))
    if changed:
        course.save(update_fields=[*changed, "updated_at"])
        next_available_queue(course.coach_id)
    return course


@transaction.atomic
def course_delete(*, course: Course) -> bool:
    """Delete a course never booked; deactivate one with bookings (they point at it).
    True when it was deleted."""
    next_available_queue(course.coach_id)
    if course.bookings.exists():
        if course.active:
            course.active = False
            course.save(update_fields=["active", "updated_at"])
        return False
    course.delete()
    return True
