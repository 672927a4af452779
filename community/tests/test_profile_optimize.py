"""POST /community/profile/optimize: AI suggestions for the caller's profile, asynchronous
(202 and a generation to follow), idempotent, throttled and within the AI quota."""

import json

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from ai.models import Generation, QuotaUsage
from ai.quotas import seconds_until_reset
from ai.tests.fake_openai import completion
from community.ai_features import PROFILE_OPTIMIZE, ProfileOptimization

from .factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/community/profile/optimize"


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai):
    """The offline provider and known quotas (conftest.py)."""


@pytest.fixture
def author():
    user = UserFactory(
        profile__display_name="Ada Lovelace",
        profile__headline="Analyst. Writes about engines.",
        profile__company="Babbage & Co",
        profile__position="Analyst",
        profile__industry="Computing",
        profile__focus_areas=["notes", "  ", "algorithms"],
        onboarding__goals=["Find collaborators"],
        onboarding__primary_skills=["Mathematics", "Writing"],
        onboarding__experience_level="advanced",
    )
    MembershipFactory(user=user, tier=TierFactory(name="Founding member", rank=3))
    return user


EXPECTED_INPUT = {
    "profile": {
        "display_name": "Ada Lovelace",
        "headline": "Analyst. Writes about engines.",
        "company": "Babbage & Co",
        "position": "Analyst",
        "industry": "Computing",
        "focus_areas": ["notes", "algorithms"],
    },
    "goals": ["Find collaborators"],
    "skills": ["Mathematics", "Writing"],
    "experience_level": "advanced",
    "tier": "Founding member",
    "focus": "Meet investors.",
}


def status_url(generation) -> str:
    return f"http://testserver/api/v1/ai/generations/{generation.pk}"


def test_suggestions_are_accepted_and_written_after_commit(
    author, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(URL, {"focus": "  Meet investors.  "})

    # then
    generation = Generation.objects.get()
    assert response.status_code == 202
    assert response.json() == {
        "id": str(generation.pk),
        "status": "queued",
        "status_url": status_url(generation),
    }
    assert response["Location"] == status_url(generation)
    assert (generation.user, generation.feature, generation.input) == (
        author,
        "community.profile_optimize",
        EXPECTED_INPUT,
    )
    assert (generation.status, generation.provider) == ("succeeded", "offline")
    ProfileOptimization.model_validate(generation.output)
    assert generation.output["suggestions"][0]["field"] == "headline"
    assert QuotaUsage.objects.get(user=author, feature="community.profile_optimize").used == 1
    followed = client_for(author).get(response.json()["status_url"])
    assert followed.json()["output"] == generation.output


def test_the_body_is_optional(member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(URL)

    # then
    assert response.status_code == 202
    generation = Generation.objects.get()
    assert generation.input == {
        "profile": {
            "display_name": member.profile.display_name,
            "headline": "",
            "company": "",
            "position": "",
            "industry": "",
            "focus_areas": [],
        },
        "goals": [],
        "skills": [],
        "experience_level": "",
        "tier": "",
        "focus": "",
    }
    assert generation.status == "succeeded"


def test_a_retry_with_the_same_idempotency_key_creates_nothing_new(
    author, django_capture_on_commit_callbacks
):
    # given
    client = client_for(author)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, {"focus": "Meet investors."}, HTTP_IDEMPOTENCY_KEY="opt-1")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL, {"focus": "Meet investors."}, HTTP_IDEMPOTENCY_KEY="opt-1")

    # then
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Generation.objects.count() == 1
    assert QuotaUsage.objects.get(user=author).used == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"focus": "x" * 201}, [{"code": "max_length", "attr": "focus"}]),
        ({"focus": ["a list"]}, [{"code": "invalid", "attr": "focus"}]),
        ({"focus": None}, [{"code": "null", "attr": "focus"}]),
    ],
)
def test_a_bad_focus_is_named_and_takes_nothing(member, body, expected):
    # when
    response = client_for(member).post(URL, body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == expected
    assert (Generation.objects.count(), QuotaUsage.objects.count()) == (0, 0)


def test_profile_optimisation_needs_authentication(api):
    response = api.post(URL, {"focus": "Meet investors."})

    assert response.status_code == 401
    assert Generation.objects.count() == 0


def test_a_used_up_quota_is_a_429_and_creates_nothing(member, settings):
    # given
    settings.AI_QUOTAS = {"free": {"*": 20, "community.profile_optimize": 0}}

    # when
    response = client_for(member).post(URL, {"focus": "Meet investors."})

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "quota_exceeded", "attr": None}]
    assert abs(int(response["Retry-After"]) - seconds_until_reset()) <= 1
    assert (Generation.objects.count(), QuotaUsage.objects.count()) == (0, 0)


def test_the_ai_throttle_applies(member, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "ai": "1/min",
        },
    }
    client = client_for(member)
    client.post(URL)

    # when
    response = client.post(URL)

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "throttled", "attr": None}]
    assert Generation.objects.count() == 1


def test_suggestions_through_the_openai_client(
    author, fake_openai, django_capture_on_commit_callbacks
):
    # given
    answer = {
        "summary": "A clear profile; the headline undersells the work.",
        "suggestions": [
            {
                "field": "headline",
                "current": "Analyst. Writes about engines.",
                "suggested": "Analyst writing the first programs for the Analytical Engine",
                "why": "Says what you do and for whom.",
            }
        ],
        "headline_options": ["Analyst and writer on computing engines"],
    }
    fake_openai.script(completion(json.dumps(answer)))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(URL, {"focus": "Meet investors."})

    # then
    assert response.status_code == 202
    generation = Generation.objects.get()
    assert (generation.provider, generation.status, generation.output) == (
        "openai",
        "succeeded",
        answer,
    )
    [request] = fake_openai.received
    assert request.body["messages"] == PROFILE_OPTIMIZE.render(
        EXPECTED_INPUT, generation.member_context
    )
    assert request.body["response_format"]["json_schema"]["name"] == ("community_profile_optimize")
