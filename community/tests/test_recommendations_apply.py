"""Recommendations the member acts on: ``is_applied`` in GET /community/recommendations, set
by POST and taken back by DELETE /community/recommendations/{member_id}/apply; and the
labels that stand next to every onboarding slug a client or the AI is shown."""

import datetime as dt
import json
import uuid

import pytest
import time_machine
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from rest_framework import serializers

from accounts.services import account_erase
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from ai.models import Generation
from analytics.models import Event
from community.models import AppliedRecommendation

from .factories import BlockFactory, MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/community/recommendations"
NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "No such recommendation.", "attr": None}],
}


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai, settings):
    settings.COMMUNITY_RECOMMENDATIONS_LIMIT = 10
    settings.COMMUNITY_RECOMMENDATIONS_POOL = 500


def apply_url(member) -> str:
    return f"/api/v1/community/recommendations/{getattr(member, 'pk', member)}/apply"


def iso(value) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def make_member(name, *, goals=(), skills=(), industry="", visibility="members", **kwargs):
    return UserFactory(
        profile__display_name=name,
        profile__headline="",
        profile__company="",
        profile__position="",
        profile__industry=industry,
        profile__directory_visibility=visibility,
        onboarding__goals=list(goals),
        onboarding__primary_skills=list(skills),
        **kwargs,
    )


def card(user) -> dict:
    return {
        "id": str(user.pk),
        "display_name": user.profile.display_name,
        "headline": "",
        "company": "",
        "position": "",
        "industry": user.profile.industry,
        "tier": None,
    }


@pytest.fixture
def viewer():
    return make_member(
        "Vera",
        goals=["career_growth", "networking"],
        skills=["negotiation", "empathy"],
        industry="Fintech",
    )


@pytest.fixture
def ada():
    return make_member("Ada", goals=["career_growth", "networking"], skills=["negotiation"])


@pytest.fixture
def viewer_api(viewer):
    return client_for(viewer)


def applied_rows() -> list[tuple]:
    return list(AppliedRecommendation.objects.values_list("viewer", "member"))


# --- labels ---------------------------------------------------------------------------------


def test_shared_goals_and_skills_are_shown_with_their_labels(viewer_api, ada):
    # when
    response = viewer_api.get(LIST)

    # then
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["reasons_matched"] == {
        "goals": [
            {"value": "career_growth", "label": "Grow my career"},
            {"value": "networking", "label": "Network better"},
        ],
        "skills": [{"value": "negotiation", "label": "Negotiation"}],
        "industry": False,
        "tier": False,
    }
    assert item["reason"] == (
        "Shares your goals “Grow my career” and “Network better” and also works on “Negotiation”."
    )


def test_a_value_that_is_no_slug_is_its_own_label(viewer_api, viewer):
    # given: an answer from before onboarding offered fixed choices
    viewer.onboarding.goals = ["Find clients"]
    viewer.onboarding.save(update_fields=["goals"])
    make_member("Bo", goals=["find  CLIENTS"])

    # when
    response = viewer_api.get(LIST)

    # then
    [item] = response.json()["results"]
    assert item["reasons_matched"]["goals"] == [{"value": "Find clients", "label": "Find clients"}]
    assert item["reason"] == "Shares your goal “Find clients”."


def test_the_ai_is_asked_with_labels_never_slugs(viewer_api, ada):
    # when
    viewer_api.get(LIST)

    # then
    [generation] = Generation.objects.all()
    assert generation.input["member"]["goals"] == ["Grow my career", "Network better"]
    assert generation.input["member"]["skills"] == ["Negotiation", "Empathy"]
    [candidate] = generation.input["candidates"]
    assert (candidate["shared_goals"], candidate["shared_skills"]) == (
        ["Grow my career", "Network better"],
        ["Negotiation"],
    )
    sent = json.dumps(generation.input)
    assert [slug for slug in ("career_growth", "networking", "negotiation") if slug in sent] == []


# --- apply ----------------------------------------------------------------------------------


