"""The assessment: submitting answers (scored at once, analysed by the AI afterwards) and
the staff's questionnaire versions.

Submitting (:func:`assessment_submit`) stores an ``AssessmentResult`` with the answers and
the scores (coaching/scoring.py) in one transaction and queues the
``coaching.assessment_analysis`` generation, which runs after commit. When it finishes,
:func:`assessment_analysis_finished` (the feature's ``on_finish``) stores its output as the
result's ``analysis`` and turns its suggested goals into ``Recommendation`` rows, or marks
the analysis failed. A failed generation retried through ``POST /ai/generations/{id}/retry``
fills the same result when it succeeds.

When the member's AI quota is used up the answers are not lost: the result is stored with
its scores, ``analysis_status`` ``failed`` and no generation, and the submission is still
accepted (the scores need no AI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ai import quotas
from ai import selectors as ai_selectors
from ai import services as ai_services
from analytics.services import track
from core.exceptions import DomainError

from .. import scoring
from ..ai_features import ASSESSMENT_ANALYSIS
from ..models import (
    AssessmentResult,
    Choice,
    GenerationStatus,
    Question,
    Questionnaire,
    Recommendation,
)
from .progress import evaluate_badges

if TYPE_CHECKING:
    from accounts.models import User
    from ai.models import Generation


@transaction.atomic
def assessment_submit(
    *, user: User, questionnaire: Questionnaire, answers: dict[str, Any]
) -> AssessmentResult:
    """Store ``user``'s ``answers`` to ``questionnaire`` (already cleaned by
    ``scoring.clean_answers``, its questions and choices prefetched) with their scores,
    and queue the AI analysis. A used-up quota leaves the analysis ``failed`` (see the
    module docstring); anything else the gateway raises rolls the submission back."""
    questions = list(questionnaire.questions.all())
    scores = scoring.score(questions, answers)
    result = AssessmentResult.objects.create(
        user=user,
        questionnaire=questionnaire,
        answers=answers,
        scores=scores.scores,
        archetype=scores.archetype,
        ai_interest=scores.ai_interest,
        learning_style=scores.learning_style,
    )
    try:
        generation = ai_services.generate(
            user=user,
            feature=ASSESSMENT_ANALYSIS.name,
            inputs=analysis_inputs(questionnaire=questionnaire, result=result),
        )
    except quotas.QuotaExceeded:
        result.analysis_status = GenerationStatus.FAILED
        result.save(update_fields=["analysis_status", "updated_at"])
    else:
        result.generation = generation
        result.save(update_fields=["generation", "updated_at"])
    track(
        "assessment_submitted",
        user,
        result_id=str(result.pk),
        version=questionnaire.version,
        archetype=result.archetype,
        analysis_queued=result.generation_id is not None,
    )
    evaluate_badges(user=user)
    return result


def analysis_inputs(*, questionnaire: Questionnaire, result: AssessmentResult) -> dict[str, Any]:
    """What the AI is asked: the scores and every answer as the member saw it (question
    text and choice labels), so the prompt needs no lookups."""
    answered = []
    for question in questionnaire.questions.all():
        if question.key not in result.answers:
            continue
        value = result.answers[question.key]
        labels = {choice.value: choice.label for choice in question.choices.all()}
        if question.type == Question.Type.SINGLE:
            answer = labels.get(value, value)
        elif question.type == Question.Type.MULTIPLE:
            answer = "; ".join(labels.get(item, item) for item in value)
        elif question.type == Question.Type.SCALE:
            answer = f"{value} of 5"
        else:
            answer = value
        answered.append({"question": question.text, "type": question.type, "answer": answer})
    return {
        "archetype": result.archetype,
        "scores": [
            {"dimension": dimension, "score": value} for dimension, value in result.scores.items()
        ],
        "ai_interest": result.ai_interest,
        "learning_style": result.learning_style,
        "answers": answered,
    }


@transaction.atomic
def assessment_analysis_finished(*, generation: Generation) -> None:
    """``on_finish`` of ``coaching.assessment_analysis``: fill the result the generation
    was made for. Safe to run twice: a result that is ready already is left alone."""
    result = (
        AssessmentResult.objects.select_for_update().filter(generation_id=generation.pk).first()
    )
    if result is None or result.analysis_status == GenerationStatus.READY:
        return
    if generation.status != ai_selectors.SUCCEEDED or not generation.output:
        result.analysis_status = GenerationStatus.FAILED
        result.save(update_fields=["analysis_status", "updated_at"])
        return
    result.analysis = generation.output
    result.analysis_status = GenerationStatus.READY
    result.save(update_fields=["analysis", "analysis_status", "updated_at"])
    Recommendation.objects.bulk_create(
        Recommendation(
            user_id=result.user_id,
            assessment=result,
            generation=generation,
            kind=Recommendation.Kind.GOAL,
            title=goal["title"],
            description=goal["description"],
            confidence_score=goal["confidence"],
        )
        for goal in generation.output.get("suggested_goals", [])
    )


@transaction.atomic
def assessment_result_notes_set(*, result: AssessmentResult, notes: str) -> AssessmentResult:
    """Set the member's own notes on one of their results (blank clears them). Nothing
    else of a result changes after submission: the notes are the member's annotation."""
    result.notes = notes
    result.save(update_fields=["notes", "updated_at"])
    return result


# --- questionnaire versions (staff, in the admin) -----------------------------------------


@transaction.atomic
def questionnaire_copy(*, questionnaire: Questionnaire) -> Questionnaire:
    """A new unpublished draft with the next version number and copies of every question
    and choice of ``questionnaire``: the way to change a version members have answered."""
    latest = Questionnaire.objects.aggregate(latest=Max("version"))["latest"] or 0
    draft = Questionnaire.objects.create(
        version=latest + 1,
        title=questionnaire.title,
        description=questionnaire.description,
        is_published=False,
    )
    for question in questionnaire.questions.prefetch_related("choices"):
        copy = Question.objects.create(
            questionnaire=draft,
            key=question.key,
            order=question.order,
            text=question.text,
            type=question.type,
            required=question.required,
            dimension=question.dimension,
            weight=question.weight,
        )
        Choice.objects.bulk_create(
            Choice(
                question=copy,
                value=choice.value,
                label=choice.label,
                order=choice.order,
                scores=dict(choice.scores),
            )
            for choice in question.choices.all()
        )
    return draft


@transaction.atomic
def questionnaire_publish(*, questionnaire: Questionnaire) -> Questionnaire:
    """Publish ``questionnaire``: if it has the highest published version, members take it
    from now on. Refused (400) without questions, or with a choice question without
    choices."""
    questions = list(questionnaire.questions.prefetch_related("choices"))
    if not questions:
        raise DomainError("A questionnaire needs questions to be published.", code="empty")
    for question in questions:
        needs_choices = question.type in (Question.Type.SINGLE, Question.Type.MULTIPLE)
        if needs_choices and not question.choices.all():
            raise DomainError(
                f"The question {question.key!r} needs choices to be published.",
                code="no_choices",
            )
    if not questionnaire.is_published:
        questionnaire.is_published = True
        questionnaire.published_at = timezone.now()
        questionnaire.save(update_fields=["is_published", "published_at", "updated_at"])
    return questionnaire


@transaction.atomic
def questionnaire_unpublish(*, questionnaire: Questionnaire) -> Questionnaire:
    """Withdraw ``questionnaire``: members take the highest published version left. Its
    results stay, read against it."""
    if questionnaire.is_published:
        questionnaire.is_published = False
        questionnaire.save(update_fields=["is_published", "updated_at"])
    return questionnaire
