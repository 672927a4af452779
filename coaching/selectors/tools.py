"""Reads of the AI tools' artifacts."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Artifact, ArtifactVersion


def versions_of(*, artifact: Artifact) -> QuerySet[ArtifactVersion]:
    """The artifact's earlier states, the latest first."""
    return ArtifactVersion.objects.filter(artifact=artifact).order_by("-version")
