"""Simultaneous first applies of one recommended member are settled by the unique
constraint: one row, and every answer carries its time."""

import pytest
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from analytics.models import Event
from community.models import AppliedRecommendation
from core.tests.concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_applies_make_one_application():
    # given
    viewer = UserFactory(onboarding__goals=["career_growth"])
    ada = UserFactory(onboarding__goals=["career_growth"])
    clients = [client_for(viewer) for _ in range(4)]
    url = f"/api/v1/community/recommendations/{ada.pk}/apply"

    # when
    responses = at_once([lambda client=client: client.post(url) for client in clients])

    # then
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    row = AppliedRecommendation.objects.get(viewer=viewer, member=ada)
    applied_at = serializers.DateTimeField().to_representation(row.applied_at)
    assert {r.json()["applied_at"] for r in responses} == {applied_at}
    assert Event.objects.filter(name="member_recommendation_applied").count() == 1
