from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from .models import Generation
from .selectors import provenance_of

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
        "incomplete_stream, provider_error, refused, invalid_output, truncated, cancelled or "
        "internal_error."
    )
    detail = serializers.CharField()


class AIProvenanceSerializer(serializers.Serializer):
    """Who wrote an AI-made object's content: every AI-made object carries it as `ai`, so
    a client can badge it and tell demo content (provider `offline`) apart."""

    provider = serializers.CharField(
        help_text="openai (any OpenAI-compatible endpoint), or offline: written without a "
        "model, for demos and development."
    )
    model = serializers.CharField(help_text="The model that wrote it (offline for offline).")
    generated_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was written; null while it is being generated."
    )


@extend_schema_field(AIProvenanceSerializer(allow_null=True))
class AIProvenanceField(serializers.Field):
    """The ``ai`` field of an AI-made object: ``{provider, model, generated_at}`` of the
    generation its ``source`` names (``generation`` by default), null for an object a person
    made. Its queryset must ``select_related`` that generation, or every row costs a query.
    A source may also hold the provenance itself (``ai.selectors.provenance_of``), for
    objects that keep it rather than a generation."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "generation")
        kwargs.setdefault(
            "help_text",
            "Who wrote this with AI: null when a person made it.",
        )
        kwargs["read_only"] = True
        kwargs["allow_null"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        provenance = value if isinstance(value, Mapping) else provenance_of(value)
        if provenance is None:
            return None
        return AIProvenanceSerializer(provenance).data


class GenerationSerializer(serializers.ModelSerializer):
    status = _status_field()
    error = GenerationErrorSerializer(allow_null=True, read_only=True)
    ai = AIProvenanceField(source="*")
    usage_estimated = serializers.BooleanField(
        read_only=True,
        help_text="The provider reported no usage: tokens_in and tokens_out are estimates.",
    )
    cost_usd = serializers.DecimalField(
        max_digits=12,
        decimal_places=6,
        read_only=True,
        allow_null=True,
        help_text="US dollars, priced when the generation finished (a string, e.g. "
        '"0.000250"); null while running and for a model without a price.',
    )

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
            "usage_estimated",
            "cost_usd",
            "latency_ms",
            "time_to_first_token_ms",
            "attempts",
            "error",
            "ai",
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
        "reply); null until it succeeds, and once expired. A cancelled streamed reply keeps "
        "the text it had reached.",
    )

    member_context = serializers.JSONField(
        read_only=True,
        help_text="What the prompts were told about the member (assessment, goals, plan, "
        "onboarding, preferences, time zone, today); null for a feature that is not about "
        "the member, and once expired.",
    )

    class Meta(GenerationSerializer.Meta):
        fields = [
            *GenerationSerializer.Meta.fields,
            "input",
            "output",
            "member_context",
            "content_cleared_at",
        ]
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
