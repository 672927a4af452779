"""Reads of projects: lists with their artifact count, and a project's analytics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, QuerySet

from ..models import Artifact, PlanAction, Project


def projects_with_counts() -> QuerySet[Project]:
    """Projects, most recently changed first, each with ``artifact_count`` (one query per
    page: the owner filter is the view's)."""
    # Meta.ordering does not apply to an aggregating query: ordered here.
    return Project.objects.annotate(artifact_count=Count("artifacts")).order_by(
        "-updated_at", "-id"
    )


@dataclass
class ProjectAnalytics:
    artifacts_by_kind: dict[str, int]
    artifacts_total: int
    actions_done: int
    last_activity_at: datetime


def project_analytics(*, project: Project) -> ProjectAnalytics:
    """Two queries whatever the project holds:

    - its artifacts grouped by kind, with the latest ``updated_at`` of each group;
    - the plan actions its owner marked done since the project was created (projects are
      not linked to plans, so "actions done" is the member's progress while the project
      has existed).

    ``last_activity_at`` is the latest of the project's own ``updated_at`` and its
    artifacts'.
    """
    by_kind = {kind: 0 for kind in Artifact.Kind.values}
    last_activity = project.updated_at
    rows = (
        Artifact.objects.filter(project=project)
        .order_by()
        .values("kind")
        .annotate(count=Count("id"), last=Max("updated_at"))
    )
    for row in rows:
        by_kind[row["kind"]] = row["count"]
        if row["last"] and row["last"] > last_activity:
            last_activity = row["last"]
    actions_done = PlanAction.objects.filter(
        plan__user_id=project.user_id, done_at__gte=project.created_at
    ).count()
    return ProjectAnalytics(
        artifacts_by_kind=by_kind,
        artifacts_total=sum(by_kind.values()),
        actions_done=actions_done,
        last_activity_at=last_activity,
    )
