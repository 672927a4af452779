import pytest
from django.utils import timezone

from accounts.models import Onboarding
from analytics.models import Event

from .helpers import errors_of

pytestmark = pytest.mark.django_db

FLOW = "/api/v1/onboarding/flow"
AGE = "/api/v1/onboarding/age-verification"
PREFERENCES = "/api/v1/onboarding/preferences"
SKILLS = "/api/v1/onboarding/skill-goals"
COMPLETE = "/api/v1/onboarding/complete"

ADULT_YEAR = timezone.now().year - 30
GOOD_PREFERENCES = {"target_preferences": ["professional"], "goals": ["networking", "sales"]}
GOOD_SKILLS = {
    "primary_skills": ["small_talk", "negotiation"],
    "specific_challenges": ["nervousness"],
    "experience_level": "beginner",
    "practice_frequency": "daily",
}


def test_a_new_member_starts_at_the_age_check(member_api):
    response = member_api.get(FLOW)

    assert response.status_code == 200
    assert response.json() == {
        "steps": [
            {"step": "age_verification", "status": "pending", "completed_at": None},
            {"step": "preferences", "status": "pending", "completed_at": None},
            {"step": "skill_goals", "status": "pending", "completed_at": None},
        ],
        "current_step": "age_verification",
        "percent_complete": 0,
        "completed": False,
        "completed_at": None,
    }


def test_the_whole_flow_in_order(member_api, member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        age = member_api.post(AGE, {"birth_year": ADULT_YEAR})
        preferences = member_api.post(PREFERENCES, GOOD_PREFERENCES)
        skills = member_api.post(SKILLS, GOOD_SKILLS)
        complete = member_api.post(COMPLETE)

    # then
    assert (age.json()["current_step"], age.json()["percent_complete"]) == ("preferences", 33)
    assert (preferences.json()["current_step"], preferences.json()["percent_complete"]) == (
        "skill_goals",
        67,
    )
    assert (skills.json()["current_step"], skills.json()["percent_complete"]) == (None, 100)
    assert complete.status_code == 200
    assert complete.json()["completed"] is True
    onboarding = Onboarding.objects.get(user=member)
    assert onboarding.is_adult is True
    assert onboarding.goals == ["networking", "sales"]
    assert onboarding.primary_skills == ["small_talk", "negotiation"]
    assert onboarding.experience_level == "beginner"
    assert onboarding.completed_at is not None
    assert list(
        Event.objects.filter(user=member).order_by("occurred_at").values_list("name", "properties")
    ) == [
        ("onboarding_step", {"step": "age_verification"}),
        ("onboarding_step", {"step": "preferences"}),
        ("onboarding_step", {"step": "skill_goals"}),
        ("onboarding_completed", {}),
    ]
    assert member_api.get("/api/v1/auth/me").json()["onboarding"] == {
        "completed": True,
        "current_step": None,
        "pending_steps": [],
    }


def test_the_birth_year_is_not_stored(member_api, member):
    member_api.post(AGE, {"birth_year": ADULT_YEAR})

    values = Onboarding.objects.filter(user=member).values().get()
    assert ADULT_YEAR not in values.values()
    assert str(ADULT_YEAR) not in str(values)


@pytest.mark.parametrize("years_ago", [0, 17, 18])
def test_a_member_who_may_be_under_18_is_refused(member_api, member, years_ago):
    # when
    response = member_api.post(AGE, {"birth_year": timezone.now().year - years_ago})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "underage", "attr": "birth_year"}]
    onboarding = Onboarding.objects.get(user=member)
    assert onboarding.is_adult is False
    assert member_api.get(FLOW).json()["current_step"] == "age_verification"
    assert member_api.post(PREFERENCES, GOOD_PREFERENCES).status_code == 400


def test_someone_born_19_years_ago_is_certainly_an_adult(member_api):
    response = member_api.post(AGE, {"birth_year": timezone.now().year - 19})

    assert response.status_code == 200


def test_steps_must_come_in_order(member_api, member):
    # when
    early_preferences = member_api.post(PREFERENCES, GOOD_PREFERENCES)
    early_skills = member_api.post(SKILLS, GOOD_SKILLS)

    # then
    assert errors_of(early_preferences) == [{"code": "step_pending", "attr": "age_verification"}]
    assert errors_of(early_skills) == [
        {"code": "step_pending", "attr": "age_verification"},
        {"code": "step_pending", "attr": "preferences"},
    ]
    onboarding = Onboarding.objects.get(user=member)
    assert (onboarding.goals, onboarding.primary_skills) == ([], [])


def test_complete_lists_every_missing_step(member_api, member):
    member_api.post(AGE, {"birth_year": ADULT_YEAR})

    response = member_api.post(COMPLETE)

    assert response.status_code == 400
    assert errors_of(response) == [
        {"code": "step_pending", "attr": "preferences"},
        {"code": "step_pending", "attr": "skill_goals"},
    ]
    assert Onboarding.objects.get(user=member).completed_at is None


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        (AGE, {}, [{"code": "required", "attr": "birth_year"}]),
        (AGE, {"birth_year": "nineteen"}, [{"code": "invalid", "attr": "birth_year"}]),
        (AGE, {"birth_year": 1850}, [{"code": "min_value", "attr": "birth_year"}]),
        (AGE, {"birth_year": timezone.now().year + 1}, [{"code": "invalid", "attr": "birth_year"}]),
        (
            PREFERENCES,
            {"target_preferences": ["aliens"], "goals": ["sales"]},
            [{"code": "invalid_choice", "attr": "target_preferences.0"}],
        ),
        (
            PREFERENCES,
            {"target_preferences": ["social"], "goals": []},
            [{"code": "empty", "attr": "goals"}],
        ),
        (
            PREFERENCES,
            {"target_preferences": "social", "goals": ["sales"]},
            [{"code": "not_a_list", "attr": "target_preferences"}],
        ),
        (
            SKILLS,
            {**GOOD_SKILLS, "experience_level": "guru"},
            [{"code": "invalid_choice", "attr": "experience_level"}],
        ),
        (
            SKILLS,
            {**GOOD_SKILLS, "primary_skills": ["telepathy"]},
            [{"code": "invalid_choice", "attr": "primary_skills.0"}],
        ),
        (
            SKILLS,
            {**GOOD_SKILLS, "practice_frequency": None},
            [{"code": "null", "attr": "practice_frequency"}],
        ),
    ],
)
def test_bad_input_names_the_field(member_api, url, body, expected):
    response = member_api.post(url, body)

    assert response.status_code == 400
    assert errors_of(response) == expected


def test_too_many_choices_are_refused(member_api):
    member_api.post(AGE, {"birth_year": ADULT_YEAR})

    response = member_api.post(
        PREFERENCES, {"target_preferences": ["social"] * 11, "goals": ["sales"]}
    )

    assert errors_of(response) == [{"code": "max_length", "attr": "target_preferences"}]


@pytest.mark.parametrize("url", [FLOW, AGE, PREFERENCES, SKILLS, COMPLETE])
def test_onboarding_requires_authentication(api, url):
    response = api.get(url) if url == FLOW else api.post(url, {})

    assert response.status_code == 401