def test_applying_a_recommended_member_marks_them_in_the_list(
    viewer_api, viewer, ada, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer_api.post(apply_url(ada))

    # then
    assert response.status_code == 200
    row = AppliedRecommendation.objects.get()
    assert (row.viewer, row.member) == (viewer, ada)
    assert response.json() == {
        "member": card(ada),
        "is_applied": True,
        "applied_at": iso(row.applied_at),
    }
    [item] = viewer_api.get(LIST).json()["results"]
    assert (item["member"]["id"], item["is_applied"], item["applied_at"]) == (
        str(ada.pk),
        True,
        iso(row.applied_at),
    )
    assert list(Event.objects.values_list("name", "user")) == [
        ("member_recommendation_applied", viewer.pk)
    ]


def test_applying_again_answers_the_same_state_and_keeps_the_first_time(
    viewer_api, ada, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first = viewer_api.post(apply_url(ada))

    # when
    with (
        time_machine.travel(timezone.now() + dt.timedelta(minutes=5)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        second = viewer_api.post(apply_url(ada))

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert AppliedRecommendation.objects.count() == 1
    assert Event.objects.filter(name="member_recommendation_applied").count() == 1


def test_a_member_outside_the_best_few_may_be_applied(viewer_api, viewer, ada, settings):
    # given: only one member makes today's list, and it is not Bo
    settings.COMMUNITY_RECOMMENDATIONS_LIMIT = 1
    bo = make_member("Bo", skills=["empathy"])

    # when
    response = viewer_api.post(apply_url(bo))

    # then
    assert response.status_code == 200
    assert applied_rows() == [(viewer.pk, bo.pk)]


def test_applied_state_is_the_callers_own(viewer_api, viewer, ada):
    # given: someone else applied Ada too
    other = make_member("Olga", goals=["dating"])
    AppliedRecommendation.objects.create(viewer=other, member=ada)

    # when
    response = viewer_api.get(LIST)

    # then
    [item] = response.json()["results"]
    assert (item["is_applied"], item["applied_at"]) == (False, None)


# --- take back ------------------------------------------------------------------------------


def test_taking_back_an_application(viewer_api, viewer, ada, django_capture_on_commit_callbacks):
    # given
    AppliedRecommendation.objects.create(viewer=viewer, member=ada)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = viewer_api.delete(apply_url(ada))
        second = viewer_api.delete(apply_url(ada))

    # then
    assert (first.status_code, second.status_code) == (204, 204)
    assert (first.content, second.content) == (b"", b"")
    assert applied_rows() == []
    [item] = viewer_api.get(LIST).json()["results"]
    assert (item["is_applied"], item["applied_at"]) == (False, None)
    assert list(Event.objects.values_list("name", flat=True)) == ["member_recommendation_unapplied"]


# --- refusals -------------------------------------------------------------------------------


def unknown(viewer):
    return uuid.uuid4()


def themself(viewer):
    return viewer


def hidden(viewer):
    return make_member("Hidden", goals=["career_growth"], visibility="hidden")


def inactive(viewer):
    return make_member("Gone", goals=["career_growth"], is_active=False)


def blocked_by_the_caller(viewer):
    member = make_member("Blocked", goals=["career_growth"])
    BlockFactory(blocker=viewer, blocked=member)
    return member


def blocking_the_caller(viewer):
    member = make_member("Blocking", goals=["career_growth"])
    BlockFactory(blocker=member, blocked=viewer)
    return member


def nothing_in_common(viewer):
    return make_member("Stranger", goals=["dating"], skills=["humor"], industry="Retail")


@pytest.mark.parametrize(
    "make",
    [
        unknown,
        themself,
        hidden,
        inactive,
        blocked_by_the_caller,
        blocking_the_caller,
        nothing_in_common,
    ],
)
@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_member_the_recommendations_could_not_list_is_a_404(viewer_api, viewer, make, method):
    # given
    member = make(viewer)

    # when
    response = getattr(viewer_api, method)(apply_url(member))

    # then
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert applied_rows() == []


def test_taking_back_refuses_a_member_who_is_no_longer_listed(viewer_api, viewer, ada):
    # given: applied, then Ada left the directory
    AppliedRecommendation.objects.create(viewer=viewer, member=ada)
    ada.profile.directory_visibility = "hidden"
    ada.profile.save(update_fields=["directory_visibility"])

    # when
    response = viewer_api.delete(apply_url(ada))

    # then: nothing tells the caller more about Ada, and nothing changes
    assert response.status_code == 404
    assert applied_rows() == [(viewer.pk, ada.pk)]


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_member_id_that_is_not_a_uuid_is_a_404(viewer_api, method):
    response = getattr(viewer_api, method)(apply_url("not-a-uuid"))

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("method", ["post", "delete"])
def test_applying_needs_authentication(api, ada, method):
    response = getattr(api, method)(apply_url(ada))

    assert response.status_code == 401
    assert applied_rows() == []


# --- query counts ---------------------------------------------------------------------------


def test_the_list_query_count_does_not_grow_with_applied_members(
    viewer_api, viewer, django_assert_num_queries
):
    # given: the day's reasons have been asked for, as for any later request of the day
    gold = TierFactory()
    few = [make_member(f"Few {n}", goals=["career_growth"]) for n in range(3)]
    for member in few[:2]:
        AppliedRecommendation.objects.create(viewer=viewer, member=member)
    viewer_api.get(LIST)
    # auth, the caller's traits, the candidates with their applied state
    with django_assert_num_queries(3):
        viewer_api.get(LIST)
    for n in range(30):
        member = make_member(f"Many {n}", goals=["networking"], industry="Fintech")
        MembershipFactory(user=member, tier=gold)
        AppliedRecommendation.objects.create(viewer=viewer, member=member)

    # when / then
    with django_assert_num_queries(3):
        response = viewer_api.get(LIST)
    assert response.status_code == 200
    assert [item["is_applied"] for item in response.json()["results"]] == [True] * 10


def test_applying_costs_a_constant_number_of_queries(viewer_api, ada, django_assert_num_queries):
    # auth, the caller's traits, the member and the insert, with the service's transaction
    # and the insert's own savepoint (begun and released)
    with django_assert_num_queries(8):
        response = viewer_api.post(apply_url(ada))
    assert response.status_code == 200


# --- privacy --------------------------------------------------------------------------------


def test_the_export_holds_the_callers_applications_only(viewer_api, viewer, ada):
    # given
    mine = AppliedRecommendation.objects.create(viewer=viewer, member=ada)
    AppliedRecommendation.objects.create(viewer=ada, member=viewer)

    # when
    exported = viewer_api.get("/api/v1/me/export").json()["data"]

    # then: Ada's application of the caller is Ada's, not the caller's to see
    assert exported["community.appliedrecommendation"] == [
        {"member_id": str(ada.pk), "applied_at": DjangoJSONEncoder().default(mine.applied_at)}
    ]


def test_erasure_takes_the_members_applications_from_both_sides(viewer, ada):
    # given: the viewer applied Ada, Ada applied the viewer, and Cy applied Ada
    AppliedRecommendation.objects.create(viewer=viewer, member=ada)
    AppliedRecommendation.objects.create(viewer=ada, member=viewer)
    kept = AppliedRecommendation.objects.create(viewer=make_member("Cy"), member=ada)

    # when
    counts = account_erase(user=viewer, source="test")

    # then
    assert list(AppliedRecommendation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert counts["community.appliedrecommendation"] == 2
