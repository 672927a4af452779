"""GET /conversations/skills: the member's practice scores per skill over time."""

import datetime as dt

import pytest
from django.utils import timezone

from conversations import scoring
from conversations.models import Conversation, SkillScore

pytestmark = pytest.mark.django_db


def scored(user, days_ago: float, **skills):
    """A practice conversation of ``user`` scored ``days_ago`` with ``skills`` {skill: score}."""
    conversation = Conversation.objects.create(
        user=user, kind=Conversation.Kind.PRACTICE, status="ended", difficulty="green"
    )
    when = timezone.now() - dt.timedelta(days=days_ago)
    for skill, score in skills.items():
        row = SkillScore.objects.create(
            user=user, conversation=conversation, skill=skill, score=score
        )
        SkillScore.objects.filter(pk=row.pk).update(created_at=when)
    return conversation


def by_skill(body):
    return {item["skill"]: item for item in body["skills"]}


def test_history_per_skill_with_latest_best_and_trend(
    member, other_member, member_api, django_assert_max_num_queries
):
    # given three scored conversations in the window, one older, and another member's
    old = scored(member, 120, empathy=10)
    first = scored(member, 20, empathy=55, storytelling=70)
    second = scored(member, 10, empathy=80)
    third = scored(member, 1, empathy=65)
    scored(other_member, 2, empathy=99)
    # when the member reads the last 30 days
    with django_assert_max_num_queries(3):
        response = member_api.get("/api/v1/conversations/skills", {"date_range": 30})
    # then each skill has its points oldest first, latest, best and trend
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["date_range"] == 30
    skills = by_skill(body)
    assert set(skills) == set(scoring.SKILLS)
    empathy = skills["empathy"]
    assert [point["conversation_id"] for point in empathy["points"]] == [
        str(first.pk),
        str(second.pk),
        str(third.pk),
    ]
    assert [point["score"] for point in empathy["points"]] == [55, 80, 65]
    assert (empathy["latest"], empathy["best"], empathy["trend"]) == (65, 80, 10)
    assert str(old.pk) not in {point["conversation_id"] for point in empathy["points"]}
    # one point: no trend; no points: all null
    assert (skills["storytelling"]["latest"], skills["storytelling"]["trend"]) == (70, None)
    assert skills["humor"] == {
        "skill": "humor",
        "latest": None,
        "best": None,
        "trend": None,
        "points": [],
    }


def test_one_skill_and_the_default_window(member, member_api):
    # given scores 60 and 120 days ago
    scored(member, 60, active_listening=40)
    scored(member, 120, active_listening=90)
    # when one skill is asked for, without a date range (90 days)
    response = member_api.get("/api/v1/conversations/skills", {"skill": "active_listening"})
    # then only that skill, within the default window
    assert response.status_code == 200
    body = response.json()
    assert body["date_range"] == 90
    assert [item["skill"] for item in body["skills"]] == ["active_listening"]
    assert [point["score"] for point in body["skills"][0]["points"]] == [40]


def test_the_query_count_does_not_grow_with_the_history(
    member, member_api, django_assert_max_num_queries
):
    # given many scored conversations
    for n in range(15):
        scored(member, n + 1, empathy=50 + n, momentum=40, storytelling=30 + n)
    # when the whole history is read
    with django_assert_max_num_queries(3):
        response = member_api.get("/api/v1/conversations/skills", {"date_range": 365})
    # then every point is there
    assert response.status_code == 200
    assert len(by_skill(response.json())["empathy"]["points"]) == 15


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"skill": "juggling"}, "skill", "invalid_choice"),
        ({"skill": "negotiation"}, "skill", "invalid_choice"),
        ({"date_range": "0"}, "date_range", "min_value"),
        ({"date_range": "366"}, "date_range", "max_value"),
        ({"date_range": "soon"}, "date_range", "invalid"),
    ],
)
def test_bad_skill_or_date_range_is_a_400_naming_it(member_api, params, attr, code):
    # given / when
    response = member_api.get("/api/v1/conversations/skills", params)
    # then
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == (attr, code)


def test_skills_need_authentication(api):
    # given no credentials / when / then
    assert api.get("/api/v1/conversations/skills").status_code == 401
