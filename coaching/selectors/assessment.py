"""Reads of the assessment: the questionnaire members take and their results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from core.permissions import owned_by

from ..models import AssessmentResult, Choice, Question, Questionnaire

if TYPE_CHECKING:
    from accounts.models import User


def questionnaire_with_questions(queryset: QuerySet | None = None) -> QuerySet:
    """Questionnaires with their questions and choices, in order: three queries whatever
    their number."""
    queryset = Questionnaire.objects.all() if queryset is None else queryset
    return queryset.prefetch_related(
        Prefetch(
            "questions",
            queryset=Question.objects.order_by("order", "key").prefetch_related(
                Prefetch("choices", queryset=Choice.objects.order_by("order", "value"))
            ),
        )
    )


def current_questionnaire() -> Questionnaire | None:
    """The questionnaire members take: the published one with the highest version, with
    its questions and choices; ``None`` when none is published."""
    return (
        questionnaire_with_questions(Questionnaire.objects.filter(is_published=True))
        .order_by("-version")
        .first()
    )


def results_of(user: User) -> QuerySet:
    """``user``'s assessment results, newest first, each with its questionnaire version and
    the generation of its analysis (the ``ai`` provenance)."""
    results = AssessmentResult.objects.select_related("questionnaire", "generation")
    return owned_by(results, user).order_by("-created_at", "-id")


def latest_result(user: User) -> AssessmentResult | None:
    return results_of(user).first()
