"""Projects and their analytics."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Project


class ProjectSerializer(serializers.ModelSerializer):
    artifact_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "duplicated_from",
            "artifact_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "duplicated_from", "artifact_count", "created_at", "updated_at"]


class ArtifactsByKindSerializer(serializers.Serializer):
    roadmap = serializers.IntegerField()
    brand = serializers.IntegerField()
    content = serializers.IntegerField()
    document = serializers.IntegerField()


class ProjectAnalyticsSerializer(serializers.Serializer):
    artifacts_by_kind = ArtifactsByKindSerializer()
    artifacts_total = serializers.IntegerField()
    actions_done = serializers.IntegerField(
        help_text="Plan actions the member marked done since the project was created."
    )
    last_activity_at = serializers.DateTimeField(
        help_text="The latest change to the project or one of its artifacts."
    )
