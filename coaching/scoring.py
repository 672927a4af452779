"""Checking and scoring assessment answers: pure functions, no database.

Both work on a questionnaire's questions (``Question`` rows with their ``choices``
prefetched, or anything with the same attributes) and the member's answers
``{question key: value}``.

Valid answers (:func:`answer_errors`):

- ``single_choice``: one of the question's choice values (a string);
- ``multiple_choice``: a non-empty list of distinct choice values;
- ``scale``: an integer from 1 to 5;
- ``text``: a string of at most ``TEXT_ANSWER_MAX_LENGTH`` characters (trimmed).

A required question must be answered; an optional one may be left out, or answered with
``null`` (and ``""`` for text), which counts as not answered. Keys that are not questions
of the version are refused.

Scores (:func:`score`). Each answer gives points to dimensions:

- a chosen choice adds its ``scores`` (``{dimension: points}``);
- a scale answer ``n`` adds ``weight * n`` to the question's ``dimension``;
- text is not scored (it goes to the AI analysis).

Each dimension's points are divided by the most it can reach in this questionnaire (the
best choice of each single-choice question, every positive choice of each multiple-choice
question, ``5 * weight`` for each scale question), times 100, rounded half up and kept
within 0-100. Negative points lower a dimension but never below 0. Every dimension the
questionnaire mentions is in the scores, unanswered ones at 0.

From the scores:

- ``ai_interest`` is the ``ai_interest`` dimension;
- ``learning_style`` is the best ``learning_<style>`` dimension, as ``<style>`` (``""``
  when no such dimension scored);
- ``archetype`` is the best of the other dimensions (``""`` when none scored).

Ties are broken by the dimension's name, alphabetically, so a result never depends on the
order rows come back in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

AI_INTEREST = "ai_interest"
LEARNING_PREFIX = "learning_"
SCALE_MIN, SCALE_MAX = 1, 5
TEXT_ANSWER_MAX_LENGTH = 2000

SINGLE, MULTIPLE, SCALE, TEXT = "single_choice", "multiple_choice", "scale", "text"


@dataclass(frozen=True)
class AnswerError:
    code: str
    message: str


@dataclass
class Scores:
    scores: dict[str, int] = field(default_factory=dict)
    archetype: str = ""
    ai_interest: int = 0
    learning_style: str = ""


def _choices(question) -> list:
    choices = question.choices
    return list(choices.all() if hasattr(choices, "all") else choices)


def clean_answers(
    questions: Iterable, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, AnswerError]]:
    """The answers as stored (text trimmed, unanswered optional questions left out) and
    every problem found, by question key: all of them at once."""
    by_key = {question.key: question for question in questions}
    cleaned: dict[str, Any] = {}
    errors: dict[str, AnswerError] = {}
    for key in answers:
        if key not in by_key:
            errors[key] = AnswerError(
                "unknown_question", "This is not a question of this questionnaire version."
            )
    for key, question in by_key.items():
        value = answers.get(key)
        if question.type == TEXT and isinstance(value, str):
            value = value.strip()
        if value is None or (question.type == TEXT and value == ""):
            if question.required:
                errors[key] = AnswerError("required", "This question needs an answer.")
            continue
        error = _answer_error(question, value)
        if error is not None:
            errors[key] = error
        else:
            cleaned[key] = value
    return cleaned, errors


def _answer_error(question, value) -> AnswerError | None:
    if question.type == SINGLE:
        valid = {choice.value for choice in _choices(question)}
        if not isinstance(value, str) or value not in valid:
            return AnswerError("invalid_choice", f"Choose one of: {', '.join(sorted(valid))}.")
    elif question.type == MULTIPLE:
        valid = {choice.value for choice in _choices(question)}
        if not isinstance(value, list):
            return AnswerError("not_a_list", "Answer with a list of choices.")
        if not value:
            return AnswerError("empty", "Choose at least one.")
        if any(not isinstance(item, str) or item not in valid for item in value):
            return AnswerError("invalid_choice", f"Choose among: {', '.join(sorted(valid))}.")
        if len(set(value)) != len(value):
            return AnswerError("duplicate", "Choose each answer once.")
    elif question.type == SCALE:
        if not isinstance(value, int) or isinstance(value, bool):
            return AnswerError("invalid", "Answer with a whole number from 1 to 5.")
        if not SCALE_MIN <= value <= SCALE_MAX:
            return AnswerError("out_of_range", "Answer with a whole number from 1 to 5.")
    elif question.type == TEXT:
        if not isinstance(value, str):
            return AnswerError("invalid", "Answer with text.")
        if len(value) > TEXT_ANSWER_MAX_LENGTH:
            return AnswerError(
                "max_length", f"Keep it to {TEXT_ANSWER_MAX_LENGTH} characters at most."
            )
    return None


def maximum_points(questions: Iterable) -> dict[str, float]:
    """The most points each dimension can reach in these questions."""
    reachable: dict[str, float] = {}

    def add(dimension: str, points: float) -> None:
        reachable[dimension] = reachable.get(dimension, 0.0) + max(points, 0.0)

    for question in questions:
        if question.type == SCALE and question.dimension:
            add(question.dimension, question.weight * SCALE_MAX)
        elif question.type == SINGLE:
            choices = _choices(question)
            dimensions = {dimension for choice in choices for dimension in choice.scores}
            for dimension in dimensions:
                add(dimension, max(choice.scores.get(dimension, 0) for choice in choices))
        elif question.type == MULTIPLE:
            for choice in _choices(question):
                for dimension, points in choice.scores.items():
                    add(dimension, points)
    return reachable


def score(questions: Iterable, answers: Mapping[str, Any]) -> Scores:
    """The scores of valid (cleaned) ``answers``; see the module docstring."""
    questions = list(questions)
    points = dict.fromkeys(maximum_points(questions), 0.0)
    for question in questions:
        value = answers.get(question.key)
        if value is None:
            continue
        if question.type == SCALE and question.dimension:
            points[question.dimension] += question.weight * value
        elif question.type in (SINGLE, MULTIPLE):
            chosen = {value} if question.type == SINGLE else set(value)
            for choice in _choices(question):
                if choice.value in chosen:
                    for dimension, amount in choice.scores.items():
                        points[dimension] = points.get(dimension, 0.0) + amount
    reachable = maximum_points(questions)
    scores = {
        dimension: _percent(points[dimension], reachable.get(dimension, 0.0))
        for dimension in sorted(points)
    }
    learning = {k: v for k, v in scores.items() if k.startswith(LEARNING_PREFIX)}
    archetypes = {
        k: v for k, v in scores.items() if k != AI_INTEREST and not k.startswith(LEARNING_PREFIX)
    }
    style = _best(learning)
    return Scores(
        scores=scores,
        archetype=_best(archetypes),
        ai_interest=scores.get(AI_INTEREST, 0),
        learning_style=style.removeprefix(LEARNING_PREFIX),
    )


def _percent(points: float, reachable: float) -> int:
    if reachable <= 0:
        return 0
    return max(0, min(100, math.floor(100 * points / reachable + 0.5)))


def _best(scores: dict[str, int]) -> str:
    """The highest-scoring dimension, alphabetically first among equals; "" if none scored."""
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked[0][0] if ranked and ranked[0][1] > 0 else ""
