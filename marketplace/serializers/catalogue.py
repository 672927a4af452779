"""Shapes of the public catalogue: coach cards and profiles, courses, and staff's publish
switch. Component names start with ``Marketplace`` so they never clash with other apps'."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Coach, Course


class MarketplaceMoneySerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        min_value=0, max_value=100_000_000, help_text="Minor units (cents); 0 is free."
    )
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$", help_text="ISO 4217 code, lower case (usd, eur)."
    )

    def validate_currency(self, value: str) -> str:
        return value.lower()


class MarketplaceCoachRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    display_name = serializers.CharField(read_only=True)


def price_of(course: Course) -> dict:
    return {"amount": course.price_amount, "currency": course.currency}


class MarketplaceCourseSummarySerializer(serializers.ModelSerializer):
    """A course as its coach's profile lists it."""

    price = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = ["id", "title", "description", "kind", "duration_minutes", "price", "capacity"]
        read_only_fields = fields

    @extend_schema_field(MarketplaceMoneySerializer)
    def get_price(self, course: Course) -> dict:
        return price_of(course)


class MarketplaceCourseSerializer(MarketplaceCourseSummarySerializer):
    """An active course of a published coach."""

    coach = serializers.SerializerMethodField()

    class Meta(MarketplaceCourseSummarySerializer.Meta):
        fields = [
            "id",
            "title",
            "description",
            "coach",
            "kind",
            "duration_minutes",
            "price",
            "capacity",
        ]
        read_only_fields = fields

    @extend_schema_field(MarketplaceCoachRefSerializer)
    def get_coach(self, course: Course) -> dict:
        return {
            "id": course.coach_id,
            "display_name": getattr(course, "coach_display_name", ""),
        }


class MarketplaceGroupSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    seats_left = serializers.SerializerMethodField()

    def get_seats_left(self, session) -> int:
        return max(session.capacity - session.seats_taken, 0)


class MarketplaceCourseDetailSerializer(MarketplaceCourseSerializer):
    """One course; a group course lists its upcoming sessions (``upcoming_sessions`` set by
    the view)."""

    sessions = MarketplaceGroupSessionSerializer(
        source="upcoming_sessions", many=True, read_only=True
    )

    class Meta(MarketplaceCourseSerializer.Meta):
        fields = [*MarketplaceCourseSerializer.Meta.fields, "sessions"]
        read_only_fields = fields


class MarketplaceCoachCardSerializer(serializers.ModelSerializer):
    """A published coach as the catalogue lists them."""

    display_name = serializers.CharField(read_only=True)
    rating_avg = serializers.SerializerMethodField()
    price_from = serializers.SerializerMethodField(
        help_text="The cheapest active course's price; null without an active course."
    )
    next_available = serializers.DateTimeField(
        source="next_available_at",
        read_only=True,
        allow_null=True,
        help_text="The next free start of any course (UTC, refreshed periodically).",
    )

    class Meta:
        model = Coach
        fields = [
            "id",
            "display_name",
            "headline",
            "specialties",
            "languages",
            "timezone",
            "rating_avg",
            "rating_count",
            "price_from",
            "next_available",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rating_avg(self, coach: Coach) -> float | None:
        return coach.rating_avg

    @extend_schema_field(MarketplaceMoneySerializer(allow_null=True))
    def get_price_from(self, coach: Coach) -> dict | None:
        amount = getattr(coach, "price_from_amount", None)
        if amount is None:
            return None
        return {"amount": amount, "currency": coach.price_from_currency}


class MarketplacePublicPolicySerializer(serializers.Serializer):
    free_cancel_hours = serializers.IntegerField(
        read_only=True, help_text="A client's cancel at least this long before is refunded."
    )
    reschedule_limit = serializers.IntegerField(
        read_only=True, help_text="How many times a booking may be moved."
    )


class MarketplaceCoachProfileSerializer(MarketplaceCoachCardSerializer):
    """A published coach's public profile."""

    courses = MarketplaceCourseSummarySerializer(source="active_courses", many=True, read_only=True)
    policy = MarketplacePublicPolicySerializer(source="*", read_only=True)

    class Meta(MarketplaceCoachCardSerializer.Meta):
        fields = [*MarketplaceCoachCardSerializer.Meta.fields, "bio", "courses", "policy"]
        read_only_fields = fields


class MarketplacePublishSerializer(serializers.Serializer):
    published = serializers.BooleanField()


class MarketplacePublishedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Coach
        fields = ["id", "published", "published_at"]
        read_only_fields = fields
