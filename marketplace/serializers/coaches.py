"""Shapes of a coach's own rows: the profile and policy, weekly hours, date overrides and
courses. Times are ``"HH:MM"``, wall clock in the coach's time zone; an end of ``"24:00"``
(or ``"00:00"``) is the end of the day, and reads back as ``"24:00"``."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Coach, Course
from ..services.coaches import minutes_of

CLOCK = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "09:30"})
class ClockField(serializers.Field):
    """``"HH:MM"``; an end may be ``"24:00"`` (stored and accepted as ``"00:00"``)."""

    default_error_messages = {
        "invalid": 'Use "HH:MM" (24-hour clock).',
        "end_of_day": '"24:00" is only an end.',
    }

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> dt.time:
        match = CLOCK.match(data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        if match.group(3):
            if not self.end:
                self.fail("end_of_day")
            return dt.time(0, 0)
        return dt.time(int(match.group(1)), int(match.group(2)))

    def to_representation(self, value: dt.time) -> str:
        if self.end and value == dt.time(0, 0):
            return "24:00"
        return value.strftime("%H:%M")


def _check_range(attrs: dict, start: str, end: str) -> dict:
    if minutes_of(attrs[end], end=True) <= minutes_of(attrs[start]):
        raise serializers.ValidationError(
            {"end": ["The end must come after the start."]}, code="end_before_start"
        )
    return attrs


class IndexedListSerializer(serializers.ListSerializer):
    """A list body whose bad rows are named by their index (``2.end``): the error
    envelope drops the index of a top-level list."""

    def run_validation(self, data=serializers.empty):
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            if isinstance(detail, list) and any(isinstance(row, dict) for row in detail):
                detail = dict(enumerate(detail))
            if isinstance(detail, dict):
                raise serializers.ValidationError(
                    {str(index): row for index, row in detail.items() if row}
                ) from None
            raise


class MarketplaceWeeklyRuleSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 Monday - 6 Sunday.")
    start = ClockField(source="start_time")
    end = ClockField(source="end_time", end=True)

    class Meta:
        list_serializer_class = IndexedListSerializer

    def validate(self, attrs: dict) -> dict:
        return _check_range(attrs, "start_time", "end_time")


class MarketplaceTimeRangeSerializer(serializers.Serializer):
    start = ClockField()
    end = ClockField(end=True)

    def validate(self, attrs: dict) -> dict:
        return _check_range(attrs, "start", "end")


class MarketplaceOverrideSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A local date in the coach's time zone.")
    ranges = MarketplaceTimeRangeSerializer(
        many=True, allow_empty=True, max_length=24, help_text="Empty: a day off."
    )


class MarketplaceOverrideQuerySerializer(serializers.Serializer):
    # ``from`` is a keyword: declared below.
    to = serializers.DateField(required=False, help_text="The last date (inclusive).")

    def validate(self, attrs: dict) -> dict:
        first, last = attrs.get("from"), attrs.get("to")
        if first and last and last < first:
            raise serializers.ValidationError({"to": ["Must not be before from."]}, code="invalid")
        return attrs


MarketplaceOverrideQuerySerializer._declared_fields["from"] = serializers.DateField(
    required=False, help_text="The first date (inclusive); default: every date."
)


class MarketplacePolicySerializer(serializers.Serializer):
    """Every key is optional: the ones left out keep their value (or the default)."""

    min_notice_minutes = serializers.IntegerField(
        min_value=0,
        max_value=60 * 24 * 30,
        required=False,
        help_text="The earliest start after now.",
    )
    booking_window_days = serializers.IntegerField(
        min_value=1, max_value=365, required=False, help_text="The latest start, in days from now."
    )
    daily_cap = serializers.IntegerField(
        min_value=1,
        max_value=100,
        allow_null=True,
        required=False,
        help_text="Sessions per local day.",
    )
    weekly_cap = serializers.IntegerField(
        min_value=1,
        max_value=500,
        allow_null=True,
        required=False,
        help_text="Sessions per local week.",
    )
    free_cancel_hours = serializers.IntegerField(min_value=0, max_value=24 * 30, required=False)
    reschedule_limit = serializers.IntegerField(min_value=0, max_value=20, required=False)


class MarketplaceOwnCoachSerializer(serializers.ModelSerializer):
    """The caller's coach profile. ``policy`` is one object; a PATCH may send any of its
    keys."""

    specialties = serializers.ListField(
        child=serializers.CharField(max_length=40, trim_whitespace=True),
        max_length=10,
        required=False,
        help_text="Short topics (stored lower case), at most 10.",
    )
    languages = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2}$"),
        max_length=10,
        required=False,
        help_text="ISO 639-1 two-letter codes (stored lower case).",
    )
    timezone = serializers.CharField(max_length=64, required=False, help_text="IANA name.")
    policy = MarketplacePolicySerializer(source="*", required=False)
    rating_avg = serializers.FloatField(read_only=True, allow_null=True)
    next_available = serializers.DateTimeField(
        source="next_available_at", read_only=True, allow_null=True
    )

    class Meta:
        model = Coach
        fields = [
            "id",
            "published",
            "published_at",
            "headline",
            "bio",
            "specialties",
            "languages",
            "timezone",
            "policy",
            "rating_avg",
            "rating_count",
            "next_available",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "published",
            "published_at",
            "rating_count",
            "created_at",
            "updated_at",
        ]

    def validate_specialties(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(item.lower() for item in value if item))

    def validate_languages(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(item.lower() for item in value))

    def validate_timezone(self, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(
                "Unknown time zone; use an IANA name such as Europe/Paris.", code="invalid"
            ) from exc
        return value


class MarketplaceCoursePriceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        source="price_amount",
        min_value=0,
        max_value=100_000_000,
        help_text="Minor units (cents); 0 is free.",
    )
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$", help_text="ISO 4217 code, lower case (usd, eur)."
    )

    def validate_currency(self, value: str) -> str:
        return value.lower()


class MarketplaceOwnCourseSerializer(serializers.ModelSerializer):
    """One of the caller's courses, inactive ones included."""

    slot_interval = serializers.IntegerField(
        source="slot_interval_minutes",
        min_value=5,
        max_value=24 * 60,
        required=False,
        help_text="Minutes between offered starts.",
    )
    buffer_before = serializers.IntegerField(
        source="buffer_before_minutes", min_value=0, max_value=240, required=False
    )
    buffer_after = serializers.IntegerField(
        source="buffer_after_minutes", min_value=0, max_value=240, required=False
    )
    price = MarketplaceCoursePriceSerializer(source="*", required=False)

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "duration_minutes",
            "slot_interval",
            "buffer_before",
            "buffer_after",
            "price",
            "capacity",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"capacity": {"max_value": 500}}

    def validate(self, attrs: dict) -> dict:
        instance = self.instance
        kind = attrs.get("kind", getattr(instance, "kind", Course.Kind.ONE_TO_ONE))
        capacity = attrs.get("capacity", getattr(instance, "capacity", 1))
        if kind == Course.Kind.ONE_TO_ONE and capacity != 1:
            raise serializers.ValidationError(
                {"capacity": ["A one-to-one course has a capacity of 1."]}, code="invalid"
            )
        return attrs
