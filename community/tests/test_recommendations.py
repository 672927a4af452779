"""GET /community/recommendations: candidates, deterministic scores, and AI reasons written
at most once a day per caller, cached, never awaited by the request."""

import datetime as dt
import json

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from ai import quotas
from ai.models import Generation, QuotaUsage
from ai.tests.fake_openai import completion, error
from community.ai_features import CONNECTION_REASONS
from community.services.recommendations import recommendations_for

from .factories import BlockFactory, MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/community/recommendations"


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai, settings):
    """The offline provider and known quotas (conftest.py), and known limits."""
    settings.COMMUNITY_RECOMMENDATIONS_LIMIT = 10
    settings.COMMUNITY_RECOMMENDATIONS_POOL = 500


@pytest.fixture
def gold():
    return TierFactory(name="Gold", slug="gold", rank=2)


@pytest.fixture
def silver():
    return TierFactory(name="Silver", slug="silver", rank=1)


@pytest.fixture
def viewer(gold):
    return make_member(
        "Vera",
        goals=["Find clients", "Raise funding"],
        skills=["Python", "Sales"],
        industry="Fintech",
        tier=gold,
    )


def make_member(
    name,
    *,
    goals=(),
    skills=(),
    industry="",
    tier=None,
    visibility="members",
    **kwargs,
):
    user = UserFactory(
        profile__display_name=name,
        profile__headline=f"{name}'s headline",
        profile__company=f"{name} Ltd",
        profile__position="Founder",
        profile__industry=industry,
        profile__directory_visibility=visibility,
        onboarding__goals=list(goals),
        onboarding__primary_skills=list(skills),
        **kwargs,
    )
    if tier is not None:
        MembershipFactory(user=user, tier=tier)
    return user


def member_json(user, tier=None) -> dict:
    profile = user.profile
    return {
        "id": str(user.pk),
        "display_name": profile.display_name,
        "headline": profile.headline,
        "company": profile.company,
        "position": profile.position,
        "industry": profile.industry,
        "tier": {"name": tier.name, "slug": tier.slug, "rank": tier.rank} if tier else None,
    }


def ids(response) -> list[str]:
    return [item["member"]["id"] for item in response.json()["results"]]


def test_members_are_ordered_by_confidence_from_their_overlaps(viewer, gold, silver):
    # given
    ada = make_member(
        "Ada",
        goals=["raise  FUNDING", "find clients", "Hire"],
        skills=["python"],
        industry="FINTECH",
        tier=gold,
    )
    bo = make_member("Bo", goals=["Raise funding"], tier=silver)
    cy = make_member("Cy", skills=["Sales", "Python"], industry="Retail")
    make_member("Dee", goals=["Travel"], skills=["Go"], industry="Retail")

    # when
    response = client_for(viewer).get(URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "day": quotas.today().isoformat(),
        "reasons_pending": True,
        "results": [
            {
                # 0.35 (both goals) + 0.30 * 1/2 (Python) + 0.20 (industry) + 0.15 (same tier)
                "member": member_json(ada, gold),
                "confidence": 0.85,
                "reasons_matched": {
                    "goals": [
                        {"value": "Find clients", "label": "Find clients"},
                        {"value": "Raise funding", "label": "Raise funding"},
                    ],
                    "skills": [{"value": "Python", "label": "Python"}],
                    "industry": True,
                    "tier": True,
                },
                "reason": "Shares your goals “Find clients” and “Raise funding”, also works on "
                "“Python”, works in FINTECH too and is in your tier.",
                "reason_source": "template",
                "ai": None,
                "is_applied": False,
                "applied_at": None,
            },
            {
                # 0.30 (both skills)
                "member": member_json(cy),
                "confidence": 0.3,
                "reasons_matched": {
                    "goals": [],
                    "skills": [
                        {"value": "Python", "label": "Python"},
                        {"value": "Sales", "label": "Sales"},
                    ],
                    "industry": False,
                    "tier": False,
                },
                "reason": "Also works on “Python” and “Sales”.",
                "reason_source": "template",
                "ai": None,
                "is_applied": False,
                "applied_at": None,
            },
            {
                # 0.35 * 1/2 (one goal) + 0.10 (a tier one rank away)
                "member": member_json(bo, silver),
                "confidence": 0.275,
                "reasons_matched": {
                    "goals": [{"value": "Raise funding", "label": "Raise funding"}],
                    "skills": [],
                    "industry": False,
                    "tier": True,
                },
                "reason": "Shares your goal “Raise funding” and is one tier from yours.",
                "reason_source": "template",
                "ai": None,
                "is_applied": False,
                "applied_at": None,
            },
        ],
    }
    [generation] = Generation.objects.all()
    assert (generation.user, generation.feature, generation.status) == (
        viewer,
        "community.connection_reasons",
        "queued",
    )


def test_ties_are_ordered_by_member_id_and_the_list_is_cut_at_the_limit(viewer, settings):
    # given
    settings.COMMUNITY_RECOMMENDATIONS_LIMIT = 3
    same = [make_member(f"Twin {n}", industry="fintech") for n in range(4)]

    # when
    response = client_for(viewer).get(URL)

    # then
    assert response.status_code == 200
    assert ids(response) == sorted(str(user.pk) for user in same)[:3]
    assert [item["confidence"] for item in response.json()["results"]] == [0.2, 0.2, 0.2]


