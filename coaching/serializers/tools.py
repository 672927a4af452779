"""The AI tools: generation requests (one serializer per tool, with its options), artifacts,
edits, versions and scheduling."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ai.serializers import AIProvenanceField, GenerationAcceptedSerializer
from core import fields

from ..ai_features import CONTENT_CHANNELS, DOCUMENT_TYPES
from ..models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, Artifact, ArtifactVersion, Project

CONTENT_TONES = ("professional", "friendly", "bold", "playful", "inspiring")
HORIZON_MONTHS_MAX = 36


@extend_schema_field(OpenApiTypes.UUID)
class CallerProjectField(fields.PrimaryKeyRelatedField):
    """A project id among the caller's projects: another member's (or none) is a 400."""

    def get_queryset(self):
        request = self.context["request"]
        return Project.objects.filter(user=request.user)


class ToolGenerateSerializer(serializers.Serializer):
    """What every tool takes; subclasses add the tool's options."""

    prompt = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, help_text="What the member wants, in their own words."
    )
    project = CallerProjectField(
        required=False, allow_null=True, help_text="One of the caller's projects to file it in."
    )

    option_names: tuple[str, ...] = ()

    def options(self) -> dict:
        return {
            name: self.validated_data[name]
            for name in self.option_names
            if self.validated_data.get(name) not in (None, "")
        }


class RoadmapGenerateSerializer(ToolGenerateSerializer):
    target_role = serializers.CharField(
        max_length=TITLE_MAX_LENGTH, required=False, allow_blank=True
    )
    horizon_months = serializers.IntegerField(
        min_value=1, max_value=HORIZON_MONTHS_MAX, required=False, allow_null=True
    )

    option_names = ("target_role", "horizon_months")


class BrandGenerateSerializer(ToolGenerateSerializer):
    audience = serializers.CharField(max_length=300, required=False, allow_blank=True)

    option_names = ("audience",)


class ContentGenerateSerializer(ToolGenerateSerializer):
    channel = serializers.ChoiceField(choices=CONTENT_CHANNELS)
    tone = serializers.ChoiceField(choices=CONTENT_TONES, required=False)

    option_names = ("channel", "tone")


class DocumentGenerateSerializer(ToolGenerateSerializer):
    doc_type = serializers.ChoiceField(choices=DOCUMENT_TYPES)

    option_names = ("doc_type",)


GENERATE_SERIALIZERS: dict[str, type[ToolGenerateSerializer]] = {
    Artifact.Kind.ROADMAP: RoadmapGenerateSerializer,
    Artifact.Kind.BRAND: BrandGenerateSerializer,
    Artifact.Kind.CONTENT: ContentGenerateSerializer,
    Artifact.Kind.DOCUMENT: DocumentGenerateSerializer,
}


class ArtifactAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The artifact's id.")
    status = serializers.CharField(help_text="pending, ready or failed.")
    status_url = serializers.URLField(help_text="The artifact: poll it until it is ready.")
    generation = GenerationAcceptedSerializer()


class ArtifactSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="pending, ready or failed.")
    content = serializers.SerializerMethodField()
    ai = AIProvenanceField(
        help_text="Who wrote the first version of the content; the member may have edited "
        "it since (`version` > 1)."
    )

    class Meta:
        model = Artifact
        fields = [
            "id",
            "kind",
            "title",
            "prompt",
            "options",
            "content",
            "version",
            "status",
            "project",
            "generation",
            "ai",
            "publish_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.JSONField(
            allow_null=True, help_text="The tool's structured output; null until ready."
        )
    )
    def get_content(self, artifact: Artifact):
        return artifact.content


class ArtifactUpdateSerializer(serializers.Serializer):
    """PUT takes both fields, PATCH either."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    content = serializers.JSONField(
        help_text="The whole content, in the tool's schema (as generated)."
    )


class ArtifactVersionSerializer(serializers.ModelSerializer):
    ai = AIProvenanceField(
        help_text="Who wrote this state: the first version is the tool's answer, later ones "
        "the member's edits (null)."
    )

    class Meta:
        model = ArtifactVersion
        fields = ["version", "title", "content", "ai", "created_at"]
        read_only_fields = fields


class ContentScheduleSerializer(serializers.Serializer):
    publish_at = serializers.DateTimeField(help_text="When to publish; in the future.")
