"""Scoring and checking answers (coaching/scoring.py), and the questionnaire the app ships
(coaching/migrations/0002_default_questionnaire.py)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps

from coaching import scoring
from coaching.models import Choice, Question, Questionnaire
from coaching.scoring import AnswerError

default_migration = importlib.import_module("coaching.migrations.0002_default_questionnaire")


def question(key, type, *, required=True, dimension="", weight=1.0, choices=()):
    return SimpleNamespace(
        key=key,
        type=type,
        required=required,
        dimension=dimension,
        weight=weight,
        choices=[SimpleNamespace(value=value, scores=scores) for value, scores in choices],
    )


SB, CS, AI = "strategic_builder", "creative_storyteller", "ai_interest"

QUESTIONS = [
    question(
        "start",
        "single_choice",
        choices=[("plan", {SB: 3}), ("story", {CS: 3}), ("both", {SB: 1, CS: 1})],
    ),
    question(
        "strengths",
        "multiple_choice",
        choices=[("a", {SB: 1}), ("b", {CS: 1}), ("c", {SB: 1})],
    ),
    question("vision", "scale", dimension=SB),
    question("ai", "scale", dimension=AI, weight=2.0),
    question(
        "learn",
        "single_choice",
        choices=[("hands_on", {"learning_hands_on": 1}), ("reading", {"learning_reading": 1})],
    ),
    question("goals", "text", required=False),
]


def test_maximum_points_per_dimension():
    # when
    reachable = scoring.maximum_points(QUESTIONS)

    # then: sb = best choice 3 + both positive choices 2 + 5 * 1; cs = 3 + 1; ai = 5 * 2
    assert reachable == {
        SB: 10.0,
        CS: 4.0,
        AI: 10.0,
        "learning_hands_on": 1.0,
        "learning_reading": 1.0,
    }


def test_scores_are_points_over_the_maximum_reachable():
    # given
    answers = {"start": "plan", "strengths": ["a", "b"], "vision": 4, "ai": 3, "learn": "reading"}

    # when
    result = scoring.score(QUESTIONS, answers)

    # then: sb 3 + 1 + 4 = 8 of 10; cs 1 of 4; ai 2 * 3 = 6 of 10
    assert result.scores == {
        AI: 60,
        CS: 25,
        "learning_hands_on": 0,
        "learning_reading": 100,
        SB: 80,
    }
    assert (result.archetype, result.ai_interest, result.learning_style) == (SB, 60, "reading")


def test_ties_go_to_the_alphabetically_first_dimension():
    # given: two dimensions each, always equal
    questions = [
        question("q", "single_choice", choices=[("x", {"b_dim": 1, "a_dim": 1})]),
        question("l", "single_choice", choices=[("y", {"learning_z": 1, "learning_a": 1})]),
    ]

    # when
    result = scoring.score(questions, {"q": "x", "l": "y"})

    # then
    assert (result.archetype, result.learning_style) == ("a_dim", "a")


def test_scores_round_half_up_and_unscored_dimensions_give_no_archetype():
    # given: one point of eight is 12.5%
    questions = [
        question("m", "multiple_choice", choices=[(f"c{n}", {"x": 1}) for n in range(8)]),
        question("ai", "scale", dimension=AI),
    ]

    # when
    result = scoring.score(questions, {"m": ["c0"]})

    # then
    assert result.scores == {AI: 0, "x": 13}
    assert (result.archetype, result.ai_interest, result.learning_style) == ("x", 0, "")
    assert scoring.score(questions, {}).archetype == ""


def test_negative_points_never_go_below_zero():
    questions = [question("q", "single_choice", choices=[("up", {"x": 2}), ("down", {"x": -3})])]

    assert scoring.score(questions, {"q": "down"}).scores == {"x": 0}


def test_clean_answers_keeps_valid_answers_and_trims_text():
    # given
    answers = {
        "start": "plan",
        "strengths": ["c", "a"],
        "vision": 5,
        "ai": 1,
        "learn": "hands_on",
        "goals": "  Grow my business.  ",
    }

    # when
    cleaned, errors = scoring.clean_answers(QUESTIONS, answers)

    # then
    assert errors == {}
    assert cleaned == {**answers, "goals": "Grow my business."}


def test_optional_questions_may_be_left_out_or_empty():
    base = {"start": "plan", "strengths": ["a"], "vision": 5, "ai": 1, "learn": "hands_on"}

    for extra in ({}, {"goals": None}, {"goals": "   "}):
        cleaned, errors = scoring.clean_answers(QUESTIONS, {**base, **extra})
        assert (cleaned, errors) == (base, {})


def test_every_bad_answer_is_reported_at_once():
    # given
    answers = {
        "start": "nope",
        "strengths": ["a", "a"],
        "vision": 6,
        "ai": "3",
        "goals": "x" * 2001,
        "extra": 1,
    }

    # when
    cleaned, errors = scoring.clean_answers(QUESTIONS, answers)

    # then
    assert {key: error.code for key, error in errors.items()} == {
        "extra": "unknown_question",
        "start": "invalid_choice",
        "strengths": "duplicate",
        "vision": "out_of_range",
        "ai": "invalid",
        "learn": "required",
        "goals": "max_length",
    }
    assert all(isinstance(error, AnswerError) and error.message for error in errors.values())


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("start", ["plan"], "invalid_choice"),
        ("start", 1, "invalid_choice"),
        ("strengths", "a", "not_a_list"),
        ("strengths", [], "empty"),
        ("strengths", ["a", "z"], "invalid_choice"),
        ("strengths", [1], "invalid_choice"),
        ("vision", 0, "out_of_range"),
        ("vision", 2.5, "invalid"),
        ("vision", True, "invalid"),
        ("goals", 5, "invalid"),
        ("start", None, "required"),
    ],
)
def test_each_kind_of_bad_answer(key, value, code):
    answers = {"start": "plan", "strengths": ["a"], "vision": 5, "ai": 1, "learn": "hands_on"}

    _, errors = scoring.clean_answers(QUESTIONS, {**answers, key: value})

    assert {k: e.code for k, e in errors.items()} == {key: code}


# --- the shipped questionnaire -------------------------------------------------------------


def _load_default():
    """Run the data migration's loader on a database without the shipped version (with
    migrations it is there already; with --nomigrations it never was)."""
    Questionnaire.objects.filter(version=1).delete()
    default_migration.load_questionnaire(django_apps, None)
    return Questionnaire.objects.get(version=1)


@pytest.mark.django_db
def test_the_default_questionnaire_loads_published_with_its_questions():
    # when
    questionnaire = _load_default()

    # then
    data = default_migration.DEFAULT_QUESTIONNAIRE
    assert questionnaire.is_published and questionnaire.published_at is not None
    assert questionnaire.title == data["title"]
    questions = list(questionnaire.questions.order_by("order"))
    assert [q.key for q in questions] == [spec["key"] for spec in data["questions"]]
    assert len(questions) == 14
    assert Choice.objects.filter(question__questionnaire=questionnaire).count() == 29
    assert [q.key for q in questions if not q.required] == ["goals_in_your_words"]
    types = {q.type for q in questions}
    assert types == set(Question.Type.values)


@pytest.mark.django_db
def test_the_default_questionnaire_covers_archetypes_ai_interest_and_learning_styles():
    # given
    questionnaire = _load_default()
    questions = list(questionnaire.questions.prefetch_related("choices"))

    # when
    reachable = scoring.maximum_points(questions)

    # then
    assert reachable == {
        "strategic_builder": 17.0,
        "creative_storyteller": 17.0,
        "people_connector": 17.0,
        "analytical_optimizer": 17.0,
        "ai_interest": 16.0,
        "learning_hands_on": 1.0,
        "learning_structured_course": 1.0,
        "learning_community": 1.0,
        "learning_reading": 1.0,
    }


@pytest.mark.django_db
def test_the_default_questionnaire_loads_once_and_unloads():
    # given
    _load_default()

    # when
    default_migration.load_questionnaire(django_apps, None)

    # then
    assert Questionnaire.objects.filter(version=1).count() == 1
    default_migration.unload_questionnaire(django_apps, None)
    assert not Questionnaire.objects.filter(version=1).exists()
    assert not Question.objects.filter(questionnaire__version=1).exists()
