"""The CRM's settings."""

from __future__ import annotations

import zoneinfo
from functools import cache

import phonenumbers
from rest_framework import serializers

from ..models import CrmSettings

MAX_POINTS = 1_000_000
MAX_DELAY_HOURS = 24 * 365


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class CrmSettingsSerializer(serializers.ModelSerializer):
    default_phone_region = serializers.CharField(
        max_length=2,
        allow_blank=True,
        required=False,
        help_text="ISO 3166 alpha-2 (e.g. `US`, `FR`), for numbers typed without +country code.",
    )
    timezone = serializers.CharField(
        max_length=64, required=False, help_text="IANA; default the profile's."
    )
    referral_points = serializers.IntegerField(min_value=0, max_value=MAX_POINTS, required=False)
    referee_points = serializers.IntegerField(min_value=0, max_value=MAX_POINTS, required=False)
    reward_delay_hours = serializers.IntegerField(
        min_value=0, max_value=MAX_DELAY_HOURS, required=False
    )

    class Meta:
        model = CrmSettings
        fields = [
            "default_phone_region",
            "timezone",
            "referral_points",
            "referee_points",
            "reward_delay_hours",
        ]

    def validate_default_phone_region(self, value: str) -> str:
        value = value.strip().upper()
        if value and value not in phonenumbers.SUPPORTED_REGIONS:
            raise serializers.ValidationError("Not an ISO 3166 region code with phone numbers.")
        return value

    def validate_timezone(self, value: str) -> str:
        if value not in _time_zones():
            raise serializers.ValidationError("Not an IANA time zone.")
        return value
