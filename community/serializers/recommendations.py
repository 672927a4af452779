"""Recommendations (output only) and the profile-optimisation request."""

from rest_framework import serializers

from .directory import DirectoryMemberSerializer

FOCUS_MAX_LENGTH = 200


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
    member = DirectoryMemberSerializer()
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
