"""The availability endpoint's query parameters and answer (docs/API.md, "marketplace")."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone
from rest_framework import serializers

from ..models import Course
from ..selectors import availability

# The longest window one request may ask, in days (``from`` and ``to`` included).
MAX_DAYS = 62
DEFAULT_DAYS = 14
# The dates a window may name: far enough for any booking window, near enough that the
# window's instants stay within what datetime holds.
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


class AvailabilityQuerySerializer(serializers.Serializer):
    """``?from=&to=&course=|duration=&tz=``; the coach is ``context["coach"]`` and
    ``context["default_zone"]`` gives the zone when ``tz`` is not sent. Validated, it gives
    ``tz`` (a ZoneInfo), ``first`` and ``last`` (the dates with their defaults: today in
    ``tz``, and 14 days later) and ``course`` (a Course, or None when the coach has no
    active course)."""

    # ``from`` is a Python keyword: the field is declared under its query name below.
    to = serializers.DateField(required=False, help_text="The last date, in `tz`.")
    course = serializers.UUIDField(
        required=False, help_text="One of the coach's active courses (its id)."
    )
    duration = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text="Minutes: a duration of one of the coach's active courses.",
    )
    tz = serializers.CharField(
        required=False,
        max_length=64,
        help_text="IANA time zone that labels the dates; by default the caller's profile "
        "time zone, else the coach's.",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, help_text="The first date, in `tz`; today by default."
        )
        return fields

    def validate_tz(self, value: str) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise serializers.ValidationError(
                "Unknown time zone; use an IANA name such as Europe/Paris.", code="invalid"
            ) from exc

    def validate(self, attrs: dict) -> dict:
        zone = attrs.get("tz") or self.context["default_zone"]()
        for name in ("from", "to"):
            if attrs.get(name) is not None and not FIRST_DATE <= attrs[name] <= LAST_DATE:
                raise serializers.ValidationError(
                    {name: f"Between {FIRST_DATE} and {LAST_DATE}."}, code="out_of_range"
                )
        first = attrs.get("from") or timezone.now().astimezone(zone).date()
        last = attrs.get("to") or first + dt.timedelta(days=DEFAULT_DAYS)
        if last < first:
            raise serializers.ValidationError(
                {"to": "Must be on or after `from` (today by default)."}, code="before_from"
            )
        if (last - first).days >= MAX_DAYS:
            raise serializers.ValidationError(
                {"to": f"At most {MAX_DAYS} days from `from` (today by default)."},
                code="range_too_long",
            )
        attrs.update(tz=zone, first=first, last=last)
        attrs["course"] = self._course(attrs.get("course"), attrs.get("duration"))
        return attrs

    def _course(self, course_id, duration: int | None) -> Course | None:
        coach = self.context["coach"]
        if course_id is not None:
            course = Course.objects.filter(pk=course_id, coach=coach, active=True).first()
            if course is None:
                raise serializers.ValidationError(
                    {"course": "Not an active course of this coach."}, code="does_not_exist"
                )
            if duration is not None and duration != course.duration_minutes:
                raise serializers.ValidationError(
                    {"duration": "Not the duration of `course`: give one or the other."},
                    code="not_offered",
                )
            return course
        if duration is not None:
            course = availability.course_for_duration(coach=coach, duration=duration)
            if course is None:
                raise serializers.ValidationError(
                    {"duration": "This coach offers no course of that duration."},
                    code="not_offered",
                )
            return course
        return availability.default_course(coach=coach)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="UTC.")
    end = serializers.DateTimeField(help_text="UTC.")


class AvailabilitySerializer(serializers.Serializer):
    coach_tz = serializers.CharField(help_text="The coach's IANA time zone.")
    tz = serializers.CharField(help_text="The IANA time zone that labels the dates.")
    duration = serializers.IntegerField(
        allow_null=True, help_text="Minutes; null when the coach offers no course."
    )
    slots = serializers.DictField(
        child=serializers.ListField(child=SlotSerializer()),
        help_text='Free sessions by their start\'s date in `tz` ("YYYY-MM-DD"), every date '
        "from `from` to `to`, in order.",
    )
