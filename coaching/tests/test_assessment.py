"""The assessment API: the current questionnaire, submitting it (scores at once, the AI
analysis after commit through the offline provider), and the caller's results."""

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from ai.models import Generation, QuotaUsage
from analytics.models import Event
from coaching.ai_features import AssessmentAnalysis
from coaching.models import AssessmentResult, Questionnaire, Recommendation
from coaching.services.assessment import assessment_analysis_finished

from .factories import AssessmentResultFactory, ChoiceFactory, QuestionFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/coaching/assessment"
SUBMIT_URL = f"{URL}/submit"
RESULTS_URL = f"{URL}/results"
HISTORY_URL = f"{RESULTS_URL}/history"
SB, CS, AI = "strategic_builder", "creative_storyteller", "ai_interest"


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai):
    """The offline provider and known quotas (conftest.py)."""


@pytest.fixture
def questionnaire():
    """A small published questionnaire, newer than any other (the shipped one included)."""
    q = QuestionnaireFactory(title="Small", description="A short one.")
    start = QuestionFactory(
        questionnaire=q, key="start", order=1, type="single_choice", dimension=""
    )
    ChoiceFactory(question=start, value="plan", label="Plan", order=1, scores={SB: 3})
    ChoiceFactory(question=start, value="story", label="Story", order=2, scores={CS: 3})
    strengths = QuestionFactory(
        questionnaire=q, key="strengths", order=2, type="multiple_choice", dimension=""
    )
    ChoiceFactory(question=strengths, value="a", label="A", order=1, scores={SB: 1})
    ChoiceFactory(question=strengths, value="b", label="B", order=2, scores={CS: 1})
    QuestionFactory(questionnaire=q, key="vision", order=3, type="scale", dimension=SB)
    QuestionFactory(questionnaire=q, key="ai", order=4, type="scale", dimension=AI, weight=2)
    learn = QuestionFactory(
        questionnaire=q, key="learn", order=5, type="single_choice", dimension=""
    )
    ChoiceFactory(
        question=learn, value="hands_on", label="Hands on", scores={"learning_hands_on": 1}
    )
    ChoiceFactory(question=learn, value="reading", label="Reading", scores={"learning_reading": 1})
    QuestionFactory(
        questionnaire=q, key="goals", order=6, type="text", dimension="", required=False
    )
    return q


ANSWERS = {
    "start": "plan",
    "strengths": ["a", "b"],
    "vision": 4,
    "ai": 3,
    "learn": "reading",
    "goals": "  Grow my studio.  ",
}


def submit(client, questionnaire, answers=ANSWERS, **extra):
    return client.post(
        SUBMIT_URL, {"version": questionnaire.version, "answers": answers}, format="json", **extra
    )


# --- the questionnaire ------------------------------------------------------------------------


def test_the_current_questionnaire_is_shown_without_its_scoring(member_api, questionnaire):
    # given: an older published version and a newer draft
    QuestionnaireFactory(version=questionnaire.version - 1)
    QuestionnaireFactory(version=questionnaire.version + 1, is_published=False)

    # when
    response = member_api.get(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["title"], body["description"]) == (
        questionnaire.version,
        "Small",
        "A short one.",
    )
    assert [q["id"] for q in body["questions"]] == [
        "start",
        "strengths",
        "vision",
        "ai",
        "learn",
        "goals",
    ]
    assert body["questions"][0] == {
        "id": "start",
        "text": questionnaire.questions.get(key="start").text,
        "type": "single_choice",
        "required": True,
        "choices": [{"value": "plan", "label": "Plan"}, {"value": "story", "label": "Story"}],
        "min": None,
        "max": None,
        "min_label": None,
        "max_label": None,
    }
    assert body["questions"][2] == {
        "id": "vision",
        "text": questionnaire.questions.get(key="vision").text,
        "type": "scale",
        "required": True,
        "choices": [],
        "min": 1,
        "max": 5,
        "min_label": "Strongly disagree",
        "max_label": "Strongly agree",
    }
    assert body["questions"][5]["required"] is False


def test_the_questionnaire_takes_constant_queries(
    member_api, questionnaire, django_assert_num_queries
):
    # given: more questions and choices
    for n in range(5):
        extra = QuestionFactory(questionnaire=questionnaire, type="single_choice", dimension="")
        ChoiceFactory(question=extra, scores={SB: n})

    # then: user, questionnaire, questions, choices
    with django_assert_num_queries(4):
        assert member_api.get(URL).status_code == 200


def test_without_a_published_questionnaire_it_is_a_404(member_api):
    # given
    Questionnaire.objects.update(is_published=False)

    # when
    response = member_api.get(URL)

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "no_questionnaire", "attr": None}]


def test_the_questionnaire_needs_authentication(api, questionnaire):
    assert api.get(URL).status_code == 401


# --- submitting ---------------------------------------------------------------------------------


