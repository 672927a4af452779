"""The caller's private calendar feed as the API shows it (docs/API.md, marketplace)."""

from rest_framework import serializers


class MarketplaceCalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(
        read_only=True,
        help_text="The feed's private address (iCalendar): anyone holding it can read the "
        "caller's bookings, so it is shown only to them; POST makes a new one.",
    )
