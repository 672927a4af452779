"""Bookings as the API shows them (docs/API.md, marketplace): people by first name only,
instants in UTC."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import fields

from ..models import Booking, BookingEvent, Course, Quote

_TIMESTAMP = serializers.DateTimeField()


def timestamp(value: dt.datetime | None) -> str | None:
    """A datetime as the API writes it (ISO 8601, UTC), or None."""
    return None if value is None else _TIMESTAMP.to_representation(value)


def first_name(user) -> str | None:
    """The first word of the member's display name; None for an erased or unnamed one."""
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    name = (getattr(profile, "display_name", "") or "").strip()
    return name.split()[0] if name else None


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


# --- input ----------------------------------------------------------------------------------


def bookable_courses():
    return Course.objects.filter(
        active=True, kind=Course.Kind.ONE_TO_ONE, coach__published=True
    ).select_related("coach")


def enrolable_sessions():
    return Booking.objects.filter(
        kind=Booking.Kind.GROUP, coach__published=True, course__active=True
    ).select_related("coach")


class MarketplaceBookingCreateSerializer(serializers.Serializer):
    """Either ``course`` and ``start`` (a one-to-one booking, ``quote`` optional), or
    ``session`` (a seat in a group session)."""

    course = fields.PrimaryKeyRelatedField(
        queryset=bookable_courses(),
        required=False,
        help_text="An active one-to-one course of a published coach (with `start`).",
    )
    start = serializers.DateTimeField(
        required=False,
        help_text="The session's start, one of the course's listed slots (UTC).",
    )
    session = fields.PrimaryKeyRelatedField(
        queryset=enrolable_sessions(),
        required=False,
        help_text="A group session to take a seat in (instead of `course` and `start`).",
    )
    quote = fields.PrimaryKeyRelatedField(
        queryset=Quote.objects.all(),
        required=False,
        help_text="The caller's unexpired quote for this course and start: its price holds.",
    )
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="For the coach."
    )

    def validate_start(self, value):
        return _utc(value)

    def validate(self, attrs):
        if "session" in attrs:
            for name in ("course", "start", "quote"):
                if name in attrs:
                    raise serializers.ValidationError(
                        {name: "Send either `session`, or `course` and `start`."},
                        code="invalid",
                    )
            return attrs
        for name in ("course", "start"):
            if name not in attrs:
                raise serializers.ValidationError(
                    {name: "This field is required."}, code="required"
                )
        return attrs


class MarketplaceBookingRescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The new start, a listed slot (UTC).")
    version = serializers.IntegerField(
        min_value=1, help_text="The booking's `version` as last read."
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_start(self, value):
        return _utc(value)


class MarketplaceBookingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MarketplaceBookingFilterSerializer(serializers.Serializer):
    """The list's query parameters."""

    role = serializers.ChoiceField(
        choices=["client", "coach"], required=False, help_text="Only one side."
    )
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)

    def get_fields(self):
        # ``from`` is a Python keyword: added here rather than in the class body.
        declared = super().get_fields()
        declared["from"] = serializers.DateTimeField(
            required=False, help_text="Starts at or after this instant."
        )
        declared["to"] = serializers.DateTimeField(
            required=False, help_text="Starts before this instant."
        )
        return declared


# --- output ---------------------------------------------------------------------------------


class MarketplaceBookingCourseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    duration_minutes = serializers.IntegerField()


class MarketplaceBookingCoachSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    first_name = serializers.CharField(allow_null=True)


class MarketplaceBookingClientSerializer(serializers.Serializer):
    first_name = serializers.CharField(allow_null=True)


class MarketplaceBookingPriceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (cents).")
    currency = serializers.CharField()


class MarketplaceBookingCancellationSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=Booking.Party.choices)
    at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)
    late = serializers.BooleanField(help_text="Inside the coach's free-cancellation window.")


class MarketplaceBookingRefundSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        help_text="Minor units: being refunded (`pending`), refunded so far (`refunded`), "
        "or 0 (`none`: a late cancel by the client refunds nothing)."
    )
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "refunded", "none"])