def test_hidden_inactive_and_blocked_members_and_the_caller_are_left_out(viewer):
    # given
    shown = make_member("Shown", industry="Fintech")
    make_member("Hidden", industry="Fintech", visibility="hidden")
    make_member("Gone", industry="Fintech", is_active=False)
    blocked = make_member("Blocked", industry="Fintech")
    blocking = make_member("Blocking", industry="Fintech")
    BlockFactory(blocker=viewer, blocked=blocked)
    BlockFactory(blocker=blocking, blocked=viewer)

    # when
    response = client_for(viewer).get(URL)

    # then
    assert response.status_code == 200
    assert ids(response) == [str(shown.pk)]


def test_a_member_with_nothing_in_common_gets_an_empty_list_and_no_generation(viewer):
    # given
    make_member("Stranger", goals=["Travel"], industry="Retail")

    # when
    response = client_for(viewer).get(URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "day": quotas.today().isoformat(),
        "reasons_pending": False,
        "results": [],
    }
    assert Generation.objects.count() == 0


def test_recommendations_need_authentication(api):
    response = api.get(URL)

    assert response.status_code == 401
    assert Generation.objects.count() == 0


def test_the_query_count_does_not_grow_with_candidates(viewer, gold, django_assert_num_queries):
    # given: the day's generation has been asked for, as for any later request of the day
    client = client_for(viewer)
    for n in range(3):
        make_member(f"Few {n}", goals=["Find clients"], skills=["Python"], tier=gold)
    client.get(URL)
    # auth, the caller's traits, the candidates
    with django_assert_num_queries(3):
        client.get(URL)
    for n in range(30):
        make_member(f"Many {n}", goals=["Raise funding"], industry="Fintech", tier=gold)

    # when / then
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 10


def test_ai_reasons_are_asked_for_once_a_day(viewer, django_capture_on_commit_callbacks):
    # given
    make_member("Ada", goals=["Find clients"])
    client = client_for(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(URL)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        second = client.get(URL)

    # then
    [generation] = Generation.objects.all()
    assert (generation.feature, generation.status, generation.provider) == (
        "community.connection_reasons",
        "succeeded",
        "offline",
    )
    assert (first.json()["reasons_pending"], second.json()["reasons_pending"]) == (True, False)
    assert QuotaUsage.objects.get(user=viewer).used == 1


def test_the_next_day_asks_for_new_reasons(viewer, django_capture_on_commit_callbacks):
    # given
    make_member("Ada", goals=["Find clients"])
    client_for(viewer).get(URL)
    tomorrow = quotas.today() + dt.timedelta(days=1)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = recommendations_for(viewer=viewer, day=tomorrow)

    # then
    assert (result.day, result.reasons_pending) == (tomorrow, True)
    assert Generation.objects.filter(feature=CONNECTION_REASONS.name).count() == 2


def test_a_used_up_quota_falls_back_to_built_reasons(viewer, settings):
    # given
    settings.AI_QUOTAS = {"free": {"*": 20, "community.connection_reasons": 0}}
    ada = make_member("Ada", goals=["Find clients"])
    client = client_for(viewer)

    # when
    first = client.get(URL)
    second = client.get(URL)

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert first.json()["reasons_pending"] is False
    assert [
        (item["member"]["id"], item["reason"], item["reason_source"])
        for item in first.json()["results"]
    ] == [(str(ada.pk), "Shares your goal “Find clients”.", "template")]
    assert (Generation.objects.count(), QuotaUsage.objects.count()) == (0, 0)


def test_the_reasons_written_through_the_openai_client_are_served_all_day(
    viewer, fake_openai, django_capture_on_commit_callbacks
):
    # given
    ada = make_member("Ada", goals=["Find clients"], industry="Fintech")
    bo = make_member("Bo", skills=["Sales"])
    stranger = UserFactory()
    answer = {
        "reasons": [
            {"member_id": str(ada.pk), "reason": "You both want clients in fintech."},
            {"member_id": str(stranger.pk), "reason": "Not one of the candidates."},
        ]
    }
    fake_openai.script(completion(json.dumps(answer)))
    client = client_for(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(URL)

    # when
    second = client.get(URL)

    # then
    assert first.json()["reasons_pending"] is True
    assert second.json()["reasons_pending"] is False
    assert [
        (item["member"]["id"], item["reason"], item["reason_source"])
        for item in second.json()["results"]
    ] == [
        (str(ada.pk), "You both want clients in fintech.", "ai"),
        (str(bo.pk), "Also works on “Sales”.", "template"),
    ]
    [request] = fake_openai.received
    assert request.body["response_format"]["json_schema"]["name"] == (
        "community_connection_reasons"
    )
    [generation] = Generation.objects.all()
    assert request.body["messages"] == CONNECTION_REASONS.render(
        generation.input, generation.member_context
    )
    assert [c["member_id"] for c in generation.input["candidates"]] == [str(ada.pk), str(bo.pk)]
    assert (generation.provider, generation.status, generation.output) == (
        "openai",
        "succeeded",
        answer,
    )


def test_a_failed_generation_stops_the_pending_state_for_the_day(
    viewer, fake_openai, django_capture_on_commit_callbacks
):
    # given
    make_member("Ada", goals=["Find clients"])
    fake_openai.script(error(400, "Bad request."))
    client = client_for(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(URL)

    # then
    assert response.json()["reasons_pending"] is False
    assert [item["reason_source"] for item in response.json()["results"]] == ["template"]
    [generation] = Generation.objects.all()
    assert generation.status == "failed"


def test_the_cache_is_keyed_by_the_candidate_set(viewer, django_capture_on_commit_callbacks):
    # given: today's reasons were written for Ada alone
    make_member("Ada", goals=["Find clients"])
    client = client_for(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL)
    make_member("Bo", goals=["Find clients"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(URL)

    # then: no second generation today, and nothing pending for the new list
    assert response.json()["reasons_pending"] is False
    assert Generation.objects.count() == 1
