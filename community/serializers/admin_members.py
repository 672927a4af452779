"""Shapes of staff's member list and member page, and what staff may send."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import search
from accounts import selectors as account_selectors
from core import fields

from ..models import Tier
from ..selectors import admin_members as selectors
from ..selectors.directory import profile_of, tier_of
from .directory import TierSummarySerializer


class StaffMemberSerializer(serializers.Serializer):
    """One account as staff see it, in the list and on its own."""

    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)
    is_staff = serializers.BooleanField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)
    last_seen = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="The latest sign-in or token refresh; null when never seen.",
    )
    email_verified = serializers.BooleanField(read_only=True)
    plan = serializers.SerializerMethodField()

    def get_plan(self, user) -> str:
        """From the view's ``plans`` (the page's plans read at once), else the member's own."""
        plans = self.context.get("plans") or {}
        return plans[user.pk] if user.pk in plans else account_selectors.plan_for(user)

    def get_display_name(self, user) -> str:
        profile = profile_of(user)
        return profile.display_name if profile is not None else ""

    @extend_schema_field(TierSummarySerializer(allow_null=True))
    def get_tier(self, user):
        tier = tier_of(user)
        return None if tier is None else TierSummarySerializer(tier).data


class StaffMemberQuerySerializer(serializers.Serializer):
    """The query string of staff's member list."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=search.SEARCH_MAX_LENGTH,
        help_text="Words to find in the display name or the email (each word anywhere in "
        "either, case-insensitive).",
    )
    tier = fields.SlugRelatedField(
        slug_field="slug",
        queryset=Tier.objects.all(),
        required=False,
        help_text="Only members of the tier with this slug; an unknown slug is a 400.",
    )
    status = serializers.ChoiceField(
        choices=selectors.STATUSES, required=False, help_text="active or inactive."
    )
    joined_after = serializers.DateField(
        required=False, help_text="Joined on or after this day (UTC)."
    )
    joined_before = serializers.DateField(
        required=False, help_text="Joined on or before this day (UTC)."
    )
    last_seen_after = serializers.DateField(
        required=False, help_text="Last seen on or after this day (UTC)."
    )
    last_seen_before = serializers.DateField(
        required=False, help_text="Last seen on or before this day (UTC)."
    )
    ordering = serializers.ChoiceField(
        choices=selectors.ORDERINGS,
        default=selectors.DEFAULT_ORDERING,
        help_text="-date_joined (newest first, the default), date_joined, -last_seen "
        "(never seen last) or email.",
    )

    def validate(self, attrs):
        for after, before in (
            ("joined_after", "joined_before"),
            ("last_seen_after", "last_seen_before"),
        ):
            if after in attrs and before in attrs and attrs[before] < attrs[after]:
                raise serializers.ValidationError(
                    {before: f"Must be on or after {after}."}, code="invalid_range"
                )
        return attrs


class StaffMemberUpdateSerializer(serializers.Serializer):
    tier = fields.SlugRelatedField(
        slug_field="slug",
        queryset=Tier.objects.all(),
        allow_null=True,
        required=False,
        help_text="The slug of the tier to give the member, or null for no tier.",
    )
    is_active = serializers.BooleanField(
        required=False,
        help_text="false closes the account and ends its sessions; true reopens it.",
    )
