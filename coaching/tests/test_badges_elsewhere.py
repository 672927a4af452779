"""Badges that other parts of coaching earn at once: the assessment and the AI tools call
``evaluate_badges`` themselves, so the member does not wait for their next progress."""

import pytest

from accounts.tests.helpers import client_for
from coaching.models import BadgeAward
from notifications.models import Notification

from .test_assessment import ANSWERS, questionnaire, submit  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai):
    """The offline provider and known quotas (conftest.py)."""


def test_submitting_the_assessment_earns_its_badge_at_once(member, questionnaire):  # noqa: F811
    # when
    response = submit(client_for(member), questionnaire, ANSWERS)

    # then
    assert response.status_code == 202
    assert list(BadgeAward.objects.filter(user=member).values_list("badge", flat=True)) == [
        "assessment_done"
    ]
    assert Notification.objects.filter(user=member, kind="badge_earned").count() == 1


@pytest.mark.usefixtures("premium_member")
def test_a_ready_artifact_earns_the_maker_badge_once(member, django_capture_on_commit_callbacks):
    # given
    body = {"prompt": "I lead a support team. I want to move on."}

    # when: two artifacts are made
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(member).post(
                "/api/v1/coaching/tools/roadmap/generate", body, format="json"
            )
        assert response.status_code == 202

    # then
    assert list(BadgeAward.objects.filter(user=member).values_list("badge", flat=True)) == [
        "first_artifact"
    ]
    assert Notification.objects.filter(user=member, kind="badge_earned").count() == 1
