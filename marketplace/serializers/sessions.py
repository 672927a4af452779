"""Shapes of a coach's group sessions (docs/API.md, marketplace, ``me/coach/sessions``):
seat holders by first name only, instants in UTC."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import fields

from ..models import Booking, Course
from .bookings import first_name


class MarketplaceSessionCreateSerializer(serializers.Serializer):
    course = fields.PrimaryKeyRelatedField(
        queryset=Course.objects.none(),
        help_text="One of the caller's active group courses (free of charge).",
    )
    start = serializers.DateTimeField(help_text="A listed start of the course (UTC).")

    def __init__(self, *args, coach=None, **kwargs):
        super().__init__(*args, **kwargs)
        if coach is not None:
            self.fields["course"].queryset = Course.objects.filter(
                coach=coach, kind=Course.Kind.GROUP, active=True
            ).select_related("coach")

    def validate_start(self, value):
        return value.astimezone(dt.UTC)


class MarketplaceSessionCourseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    duration_minutes = serializers.IntegerField()


class MarketplaceSessionEnrolmentSerializer(serializers.Serializer):
    first_name = serializers.CharField(allow_null=True)
    enrolled_at = serializers.DateTimeField()


class MarketplaceSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    course = MarketplaceSessionCourseSerializer(read_only=True)
    status = serializers.ChoiceField(choices=Booking.Status.choices, read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    seats_left = serializers.SerializerMethodField()
    enrolments = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_seats_left(self, session: Booking) -> int:
        return max(session.capacity - len(self._seats(session)), 0)

    @extend_schema_field(MarketplaceSessionEnrolmentSerializer(many=True))
    def get_enrolments(self, session: Booking) -> list[dict]:
        return [
            {
                "first_name": first_name(seat.client),
                "enrolled_at": serializers.DateTimeField().to_representation(seat.created_at),
            }
            for seat in self._seats(session)
        ]

    @staticmethod
    def _seats(session: Booking) -> list:
        seats = getattr(session, "seats", None)
        if seats is None:
            # A session just written: read its seats (the list prefetches them).
            seats = list(
                session.enrolments.filter(cancelled_at__isnull=True)
                .select_related("client__profile")
                .order_by("created_at", "id")
            )
            session.seats = seats
        return seats
