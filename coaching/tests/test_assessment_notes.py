"""The member's notes on one of their assessment results (GET, PUT, PATCH on the result),
and the range that scale questions state and submissions are held to."""

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from coaching.models import NOTE_MAX_LENGTH, AssessmentResult

from .factories import AssessmentResultFactory, QuestionFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db

RESULTS_URL = "/api/v1/coaching/assessment/results"


def url_of(result) -> str:
    return f"{RESULTS_URL}/{result.pk}"


def state_of(result) -> dict:
    return AssessmentResult.objects.filter(pk=result.pk).values().get()


def test_put_writes_the_notes_and_nothing_else(member, member_api):
    # given
    result = AssessmentResultFactory(user=member, answers={"vision": 4})
    before = state_of(result)

    # when: a body that also tries to change what is not the member's to change
    response = member_api.put(
        url_of(result),
        {"notes": "  Ask my mentor about the strategic score.  ", "archetype": "x", "scores": {}},
        format="json",
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["notes"], body["archetype"], body["answers"]) == (
        str(result.pk),
        "Ask my mentor about the strategic score.",
        "strategic_builder",
        {"vision": 4},
    )
    after = state_of(result)
    assert after.pop("notes") == "Ask my mentor about the strategic score."
    assert after.pop("updated_at") >= before.pop("updated_at")
    before.pop("notes")
    assert after == before
    assert member_api.get(url_of(result)).json()["notes"] == body["notes"]


def test_patch_changes_the_notes_and_blank_clears_them(member, member_api):
    # given
    result = AssessmentResultFactory(user=member, notes="First thoughts.")

    # when
    unchanged = member_api.patch(url_of(result), {}, format="json")
    cleared = member_api.patch(url_of(result), {"notes": ""}, format="json")

    # then
    assert (unchanged.status_code, unchanged.json()["notes"]) == (200, "First thoughts.")
    assert (cleared.status_code, cleared.json()["notes"]) == (200, "")
    assert state_of(result)["notes"] == ""


def test_the_notes_show_in_the_latest_result_and_the_history(member, member_api):
    AssessmentResultFactory(user=member, notes="Mine.")

    latest = member_api.get(RESULTS_URL).json()
    history = member_api.get(f"{RESULTS_URL}/history").json()["results"]

    assert latest["notes"] == "Mine."
    assert [item["notes"] for item in history] == ["Mine."]


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("put", {}, [{"code": "required", "attr": "notes"}]),
        ("put", {"notes": None}, [{"code": "null", "attr": "notes"}]),
        (
            "put",
            {"notes": "x" * (NOTE_MAX_LENGTH + 1)},
            [{"code": "max_length", "attr": "notes"}],
        ),
        ("patch", {"notes": ["a list"]}, [{"code": "invalid", "attr": "notes"}]),
        (
            "patch",
            {"notes": "before\x00after"},
            [{"code": "null_characters_not_allowed", "attr": "notes"}],
        ),
    ],
)
def test_bad_notes_name_the_field_and_change_nothing(member, member_api, method, body, expected):
    # given
    result = AssessmentResultFactory(user=member, notes="Kept.")
    before = state_of(result)

    # when
    response = getattr(member_api, method)(url_of(result), body, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == expected
    assert state_of(result) == before


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_another_members_result_is_a_404_and_unchanged(member_api, method):
    # given
    result = AssessmentResultFactory(user=UserFactory(), notes="Theirs.")
    before = state_of(result)

    # when
    response = getattr(member_api, method)(url_of(result), {"notes": "Mine now."}, format="json")

    # then
    assert response.status_code == 404
    assert state_of(result) == before


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_notes_need_authentication(api, member, method):
    result = AssessmentResultFactory(user=member, notes="Kept.")

    response = getattr(api, method)(url_of(result), {"notes": "x"}, format="json")

    assert response.status_code == 401
    assert state_of(result)["notes"] == "Kept."


def test_writing_the_notes_takes_constant_queries(member, member_api, django_assert_num_queries):
    # given
    result = AssessmentResultFactory(user=member)

    # then: the user, the result with its questionnaire, the update in its transaction
    # (a savepoint inside the test's own, and its release)
    with django_assert_num_queries(5):
        response = member_api.patch(url_of(result), {"notes": "Short."}, format="json")
    assert response.status_code == 200


def test_the_notes_are_in_the_export(member, member_api):
    AssessmentResultFactory(user=member, notes="Exported too.")

    exported = member_api.get("/api/v1/me/export").json()["data"]["coaching.assessmentresult"]

    assert [row["notes"] for row in exported] == ["Exported too."]


# --- scale questions state their range, and answers are held to it -----------------------


@pytest.fixture
def scale_questionnaire():
    questionnaire = QuestionnaireFactory()
    QuestionFactory(questionnaire=questionnaire, key="vision", type="scale", dimension="sb")
    return questionnaire


def test_a_scale_question_states_its_range(member_api, scale_questionnaire):
    question = member_api.get("/api/v1/coaching/assessment").json()["questions"][0]

    assert {key: question[key] for key in ("type", "min", "max", "min_label", "max_label")} == {
        "type": "scale",
        "min": 1,
        "max": 5,
        "min_label": "Strongly disagree",
        "max_label": "Strongly agree",
    }


@pytest.mark.parametrize(("value", "accepted"), [(0, False), (1, True), (5, True), (6, False)])
def test_a_scale_answer_outside_the_stated_range_is_named(
    member_api, scale_questionnaire, offline_ai, value, accepted
):
    response = member_api.post(
        "/api/v1/coaching/assessment/submit",
        {"version": scale_questionnaire.version, "answers": {"vision": value}},
        format="json",
    )

    if accepted:
        assert response.status_code == 202
        assert AssessmentResult.objects.get().answers == {"vision": value}
    else:
        assert response.status_code == 400
        assert errors_of(response) == [{"code": "out_of_range", "attr": "answers.vision"}]
        assert AssessmentResult.objects.count() == 0
