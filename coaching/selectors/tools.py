"""Reads of the AI tools' artifacts."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Artifact, ArtifactVersion


def artifacts_of(*, kind: str) -> QuerySet[Artifact]:
    """Artifacts of one tool, each with its generation (the ``ai`` provenance); callers
    scope them to the member (OwnedQuerysetMixin)."""
    return Artifact.objects.filter(kind=kind).select_related("generation")


def versions_of(*, artifact: Artifact) -> QuerySet[ArtifactVersion]:
    """The artifact's earlier states, the latest first, with the artifact's generation:
    the first version is what it wrote."""
    return (
        ArtifactVersion.objects.filter(artifact=artifact)
        .select_related("artifact__generation")
        .order_by("-version")
    )
