import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.urls import resolve
from django.utils import timezone

from accounts import choices
from accounts.models import Onboarding
from accounts.serializers import ONBOARDING_STEPS
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
    body = response.json()
    assert [
        (step["step"], step["status"], step["completed_at"], step["path"]) for step in body["steps"]
    ] == [
        ("age_verification", "pending", None, AGE),
        ("preferences", "pending", None, PREFERENCES),
        ("skill_goals", "pending", None, SKILLS),
    ]
    assert [step["answers"] for step in body["steps"]] == [
        {"is_adult": None},
        {
            "target_gender": None,
            "target_age_min": None,
            "target_age_max": None,
            "relationship_goal": None,
            "target_preferences": [],
            "goals": [],
        },
        {
            "primary_skills": [],
            "specific_challenges": [],
            "experience_level": None,
            "practice_frequency": None,
        },
    ]
    assert {key: body[key] for key in body if key != "steps"} == {
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
        (
            AGE,
            {"birth_year": timezone.now().year + 1},
            [{"code": "max_value", "attr": "birth_year"}],
        ),
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


# --- the conversation-practice product's vocabulary -------------------------------------

PRODUCT_PREFERENCES = {
    "target_gender": "female",
    "target_age_min": 22,
    "target_age_max": 30,
    "relationship_goal": "dating",
}
PRODUCT_SKILLS = {
    "primary_skills": ["conversation_starters", "flow_maintenance"],
    "specific_challenges": ["approach_anxiety", "maintaining_interest"],
    "experience_level": "beginner",
    "practice_frequency": "daily",
}


def answers_of(response, step: str) -> dict:
    return next(s["answers"] for s in response.json()["steps"] if s["step"] == step)


@pytest.fixture
def adult_api(member_api):
    """``member_api`` past the age check."""
    assert member_api.post(AGE, {"birth_year": ADULT_YEAR}).status_code == 200
    return member_api


def test_the_products_preferences_are_stored_and_shown_back(adult_api, member):
    # when
    response = adult_api.post(PREFERENCES, PRODUCT_PREFERENCES, format="json")

    # then
    assert response.status_code == 200
    assert answers_of(response, "preferences") == {
        **PRODUCT_PREFERENCES,
        "target_preferences": [],
        "goals": [],
    }
    assert response.json()["current_step"] == "skill_goals"
    stored = Onboarding.objects.filter(user=member).values(*PRODUCT_PREFERENCES).get()
    assert stored == PRODUCT_PREFERENCES
    assert answers_of(adult_api.get(FLOW), "preferences") == answers_of(response, "preferences")


def test_the_products_skill_goals_are_stored_and_shown_back(adult_api, member):
    # given
    adult_api.post(PREFERENCES, PRODUCT_PREFERENCES, format="json")

    # when
    response = adult_api.post(SKILLS, PRODUCT_SKILLS, format="json")

    # then
    assert response.status_code == 200
    assert answers_of(response, "skill_goals") == PRODUCT_SKILLS
    assert Onboarding.objects.filter(user=member).values(*PRODUCT_SKILLS).get() == PRODUCT_SKILLS
    assert (response.json()["current_step"], response.json()["percent_complete"]) == (None, 100)


def test_both_vocabularies_may_be_given_together(adult_api, member):
    response = adult_api.post(
        PREFERENCES,
        {**PRODUCT_PREFERENCES, **GOOD_PREFERENCES, "target_age_max": 22},
        format="json",
    )

    assert response.status_code == 200
    assert answers_of(response, "preferences") == {
        **PRODUCT_PREFERENCES,
        "target_age_max": 22,
        "target_preferences": ["professional"],
        "goals": ["networking", "sales"],
    }


def test_aliases_are_stored_as_the_values_they_stand_for(adult_api, member):
    # when
    preferences = adult_api.post(
        PREFERENCES, {"target_gender": "any", "relationship_goal": "serious"}, format="json"
    )
    skills = adult_api.post(
        SKILLS,
        {
            "primary_skills": ["getting_the_number", "closing", "humor"],
            "specific_challenges": ["handling_rejection", "keeping_it_going", "fear_of_rejection"],
            "experience_level": "advanced",
            "practice_frequency": "few_times_week",
        },
        format="json",
    )

    # then
    assert (preferences.status_code, skills.status_code) == (200, 200)
    onboarding = Onboarding.objects.get(user=member)
    assert (onboarding.target_gender, onboarding.relationship_goal) == ("everyone", "long_term")
    assert onboarding.primary_skills == ["closing", "humor"]
    assert onboarding.specific_challenges == ["fear_of_rejection", "running_out_of_things_to_say"]
    assert answers_of(skills, "skill_goals")["primary_skills"] == ["closing", "humor"]


def test_sending_the_step_again_replaces_its_answers(adult_api, member):
    # given
    adult_api.post(PREFERENCES, {**PRODUCT_PREFERENCES, **GOOD_PREFERENCES}, format="json")

    # when: only a goal, the rest left out or null
    response = adult_api.post(
        PREFERENCES, {"relationship_goal": "friendship", "target_gender": None}, format="json"
    )

    # then
    assert response.status_code == 200
    assert answers_of(response, "preferences") == {
        "target_gender": None,
        "target_age_min": None,
        "target_age_max": None,
        "relationship_goal": "friendship",
        "target_preferences": [],
        "goals": [],
    }
    onboarding = Onboarding.objects.get(user=member)
    assert (onboarding.target_gender, onboarding.target_age_min, onboarding.goals) == ("", None, [])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {**PRODUCT_PREFERENCES, "target_age_min": 17},
            [{"code": "min_value", "attr": "target_age_min"}],
        ),
        (
            {**PRODUCT_PREFERENCES, "target_age_max": 100},
            [{"code": "max_value", "attr": "target_age_max"}],
        ),
        (
            {**PRODUCT_PREFERENCES, "target_age_min": 31},
            [{"code": "invalid_range", "attr": "target_age_max"}],
        ),
        (
            {**PRODUCT_PREFERENCES, "target_age_min": "twenty"},
            [{"code": "invalid", "attr": "target_age_min"}],
        ),
        (
            {**PRODUCT_PREFERENCES, "target_gender": "robots"},
            [{"code": "invalid_choice", "attr": "target_gender"}],
        ),
        (
            {**PRODUCT_PREFERENCES, "relationship_goal": ["dating"]},
            [{"code": "invalid_choice", "attr": "relationship_goal"}],
        ),
        (
            {"target_gender": "female", "target_preferences": ["social"]},
            [{"code": "required", "attr": "relationship_goal"}],
        ),
        ({}, [{"code": "required", "attr": "relationship_goal"}]),
    ],
)
def test_bad_preferences_name_the_field_and_change_nothing(adult_api, member, body, expected):
    response = adult_api.post(PREFERENCES, body, format="json")

    assert response.status_code == 400
    assert errors_of(response) == expected
    onboarding = Onboarding.objects.get(user=member)
    assert (onboarding.preferences_at, onboarding.target_gender) == (None, "")


