"""Recommendations (output only) and the profile-optimisation request."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..selectors.recommendations import related

FOCUS_MAX_LENGTH = 200


class RecommendedTierSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    rank = serializers.IntegerField()


class RecommendedMemberSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    display_name = serializers.SerializerMethodField()
    headline = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    industry = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()

    def _profile(self, member, name: str) -> str:
        profile = related(member, "profile")
        return getattr(profile, name) if profile is not None else ""

    def get_display_name(self, member) -> str:
        return self._profile(member, "display_name")

    def get_headline(self, member) -> str:
        return self._profile(member, "headline")

    def get_company(self, member) -> str:
        return self._profile(member, "company")

    def get_position(self, member) -> str:
        return self._profile(member, "position")

    def get_industry(self, member) -> str:
        return self._profile(member, "industry")

    @staticmethod
    def _tier(member):
        membership = related(member, "membership")
        return membership.tier if membership is not None else None

    @extend_schema_field(RecommendedTierSerializer(allow_null=True))
    def get_tier(self, member) -> dict | None:
        tier = self._tier(member)
        return RecommendedTierSerializer(tier).data if tier is not None else None


class ReasonsMatchedSerializer(serializers.Serializer):
    goals = serializers.ListField(
        child=serializers.CharField(), help_text="The caller's goals this member shares."
    )
    skills = serializers.ListField(
        child=serializers.CharField(), help_text="The caller's skills this member shares."
    )
    industry = serializers.BooleanField(help_text="Same industry (case-insensitive).")
    tier = serializers.BooleanField(source="tier_matched", help_text="Same or adjacent tier.")


class RecommendationSerializer(serializers.Serializer):
    member = RecommendedMemberSerializer()
    confidence = serializers.FloatField(
        min_value=0, max_value=1, help_text="0 to 1, from the weighted overlaps."
    )
    reasons_matched = ReasonsMatchedSerializer(source="*")
    reason = serializers.CharField(help_text="One short sentence on why to connect.")
    reason_source = serializers.ChoiceField(
        choices=["ai", "template"],
        help_text="`ai`: written by the AI today; `template`: built from the overlaps.",
    )


class RecommendationsSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The UTC day the AI reasons belong to.")
    reasons_pending = serializers.BooleanField(
        help_text="AI reasons for this list are being written; ask again in a moment (or "
        "wait for `ai.generation.updated` of `community.connection_reasons`)."
    )
    results = RecommendationSerializer(many=True)


class ProfileOptimizeRequestSerializer(serializers.Serializer):
    focus = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=FOCUS_MAX_LENGTH,
        help_text="Optional: what the profile should achieve (e.g. 'find co-founders').",
    )
