"""Reads of the public catalogue (published coaches and their active courses) and of a
coach's own rows (profile, weekly hours, overrides, courses).

A coach's name is their member profile's ``display_name`` (accounts' table, read through
the user relation, as community does). ``price_from`` is the cheapest active course,
annotated so a page of coaches is one query whatever its size.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from ..models import BLOCKING, Booking, Coach, Course, DateOverride, WeeklyRule

if TYPE_CHECKING:
    from accounts.models import User

# ``?ordering=`` of the coach list: each ends on a unique key, so pages never overlap.
COACH_ORDERINGS = {
    "-rating": (
        F("rating_avg_value").desc(nulls_last=True),
        "-rating_count",
        "id",
    ),
    "next_available": (F("next_available_at").asc(nulls_last=True), "id"),
    "price_from": (F("price_from_amount").asc(nulls_last=True), "id"),
}
DEFAULT_COACH_ORDERING = "-rating"


def _display_name(prefix: str = ""):
    return Coalesce(F(f"{prefix}user__profile__display_name"), Value(""))


def _active_courses() -> QuerySet[Course]:
    return Course.objects.filter(active=True).order_by("price_amount", "title", "id")


def listed_coaches() -> QuerySet[Coach]:
    """Published coaches with ``display_name``, ``rating_avg_value`` and ``price_from_*``
    (the cheapest active course; null without one), in the default order."""
    cheapest = _active_courses().filter(coach=OuterRef("pk"))
    return (
        Coach.objects.filter(published=True, user__isnull=False)
        .annotate(
            display_name=_display_name(),
            rating_avg_value=Case(
                When(rating_count=0, then=Value(None, output_field=FloatField())),
                default=Cast("rating_sum", FloatField()) / Cast("rating_count", FloatField()),
                output_field=FloatField(),
            ),
            price_from_amount=Subquery(cheapest.values("price_amount")[:1]),
            price_from_currency=Subquery(cheapest.values("currency")[:1]),
        )
        .order_by(*COACH_ORDERINGS[DEFAULT_COACH_ORDERING])
    )


def coaches_ordered(queryset: QuerySet[Coach], ordering: str) -> QuerySet[Coach]:
    return queryset.order_by(*COACH_ORDERINGS[ordering])


def coaches_matching(queryset: QuerySet[Coach], text: str) -> QuerySet[Coach]:
    """Coaches whose name, headline or a specialty contains every word of ``text``."""
    for word in text.split():
        queryset = queryset.filter(
            Q(display_name__icontains=word)
            | Q(headline__icontains=word)
            | Q(specialties__icontains=word)
        )
    return queryset


def coaches_with_specialty(queryset: QuerySet[Coach], specialty: str) -> QuerySet[Coach]:
    return queryset.filter(specialties__icontains=json.dumps(specialty.strip().lower()))


def with_language(queryset: QuerySet, language: str, prefix: str = "") -> QuerySet:
    return queryset.filter(**{f"{prefix}languages__icontains": json.dumps(language.lower())})


def coach_profile(coach_id) -> Coach | None:
    """One published coach with their active courses (``active_courses``), or ``None``."""
    return (
        listed_coaches()
        .prefetch_related(Prefetch("courses", queryset=_active_courses(), to_attr="active_courses"))
        .filter(pk=coach_id)
        .first()
    )


def listed_courses() -> QuerySet[Course]:
    """Active courses of published coaches, with ``coach_display_name``, by title."""
    return (
        Course.objects.filter(active=True, coach__published=True, coach__user__isnull=False)
        .select_related("coach")
        .annotate(coach_display_name=_display_name("coach__"))
        .order_by("title", "id")
    )


def upcoming_sessions(course: Course) -> list[Booking]:
    """A group course's sessions still to come, soonest first, each with ``seats_taken``
    (its enrolments not cancelled); none for a one-to-one course."""
    if course.kind != Course.Kind.GROUP:
        return []
    return list(
        course.bookings.filter(
            kind=Booking.Kind.GROUP, status__in=BLOCKING, start__gt=timezone.now()
        )
        .annotate(seats_taken=Count("enrolments", filter=Q(enrolments__cancelled_at__isnull=True)))
        .order_by("start", "id")
    )


def courses_matching(queryset: QuerySet[Course], text: str) -> QuerySet[Course]:
    for word in text.split():
        queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return queryset


# --- the coach's own rows -----------------------------------------------------------------


def coach_of(user: User) -> Coach | None:
    """The caller's coach profile (published or not), or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Coach.objects.filter(user=user).first()


def any_coach(coach_id) -> Coach | None:
    return Coach.objects.filter(pk=coach_id).first()


def weekly_rules(coach: Coach) -> QuerySet[WeeklyRule]:
    return coach.weekly_rules.order_by("weekday", "start_time")


def overrides(
    coach: Coach, *, first: dt.date | None = None, last: dt.date | None = None
) -> list[dict]:
    """The coach's overridden dates from ``first`` to ``last`` (inclusive), oldest first:
    ``[{date, ranges: [(start, end)]}]``; a day off has no ranges."""
    rows = coach.date_overrides.order_by("date", "start_time")
    if first is not None:
        rows = rows.filter(date__gte=first)
    if last is not None:
        rows = rows.filter(date__lte=last)
    days: dict[dt.date, list] = {}
    for row in rows:
        ranges = days.setdefault(row.date, [])
        if row.start_time is not None:
            ranges.append({"start": row.start_time, "end": row.end_time})
    return [{"date": date, "ranges": ranges} for date, ranges in days.items()]


def override_of(coach: Coach, date: dt.date) -> dict | None:
    days = overrides(coach, first=date, last=date)
    return days[0] if days else None


def own_courses() -> QuerySet[Course]:
    """Every course (inactive included), newest first; scoped to the caller by the view."""
    return Course.objects.select_related("coach").order_by("-created_at", "-id")


def override_rows(coach: Coach, date: dt.date) -> QuerySet[DateOverride]:
    return coach.date_overrides.filter(date=date)