def test_the_ages_must_be_in_order_in_the_database_too(member):
    # given
    onboarding = Onboarding.objects.get(user=member)
    onboarding.target_age_min, onboarding.target_age_max = 40, 30

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        onboarding.save(update_fields=["target_age_min", "target_age_max"])


def test_the_flow_describes_each_steps_fields_from_its_validation(member_api):
    # when
    response = member_api.get(FLOW)

    # then
    fields = {
        step["step"]: {field["name"]: field for field in step["fields"]}
        for step in response.json()["steps"]
    }
    assert fields["age_verification"]["birth_year"] == {
        "name": "birth_year",
        "type": "integer",
        "required": True,
        "nullable": False,
        "description": "",
        "choices": None,
        "min": 1900,
        "max": timezone.now().year,
        "min_items": None,
        "max_items": None,
    }
    assert list(fields["preferences"]) == [
        "target_gender",
        "target_age_min",
        "target_age_max",
        "relationship_goal",
        "target_preferences",
        "goals",
    ]
    assert {
        key: fields["preferences"]["target_age_min"][key]
        for key in ("type", "required", "nullable", "min", "max")
    } == {"type": "integer", "required": False, "nullable": True, "min": 18, "max": 99}
    assert fields["preferences"]["target_gender"]["choices"] == [
        {"value": "female", "label": "Women", "aliases": []},
        {"value": "male", "label": "Men", "aliases": []},
        {"value": "non_binary", "label": "Non-binary people", "aliases": []},
        {"value": "everyone", "label": "Everyone", "aliases": ["any"]},
    ]
    assert {
        key: fields["skill_goals"]["primary_skills"][key]
        for key in ("type", "required", "min_items", "max_items")
    } == {"type": "array", "required": True, "min_items": 1, "max_items": 10}
    assert fields["skill_goals"]["specific_challenges"]["min_items"] == 0
    steps = {step["step"]: step for step in response.json()["steps"]}
    assert steps["preferences"]["required_one_of"] == ["relationship_goal", "goals"]
    assert steps["skill_goals"]["required_one_of"] == []


