"""After a session (docs/API.md, marketplace): the client's feedback, as its two sides and
as the public see it (no client named), and the no-show mark."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Booking, Feedback


class MarketplaceFeedbackCreateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="1 (poor) to 5.")
    comment = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Plain text, trimmed, stored as typed; never rendered as HTML.",
    )


class MarketplaceFeedbackSerializer(serializers.ModelSerializer):
    """A booking's feedback, to its client and coach."""

    booking = serializers.UUIDField(source="booking_id", read_only=True)

    class Meta:
        model = Feedback
        fields = ["id", "booking", "rating", "comment", "created_at"]
        read_only_fields = fields


class MarketplacePublicFeedbackSerializer(serializers.ModelSerializer):
    """One rating in a coach's public list: the client is not named."""

    class Meta:
        model = Feedback
        fields = ["rating", "comment", "created_at"]
        read_only_fields = fields


class MarketplaceNoShowSerializer(serializers.Serializer):
    party = serializers.ChoiceField(
        choices=[Booking.Party.CLIENT, Booking.Party.COACH],
        help_text="Who did not come: the coach marks `client`, the client marks `coach`.",
    )
