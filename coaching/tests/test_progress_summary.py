"""The progress summary (GET /coaching/progress/summary) and the streak."""

import datetime as dt

import pytest
import time_machine
from rest_framework import serializers

from accounts.tests.helpers import client_for
from coaching.badges import BADGES
from coaching.models import BadgeAward, Goal, XPAward
from coaching.selectors.progress import streak_days
from coaching.services.progress import progress_record

from .factories import GoalFactory, GoalProgressEntryFactory, XPAwardFactory
from .progress_helpers import SUMMARY, actions_of

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


def iso(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def available(*earned: str) -> list[dict]:
    return [
        {"code": b.code, "name": b.name, "description": b.description}
        for b in BADGES
        if b.code not in earned
    ]


def test_a_new_members_summary(member_api):
    # when
    response = member_api.get(SUMMARY)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "xp": 0,
        "level": 1,
        "level_starts_at": 0,
        "next_level_at": 100,
        "xp_into_level": 0,
        "xp_for_next_level": 100,
        "streak_days": 0,
        "badges": [],
        "available_badges": available(),
        "goals": {"total": 0, "active": 0, "completed": 0, "completion_rate": 0.0},
        "actions": {"total": 0, "done": 0},
    }


def test_the_summary_counts_only_the_callers_rows(member, other_member, member_api):
    # given
    goal = GoalFactory(user=member)
    GoalFactory(user=member, status=Goal.Status.COMPLETED)
    GoalFactory(user=member, status=Goal.Status.PAUSED)
    actions = actions_of(member, count=3)
    progress_record(user=member, goal=goal, value=30, note="")
    progress_record(user=member, action=actions[0], value=100, note="")
    XPAward.objects.create(user=member, amount=100, reason="Assessment", source_id="a:1")
    XPAwardFactory(user=other_member, amount=5000)
    GoalFactory(user=other_member, status=Goal.Status.COMPLETED)
    actions_of(other_member, count=2)
    first_step, goal_getter = BadgeAward.objects.filter(user=member).order_by("created_at", "badge")

    # when
    response = member_api.get(SUMMARY)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "xp": 130,
        "level": 2,
        "level_starts_at": 100,
        "next_level_at": 300,
        "xp_into_level": 30,
        "xp_for_next_level": 170,
        "streak_days": 1,
        "badges": [
            {
                "code": "first_step",
                "name": "First step",
                "description": "Recorded your first progress.",
                "earned_at": iso(first_step.created_at),
            },
            {
                "code": "goal_getter",
                "name": "Goal getter",
                "description": "Completed a goal.",
                "earned_at": iso(goal_getter.created_at),
            },
        ],
        "available_badges": available("first_step", "goal_getter"),
        "goals": {"total": 3, "active": 1, "completed": 1, "completion_rate": 0.3333},
        "actions": {"total": 3, "done": 1},
    }


def test_the_summary_query_count_does_not_grow(member, member_api, django_assert_num_queries):
    # given
    goal = GoalFactory(user=member)
    progress_record(user=member, goal=goal, value=10, note="")
    with django_assert_num_queries(4):
        member_api.get(SUMMARY)
    for goal in GoalFactory.create_batch(10, user=member):
        GoalProgressEntryFactory.create_batch(3, goal=goal)
    XPAwardFactory.create_batch(20, user=member, amount=60)
    actions_of(member, count=12)
    BadgeAward.objects.create(user=member, badge="level_5")

    # when / then
    with django_assert_num_queries(4):
        response = member_api.get(SUMMARY)
    assert response.json()["xp"] == 1210
    assert [b["code"] for b in response.json()["badges"]] == ["first_step", "level_5"]


def test_the_streak_counts_consecutive_days_across_midnight(member):
    # given: progress on 17, 18 (late), 19 and 20 May, a gap on 16, and an old entry on 15
    goal = GoalFactory(user=member)
    for moment in (
        DAY - dt.timedelta(days=5),
        DAY - dt.timedelta(days=3),
        DAY - dt.timedelta(days=2, hours=-14, minutes=-59),  # 18 May 23:59
        DAY - dt.timedelta(days=1),
        DAY,
    ):
        with time_machine.travel(moment, tick=False):
            progress_record(user=member, goal=goal, value=10, note="")

    # when / then
    with time_machine.travel(DAY, tick=False):
        assert streak_days(member) == 4
    # a day without progress does not break the streak before it is over...
    with time_machine.travel(DAY + dt.timedelta(days=1, hours=14), tick=False):
        assert streak_days(member) == 4
        response = client_for(member).get(SUMMARY)
        assert response.json()["streak_days"] == 4
    # ...but two do
    with time_machine.travel(DAY + dt.timedelta(days=2), tick=False):
        assert streak_days(member) == 0


def test_xp_from_another_app_keeps_the_streak_going(member):
    # given
    for days in (2, 1, 0):
        with time_machine.travel(DAY - dt.timedelta(days=days), tick=False):
            XPAward.objects.create(user=member, amount=5, reason="Course", source_id=f"c:{days}")

    # when / then
    with time_machine.travel(DAY, tick=False):
        assert streak_days(member) == 3


def test_the_streak_reads_at_most_a_year(member):
    # given: a progress entry every day for 400 days
    goal = GoalFactory(user=member)
    for _ in range(400):
        GoalProgressEntryFactory(goal=goal)
    for n, entry in enumerate(goal.progress_entries.order_by("pk")):
        goal.progress_entries.filter(pk=entry.pk).update(created_at=DAY - dt.timedelta(days=n))

    # when / then
    with time_machine.travel(DAY, tick=False):
        assert streak_days(member) == 366