def test_a_submission_is_scored_at_once_and_analysed_after_commit(
    member, member_api, questionnaire, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(member_api, questionnaire)

    # then: the answer
    result = AssessmentResult.objects.get()
    generation = Generation.objects.get()
    result_url = f"http://testserver{RESULTS_URL}/{result.pk}"
    assert response.status_code == 202
    assert response.json() == {
        "id": str(result.pk),
        "status": "pending",
        "status_url": result_url,
        "generation": {
            "id": str(generation.pk),
            "status": "queued",
            "status_url": f"http://testserver/api/v1/ai/generations/{generation.pk}",
        },
    }
    assert response["Location"] == result_url
    # the scores: sb 3 + 1 + 4 of 9; cs 0 + 1 of 4; ai 2 * 3 of 10
    assert (result.user, result.questionnaire) == (member, questionnaire)
    assert result.answers == {**ANSWERS, "goals": "Grow my studio."}
    assert result.scores == {
        AI: 60,
        CS: 25,
        "learning_hands_on": 0,
        "learning_reading": 100,
        SB: 89,
    }
    assert (result.archetype, result.ai_interest, result.learning_style) == (SB, 60, "reading")
    # the analysis, by the offline provider, once committed
    assert (generation.feature, generation.status, generation.provider) == (
        "coaching.assessment_analysis",
        "succeeded",
        "offline",
    )
    assert generation.input["archetype"] == SB
    assert generation.input["answers"][1] == {
        "question": questionnaire.questions.get(key="strengths").text,
        "type": "multiple_choice",
        "answer": "A; B",
    }
    assert (result.generation, result.analysis_status) == (generation, "ready")
    assert result.analysis == generation.output
    AssessmentAnalysis.model_validate(result.analysis)
    recommendations = list(Recommendation.objects.order_by("created_at"))
    goals = result.analysis["suggested_goals"]
    assert [(r.title, r.description, r.confidence_score) for r in recommendations] == [
        (goal["title"], goal["description"], goal["confidence"]) for goal in goals
    ]
    assert {(r.user, r.assessment, r.kind) for r in recommendations} == {(member, result, "goal")}
    assert QuotaUsage.objects.get(user=member).used == 1
    event = Event.objects.get(name="assessment_submitted")
    assert (event.user_id, event.properties) == (
        member.pk,
        {
            "result_id": str(result.pk),
            "version": questionnaire.version,
            "archetype": SB,
            "analysis_queued": True,
        },
    )
    # and the status_url shows it
    followed = member_api.get(response.json()["status_url"])
    assert followed.json()["analysis_status"] == "ready"
    assert followed.json()["analysis"] == result.analysis


def test_a_retry_with_the_same_idempotency_key_creates_nothing_new(
    member_api, questionnaire, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(member_api, questionnaire, HTTP_IDEMPOTENCY_KEY="assess-1")

    # when
    again = submit(member_api, questionnaire, HTTP_IDEMPOTENCY_KEY="assess-1")

    # then
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (AssessmentResult.objects.count(), Generation.objects.count()) == (1, 1)


def test_a_used_up_quota_keeps_the_answers_and_scores(
    member_api, questionnaire, settings, django_capture_on_commit_callbacks
):
    # given
    settings.AI_QUOTAS = {"free": {"*": 20, "coaching.assessment_analysis": 0}}

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(member_api, questionnaire)

    # then
    result = AssessmentResult.objects.get()
    assert response.status_code == 202
    assert response.json() == {
        "id": str(result.pk),
        "status": "failed",
        "status_url": f"http://testserver{RESULTS_URL}/{result.pk}",
        "generation": None,
    }
    assert (result.scores[SB], result.analysis_status, result.generation) == (89, "failed", None)
    assert (Generation.objects.count(), QuotaUsage.objects.count()) == (0, 0)
    assert Event.objects.get(name="assessment_submitted").properties["analysis_queued"] is False


def test_a_failed_analysis_marks_the_result_failed(member, questionnaire):
    # given: a result whose generation failed
    result = AssessmentResultFactory(user=member, questionnaire=questionnaire)
    generation = Generation.objects.create(
        user=member,
        feature="coaching.assessment_analysis",
        provider="offline",
        model="offline",
        status=Generation.Status.FAILED,
    )
    result.generation = generation
    result.save()

    # when
    assessment_analysis_finished(generation=generation)

    # then
    result.refresh_from_db()
    assert (result.analysis_status, result.analysis) == ("failed", None)
    assert Recommendation.objects.count() == 0


def test_a_stale_version_is_refused(member_api, questionnaire):
    # given
    older = QuestionnaireFactory(version=questionnaire.version - 1)

    # when
    response = submit(member_api, older)

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "stale_version", "attr": "version"}]
    assert AssessmentResult.objects.count() == 0


