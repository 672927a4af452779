"""A coach's performance (docs/API.md, marketplace): the query and the figures, defined in
``marketplace/selectors/performance.py``."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from ..selectors.performance import MAX_DAYS

DEFAULT_DAYS = 30
_RATE = {"min_value": 0, "max_value": 1, "allow_null": True}


class MarketplacePerformanceQuerySerializer(serializers.Serializer):
    """``?from=&to=``, the coach's local dates (inclusive); by default the 30 days ending
    today (``context["today"]``, the coach's local date)."""

    def get_fields(self):
        # ``from`` is a Python keyword: added here rather than in the class body.
        return {
            "from": serializers.DateField(
                required=False, help_text="The first date (the coach's local date)."
            ),
            "to": serializers.DateField(
                required=False,
                help_text=f"The last date, inclusive; at most {MAX_DAYS} days after `from`.",
            ),
        }

    def validate(self, attrs):
        last = attrs.get("to") or self.context["today"]
        first = attrs.get("from") or last - dt.timedelta(days=DEFAULT_DAYS - 1)
        if last < first:
            raise serializers.ValidationError(
                {"to": serializers.ErrorDetail("`to` is before `from`.", code="before_from")}
            )
        if (last - first).days + 1 > MAX_DAYS:
            raise serializers.ValidationError(
                {
                    "to": serializers.ErrorDetail(
                        f"At most {MAX_DAYS} days at a time.", code="range_too_long"
                    )
                }
            )
        return {"first": first, "last": last}


class MarketplaceCancellationRateSerializer(serializers.Serializer):
    by_client = serializers.FloatField(**_RATE)
    by_coach = serializers.FloatField(**_RATE)
    late = serializers.FloatField(**_RATE, help_text="Inside the free-cancellation window.")


class MarketplaceRevenueSerializer(serializers.Serializer):
    gross = serializers.IntegerField(help_text="Paid sessions, minor units.")
    refunded = serializers.IntegerField(help_text="Refunded of them, minor units.")
    net = serializers.IntegerField(help_text="`gross` - `refunded`.")
    currency = serializers.CharField(allow_null=True, help_text="Null without any session.")


class MarketplacePerformanceSerializer(serializers.Serializer):
    coach = serializers.UUIDField()
    timezone = serializers.CharField(help_text="The coach's IANA zone: the dates' zone.")
    sessions_completed = serializers.IntegerField()
    offered_minutes = serializers.IntegerField(help_text="Weekly hours and overrides.")
    booked_minutes = serializers.IntegerField(help_text="Confirmed, completed and no-show.")
    utilisation = serializers.FloatField(
        min_value=0, allow_null=True, help_text="Booked / offered; null when nothing offered."
    )
    cancellation_rate = MarketplaceCancellationRateSerializer()
    no_show_rate = serializers.FloatField(**_RATE)
    rating_avg = serializers.FloatField(allow_null=True)
    rating_count = serializers.IntegerField()
    csat = serializers.FloatField(**_RATE, help_text="The share of ratings of 4 or 5.")
    repeat_client_rate = serializers.FloatField(**_RATE)
    revenue = MarketplaceRevenueSerializer()

    def get_fields(self):
        declared = super().get_fields()
        declared["from"] = serializers.DateField()
        declared["to"] = serializers.DateField()
        return declared
