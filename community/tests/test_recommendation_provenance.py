"""A connection reason the AI wrote carries ``ai: {provider, model, generated_at}``; one
built from the overlaps carries ``ai: null``."""

import pytest
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from ai.models import Generation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_ai")]

URL = "/api/v1/community/recommendations"


def listed(name: str, goals: list[str]):
    return UserFactory(
        profile__display_name=name,
        profile__directory_visibility="members",
        onboarding__goals=goals,
    )


def test_ai_reasons_say_who_wrote_them_and_built_ones_are_null(
    django_capture_on_commit_callbacks,
):
    # given
    viewer = listed("Vera", ["career_growth"])
    ada = listed("Ada", ["career_growth"])
    client = client_for(viewer)

    # when: the first request answers with built reasons and has the AI's written
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(URL)
    second = client.get(URL)

    # then
    generation = Generation.objects.get(feature="community.connection_reasons")
    assert [(r["member"]["id"], r["reason_source"], r["ai"]) for r in first.json()["results"]] == [
        (str(ada.pk), "template", None)
    ]
    [item] = second.json()["results"]
    assert (item["member"]["id"], item["reason_source"]) == (str(ada.pk), "ai")
    assert item["ai"] == {
        "provider": "offline",
        "model": "offline",
        "generated_at": serializers.DateTimeField().to_representation(generation.finished_at),
    }
    assert "“Grow my career”" in item["reason"]


def test_the_recommendations_need_authentication(api):
    assert api.get(URL).status_code == 401