def test_every_bad_answer_is_named(member_api, questionnaire):
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
    response = submit(member_api, questionnaire, answers)

    # then
    assert response.status_code == 400
    assert sorted(errors_of(response), key=lambda e: e["attr"]) == [
        {"code": "invalid", "attr": "answers.ai"},
        {"code": "unknown_question", "attr": "answers.extra"},
        {"code": "max_length", "attr": "answers.goals"},
        {"code": "required", "attr": "answers.learn"},
        {"code": "invalid_choice", "attr": "answers.start"},
        {"code": "duplicate", "attr": "answers.strengths"},
        {"code": "out_of_range", "attr": "answers.vision"},
    ]
    assert (AssessmentResult.objects.count(), Generation.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("start", ["plan"], "invalid_choice"),
        ("strengths", "a", "not_a_list"),
        ("strengths", [], "empty"),
        ("strengths", ["a", "z"], "invalid_choice"),
        ("vision", 0, "out_of_range"),
        ("vision", 2.5, "invalid"),
        ("goals", 5, "invalid"),
        ("learn", None, "required"),
    ],
)
def test_each_kind_of_bad_answer_is_named(member_api, questionnaire, key, value, code):
    response = submit(member_api, questionnaire, {**ANSWERS, key: value})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": code, "attr": f"answers.{key}"}]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [{"code": "required", "attr": "version"}, {"code": "required", "attr": "answers"}]),
        ({"version": "x", "answers": {}}, [{"code": "invalid", "attr": "version"}]),
        ({"version": 1, "answers": []}, [{"code": "not_a_dict", "attr": "answers"}]),
    ],
)
def test_a_malformed_submission_is_named(member_api, questionnaire, body, expected):
    response = member_api.post(SUBMIT_URL, body, format="json")

    assert response.status_code == 400
    assert errors_of(response) == expected


def test_submitting_without_a_published_questionnaire_is_a_404(member_api):
    # given
    Questionnaire.objects.update(is_published=False)

    # when
    response = member_api.post(SUBMIT_URL, {"version": 1, "answers": {}}, format="json")

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "no_questionnaire", "attr": None}]


def test_submitting_needs_authentication(api, questionnaire):
    response = submit(api, questionnaire)

    assert response.status_code == 401
    assert AssessmentResult.objects.count() == 0


# --- results ------------------------------------------------------------------------------------


def test_the_latest_result_is_shown(member, member_api, questionnaire):
    # given
    AssessmentResultFactory(user=member, questionnaire=questionnaire, archetype="old")
    latest = AssessmentResultFactory(
        user=member,
        questionnaire=questionnaire,
        answers={"vision": 4},
        learning_style="reading",
        analysis={"summary": "Good."},
        analysis_status="ready",
    )
    AssessmentResultFactory(questionnaire=questionnaire)  # another member's, newer

    # when
    response = member_api.get(RESULTS_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": str(latest.pk),
        "version": questionnaire.version,
        "archetype": SB,
        "scores": {SB: 80, AI: 60},
        "ai_interest": 60,
        "learning_style": "reading",
        "analysis": {"summary": "Good."},
        "analysis_status": "ready",
        "generation_id": None,
        "ai": None,
        "notes": "",
        "created_at": latest.created_at.isoformat().replace("+00:00", "Z"),
        "answers": {"vision": 4},
    }


def test_without_results_it_is_a_404(member_api):
    # given: another member's result
    AssessmentResultFactory()

    # when
    response = member_api.get(RESULTS_URL)

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "no_results", "attr": None}]


def test_one_result_by_id(member, member_api):
    # given
    result = AssessmentResultFactory(user=member)

    # when
    response = member_api.get(f"{RESULTS_URL}/{result.pk}")

    # then
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["answers"]) == (str(result.pk), {})


def test_another_members_result_is_a_404(member_api):
    # given
    result = AssessmentResultFactory()

    # when
    response = member_api.get(f"{RESULTS_URL}/{result.pk}")

    # then
    assert response.status_code == 404


def test_history_lists_the_callers_results_newest_first(member, member_api):
    # given
    older = AssessmentResultFactory(user=member)
    newer = AssessmentResultFactory(user=member)
    AssessmentResultFactory()

    # when
    response = member_api.get(HISTORY_URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["results"]] == [str(newer.pk), str(older.pk)]
    assert body["next"] is None
    assert "answers" not in body["results"][0]
    assert body["results"][0]["version"] == newer.questionnaire.version


@pytest.mark.parametrize("count", [1, 6])
def test_history_takes_constant_queries(member, member_api, count, django_assert_num_queries):
    # given
    AssessmentResultFactory.create_batch(count, user=member)

    # then: user, results with their questionnaire
    with django_assert_num_queries(2):
        response = member_api.get(HISTORY_URL)
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize(
    "path", [RESULTS_URL, HISTORY_URL, f"{RESULTS_URL}/{'0' * 8}-0000-0000-0000-{'0' * 12}"]
)
def test_results_need_authentication(api, path):
    assert api.get(path).status_code == 401


def test_another_member_does_not_see_results_in_history(member_api):
    AssessmentResultFactory(user=UserFactory())

    assert member_api.get(HISTORY_URL).json()["results"] == []