class MarketplaceBookingPaymentSerializer(serializers.Serializer):
    id = serializers.CharField()
    client_secret = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()


class MarketplaceBookingSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=Booking.Kind.choices, read_only=True)
    status = serializers.ChoiceField(choices=Booking.Status.choices, read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    coach_tz = serializers.CharField(source="coach.timezone", read_only=True)
    client_tz = serializers.SerializerMethodField()
    course = MarketplaceBookingCourseSerializer(read_only=True)
    coach = serializers.SerializerMethodField()
    client = serializers.SerializerMethodField()
    note = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    price = serializers.SerializerMethodField()
    payment_status = serializers.ChoiceField(choices=Booking.PaymentStatus.choices, read_only=True)
    refund = serializers.SerializerMethodField()
    hold_expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancellation = serializers.SerializerMethodField()
    free_cancel_until = serializers.SerializerMethodField()
    reschedules_left = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_client_tz(self, booking: Booking) -> str | None:
        profile = getattr(booking.client, "profile", None) if booking.client_id else None
        return profile.timezone if profile is not None else None

    @extend_schema_field(MarketplaceBookingCoachSerializer)
    def get_coach(self, booking: Booking) -> dict:
        return {"id": booking.coach_id, "first_name": first_name(booking.coach.user)}

    @extend_schema_field(MarketplaceBookingClientSerializer(allow_null=True))
    def get_client(self, booking: Booking) -> dict | None:
        if booking.client_id is None:
            return None
        return {"first_name": first_name(booking.client)}

    @extend_schema_field(MarketplaceBookingPriceSerializer)
    def get_price(self, booking: Booking) -> dict:
        return {"amount": booking.price_amount, "currency": booking.currency}

    @extend_schema_field(MarketplaceBookingCancellationSerializer(allow_null=True))
    def get_cancellation(self, booking: Booking) -> dict | None:
        if booking.status != Booking.Status.CANCELLED:
            return None
        return {
            "by": booking.cancelled_by,
            "at": timestamp(booking.cancelled_at),
            "reason": booking.cancel_reason,
            "late": booking.late_cancel,
        }

    @extend_schema_field(MarketplaceBookingRefundSerializer(allow_null=True))
    def get_refund(self, booking: Booking) -> dict | None:
        """The money going back, by the coach's policy: null for a booking never paid, or
        paid and neither cancelled nor refunded."""
        status = booking.payment_status
        if status == Booking.PaymentStatus.REFUND_PENDING:
            shown = {"amount": booking.price_amount, "status": "pending"}
        elif booking.amount_refunded:
            shown = {"amount": booking.amount_refunded, "status": "refunded"}
        elif status == Booking.PaymentStatus.PAID and booking.status == Booking.Status.CANCELLED:
            shown = {"amount": 0, "status": "none"}
        else:
            return None
        return {**shown, "currency": booking.currency}

    @extend_schema_field(serializers.DateTimeField())
    def get_free_cancel_until(self, booking: Booking) -> str | None:
        return timestamp(booking.start - dt.timedelta(hours=booking.coach.free_cancel_hours))

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_reschedules_left(self, booking: Booking) -> int:
        return max(0, booking.coach.reschedule_limit - booking.reschedule_count)


class MarketplaceBookingCreatedSerializer(MarketplaceBookingSerializer):
    """A new booking (or the caller's own live hold), with the hold's payment when billing
    made one."""

    payment = serializers.SerializerMethodField()

    @extend_schema_field(MarketplaceBookingPaymentSerializer(allow_null=True))
    def get_payment(self, booking: Booking) -> dict | None:
        payment = self.context.get("payment")
        if not payment:
            return None
        return {key: payment[key] for key in ("id", "client_secret", "amount", "currency")}


class MarketplaceBookingEventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = BookingEvent
        fields = ["at", "actor", "action", "old_start", "new_start", "reason"]
