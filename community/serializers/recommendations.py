"""Recommendations (output only) and the profile-optimisation request."""

from rest_framework import serializers

from ai.serializers import AIProvenanceField

from .directory import DirectoryMemberSerializer

FOCUS_MAX_LENGTH = 200


class LabelledValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The stored value (a slug of the onboarding choices).")
    label = serializers.CharField(help_text="What to show for it.")


class ReasonsMatchedSerializer(serializers.Serializer):
    goals = LabelledValueSerializer(
        many=True, source="goals_labelled", help_text="The caller's goals this member shares."
    )
    skills = LabelledValueSerializer(
        many=True, source="skills_labelled", help_text="The caller's skills this member shares."
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
    ai = AIProvenanceField(
        source="reason_ai",
        help_text="Who wrote the reason; null for a reason built from the overlaps.",
    )
    is_applied = serializers.BooleanField(
        help_text="The caller applied this member (`POST .../recommendations/{member_id}/apply`)."
    )
    applied_at = serializers.DateTimeField(allow_null=True, help_text="When, if applied.")


class RecommendationStateSerializer(serializers.Serializer):
    """A recommended member and whether the caller applied them (the apply endpoint's
    answer)."""

    member = DirectoryMemberSerializer()
    is_applied = serializers.BooleanField()
    applied_at = serializers.DateTimeField(allow_null=True)


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
