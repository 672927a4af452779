from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from .models import Generation

SUMMARY_MAX_CHARACTERS = 20_000


def _status_field() -> serializers.CharField:
    # A plain string, as in core/health.py: an enum here would collide with the other
    # ``status`` enums of the schema.
    return serializers.CharField(
        read_only=True, help_text=f"One of: {', '.join(Generation.Status.values)}."
    )


class GenerationErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="rate_limited, provider_unavailable, timeout, connection_error, "
        "provider_error, refused, invalid_output, truncated, cancelled or internal_error."
    )
    detail = serializers.CharField()


class GenerationSerializer(serializers.ModelSerializer):
    status = _status_field()
    error = GenerationErrorSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Generation
        fields = [
            "id",
            "feature",
            "status",
            "streamed",
            "provider",
            "model",
            "prompt_version",
            "tokens_in",
            "tokens_out",
            "latency_ms",
            "time_to_first_token_ms",
            "attempts",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class GenerationDetailSerializer(GenerationSerializer):
    input = serializers.JSONField(
        read_only=True, help_text="What the generation was asked; null once expired."
    )
    output = serializers.JSONField(
        read_only=True,
        help_text="The validated answer (structured per feature; {text} for a streamed "
        "reply); null until it succeeds, and once expired.",
    )

    class Meta(GenerationSerializer.Meta):
        fields = [*GenerationSerializer.Meta.fields, "input", "output", "content_cleared_at"]
        read_only_fields = fields


class GenerationAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = _status_field()
    status_url = serializers.URLField(help_text="Poll it, or listen for ai.generation.updated.")


class TextSummaryRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=SUMMARY_MAX_CHARACTERS, help_text="The text to summarise."
    )


class UsageFeatureSerializer(serializers.Serializer):
    feature = serializers.CharField()
    description = serializers.CharField()
    cost = serializers.IntegerField(help_text="Quota units one generation takes.")
    daily_limit = serializers.IntegerField(help_text="Units per UTC day on the caller's plan.")
    used_today = serializers.IntegerField()
    remaining_today = serializers.IntegerField()
    used_this_month = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    plan = serializers.CharField()
    day = serializers.DateField(help_text="Today, in UTC: the day quotas count.")
    resets_at = serializers.DateTimeField(help_text="The next UTC midnight.")
    features = UsageFeatureSerializer(many=True)


# --- error bodies the schema documents beyond drf-standardized-errors' own ----------------


class ConflictErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["not_retryable", "input_expired"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ConflictErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = ConflictErrorSerializer(many=True)


class QuotaErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["throttled", "quota_exceeded"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class QuotaErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = QuotaErrorSerializer(many=True)
