"""Shapes of the directory: member cards, tiers, and the staff's tier change."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import fields

from ..models import Membership, Tier
from ..selectors.directory import profile_of, tier_of


class TierSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["slug", "name", "rank"]
        read_only_fields = fields


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["slug", "name", "rank", "perks"]
        read_only_fields = fields


class DirectoryMemberSerializer(serializers.Serializer):
    """A member as the directory shows them: their public profile and their tier."""

    id = serializers.UUIDField(read_only=True)
    display_name = serializers.SerializerMethodField()
    headline = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    industry = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()

    def _profile_field(self, user, name: str) -> str:
        profile = profile_of(user)
        return getattr(profile, name) if profile is not None else ""

    def get_display_name(self, user) -> str:
        return self._profile_field(user, "display_name")

    def get_headline(self, user) -> str:
        return self._profile_field(user, "headline")

    def get_company(self, user) -> str:
        return self._profile_field(user, "company")

    def get_position(self, user) -> str:
        return self._profile_field(user, "position")

    def get_industry(self, user) -> str:
        return self._profile_field(user, "industry")

    @extend_schema_field(TierSummarySerializer(allow_null=True))
    def get_tier(self, user):
        tier = tier_of(user)
        return None if tier is None else TierSummarySerializer(tier).data


class MembershipSerializer(serializers.ModelSerializer):
    """A member's standing after a tier change: the member's id, the tier, and when it
    last changed."""

    id = serializers.UUIDField(source="user_id", read_only=True)
    tier = TierSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "tier", "tier_changed_at"]
        read_only_fields = fields


class TierChangeSerializer(serializers.Serializer):
    tier = fields.SlugRelatedField(
        slug_field="slug",
        queryset=Tier.objects.all(),
        allow_null=True,
        help_text="The slug of the tier to give the member, or null for no tier.",
    )