@pytest.mark.parametrize(
    ("step", "field", "vocabulary"),
    [
        ("preferences", "target_gender", choices.TargetGender),
        ("preferences", "relationship_goal", choices.RelationshipGoal),
        ("preferences", "target_preferences", choices.TargetPreference),
        ("preferences", "goals", choices.Goal),
        ("skill_goals", "primary_skills", choices.Skill),
        ("skill_goals", "specific_challenges", choices.Challenge),
        ("skill_goals", "experience_level", choices.ExperienceLevel),
        ("skill_goals", "practice_frequency", choices.PracticeFrequency),
    ],
)
def test_the_flow_lists_every_value_and_alias_of_the_vocabulary(
    member_api, step, field, vocabulary
):
    response = member_api.get(FLOW)

    described = next(
        f
        for s in response.json()["steps"]
        if s["step"] == step
        for f in s["fields"]
        if f["name"] == field
    )
    assert [(c["value"], c["label"]) for c in described["choices"]] == vocabulary.choices
    assert {
        alias: choice["value"] for choice in described["choices"] for alias in choice["aliases"]
    } == choices.aliases_of(vocabulary)


def test_each_step_is_checked_by_what_the_flow_describes(member_api):
    for step in member_api.get(FLOW).json()["steps"]:
        view = resolve(step["path"]).func.view_class

        assert view.serializer_class is ONBOARDING_STEPS[step["step"]][0]


def test_the_flow_takes_constant_queries(adult_api, django_assert_num_queries):
    # then: the user, the onboarding row
    with django_assert_num_queries(2):
        response = adult_api.get(FLOW)
    assert response.status_code == 200


def test_the_answers_are_in_the_export(adult_api, member):
    adult_api.post(PREFERENCES, PRODUCT_PREFERENCES, format="json")
    adult_api.post(SKILLS, PRODUCT_SKILLS, format="json")

    exported = adult_api.get("/api/v1/me/export").json()["data"]["accounts.onboarding"]

    assert len(exported) == 1
    assert {key: exported[0][key] for key in (*PRODUCT_PREFERENCES, *PRODUCT_SKILLS)} == {
        **PRODUCT_PREFERENCES,
        **PRODUCT_SKILLS,
    }


def test_the_earlier_challenge_words_are_rewritten_by_the_migration(member, other_member):
    # given
    migration = importlib.import_module("accounts.migrations.0006_onboarding_product_vocabulary")
    Onboarding.objects.filter(user=member).update(
        specific_challenges=["keeping_it_going", "nervousness", "handling_rejection"]
    )
    Onboarding.objects.filter(user=other_member).update(
        specific_challenges=["fear_of_rejection", "handling_rejection"]
    )

    # when
    migration.rename_challenges(django_apps, None)

    # then
    assert Onboarding.objects.get(user=member).specific_challenges == [
        "running_out_of_things_to_say",
        "nervousness",
        "fear_of_rejection",
    ]
    assert Onboarding.objects.get(user=other_member).specific_challenges == ["fear_of_rejection"]
