"""Shapes of price quotes (docs/API.md, marketplace, ``quotes``)."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from core import fields

from .bookings import bookable_courses


class MarketplaceQuoteRequestSerializer(serializers.Serializer):
    course = fields.PrimaryKeyRelatedField(
        queryset=bookable_courses(),
        help_text="An active one-to-one course of a published coach.",
    )
    start = serializers.DateTimeField(help_text="A listed start of the course (UTC).")

    def validate_start(self, value):
        return value.astimezone(dt.UTC)


class MarketplaceQuoteSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    amount = serializers.IntegerField(read_only=True, help_text="Minor units (cents).")
    currency = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(
        read_only=True, help_text="Name the quote in a booking before this instant (UTC)."
    )
