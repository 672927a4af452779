"""Export, erasure and retention of coaching's rows: everything a member made here is
theirs, exported whole and erased with them (plans, actions, milestones and artifact
versions go with the rows they belong to). Plans and artifacts whose generation failed hold
nothing but the request; they are purged after ``COACHING_FAILED_RETENTION_DAYS``."""

import datetime as dt

from django.conf import settings

from core import privacy

from .models import (
    Artifact,
    AssessmentResult,
    BadgeAward,
    DevelopmentPlan,
    GenerationStatus,
    Goal,
    ProgressEntry,
    Project,
    Recommendation,
    XPAward,
)


def _failed_before(model):
    def rule(now):
        cutoff = now - dt.timedelta(days=settings.COACHING_FAILED_RETENTION_DAYS)
        return model.objects.filter(status=GenerationStatus.FAILED, updated_at__lt=cutoff)

    return rule


privacy.register(
    AssessmentResult,
    export_fields=(
        "id",
        "questionnaire__version",
        "answers",
        "scores",
        "archetype",
        "ai_interest",
        "learning_style",
        "analysis",
        "notes",
        "created_at",
    ),
)
privacy.register(
    DevelopmentPlan,
    export_fields=("id", "version", "title", "summary", "starts_on", "status", "created_at"),
    retention=_failed_before(DevelopmentPlan),
    retention_note="plans whose generation failed, after COACHING_FAILED_RETENTION_DAYS",
)
privacy.register(
    Recommendation,
    export_fields=(
        "id",
        "kind",
        "title",
        "description",
        "confidence_score",
        "is_applied",
        "applied_at",
        "created_at",
    ),
)
privacy.register(
    Goal,
    export_fields=(
        "id",
        "title",
        "description",
        "target_date",
        "status",
        "progress",
        "completed_at",
        "created_at",
    ),
)
privacy.register(
    ProgressEntry, export_fields=("goal_id", "action_id", "value", "note", "created_at")
)
privacy.register(XPAward, export_fields=("amount", "reason", "source_id", "created_at"))
privacy.register(BadgeAward, export_fields=("badge", "created_at"))
privacy.register(Project, export_fields=("id", "name", "description", "created_at"))
privacy.register(
    Artifact,
    export_fields=(
        "id",
        "kind",
        "project_id",
        "title",
        "prompt",
        "options",
        "content",
        "version",
        "publish_at",
        "created_at",
    ),
    retention=_failed_before(Artifact),
    retention_note="AI tool artifacts whose generation failed, after COACHING_FAILED_RETENTION_DAYS",
)
