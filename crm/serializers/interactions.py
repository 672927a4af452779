"""Interactions in and out."""

from __future__ import annotations

import datetime as dt

from django.core.validators import RegexValidator
from django.utils import timezone
from rest_framework import serializers

from ..models import Interaction

NOTES_MAX_LENGTH = 5000
# Clocks differ a little; anything later than this is a typo, not a contact that happened.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
CURRENCY = RegexValidator(r"^[A-Za-z]{3}$", "An ISO 4217 three-letter code.")


class InteractionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices)
    occurred_at = serializers.DateTimeField(
        required=False, help_text="Default now; not in the future."
    )
    channel = serializers.CharField(max_length=50, required=False, allow_blank=True)
    amount = serializers.IntegerField(
        min_value=0,
        max_value=10**12,
        required=False,
        allow_null=True,
        help_text="A sale's amount in minor units; needs `currency`.",
    )
    currency = serializers.CharField(
        required=False, allow_blank=True, validators=[CURRENCY], help_text="ISO 4217."
    )
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Stored as HTML-safe text: tags removed, `&` and `<` entity-encoded.",
    )

    def validate_occurred_at(self, value):
        if value > timezone.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError("An interaction cannot be in the future.")
        return value

    def validate(self, attrs):
        current = self.instance
        kind = attrs.get("kind", current.kind if current else None)
        amount = attrs.get("amount", current.amount if current else None)
        currency = attrs.get("currency", current.currency if current else "")
        if amount is not None and kind != Interaction.Kind.SALE:
            raise serializers.ValidationError(
                {"amount": "Only a sale has an amount."}, code="invalid"
            )
        if amount is not None and not currency:
            raise serializers.ValidationError(
                {"currency": "An amount needs its currency."}, code="required"
            )
        return attrs


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "kind",
            "occurred_at",
            "channel",
            "amount",
            "currency",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
