"""Badges: the rules of coaching/badges.py, each badge awarded once with one notification."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from coaching import badges
from coaching.badges import BADGES, Stats
from coaching.models import BadgeAward, Goal
from coaching.services import award_xp, evaluate_badges
from coaching.services.progress import goal_update, progress_record
from notifications.models import Notification

from .factories import ArtifactFactory, AssessmentResultFactory, GoalFactory
from .progress_helpers import actions_of

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


def badges_of(user) -> list[str]:
    return sorted(BadgeAward.objects.filter(user=user).values_list("badge", flat=True))


def notified(user) -> list[tuple]:
    return sorted(
        Notification.objects.filter(user=user).values_list("kind", "title", "body", "data")
    )


def test_the_registry_has_unique_codes_names_and_descriptions():
    # then
    assert len({badge.code for badge in BADGES}) == len(BADGES)
    assert all(badge.name and badge.description for badge in BADGES)
    assert [badge.code for badge in badges.qualifying(Stats())] == []
    assert badges.get("first_step").name == "First step"
    assert badges.get("retired") is None


@pytest.mark.parametrize(
    ("stats", "codes"),
    [
        (Stats(progress_entries=1), ["first_step"]),
        (Stats(goals_completed=1), ["goal_getter"]),
        (Stats(goals_completed=5), ["goal_getter", "finisher"]),
        (Stats(streak_days=3), ["streak_3"]),
        (Stats(streak_days=7), ["streak_3", "streak_7"]),
        (Stats(level=4), []),
        (Stats(level=5), ["level_5"]),
        (Stats(assessments_taken=1), ["assessment_done"]),
        (Stats(actions_done=9), []),
        (Stats(actions_done=10), ["plan_action_10"]),
        (Stats(artifacts_created=1), ["first_artifact"]),
    ],
)
def test_each_rule(stats, codes):
    # when / then
    assert [badge.code for badge in badges.qualifying(stats)] == codes


def test_the_first_progress_earns_first_step_once_with_one_notification(member):
    # given
    goal = GoalFactory(user=member)

    # when
    progress_record(user=member, goal=goal, value=10, note="")
    progress_record(user=member, goal=goal, value=20, note="")
    again = evaluate_badges(user=member)

    # then
    assert again == []
    assert badges_of(member) == ["first_step"]
    assert notified(member) == [
        (
            "badge_earned",
            "You earned a badge: First step",
            "Recorded your first progress.",
            {"badge": "first_step"},
        )
    ]


def test_five_completed_goals_earn_goal_getter_then_finisher(member):
    # given
    goals = GoalFactory.create_batch(5, user=member)

    # when
    for goal in goals[:4]:
        goal_update(goal=goal, status=Goal.Status.COMPLETED)
    before = badges_of(member)
    progress_record(user=member, goal=goals[4], value=100, note="")

    # then
    assert before == ["goal_getter"]
    assert badges_of(member) == ["finisher", "first_step", "goal_getter"]
    assert sorted(data["badge"] for *_, data in notified(member)) == [
        "finisher",
        "first_step",
        "goal_getter",
    ]


def test_a_seven_day_streak_earns_streak_3_then_streak_7(member):
    # given
    goal = GoalFactory(user=member)
    earned = {}

    # when
    for days in range(7):
        with time_machine.travel(DAY + dt.timedelta(days=days), tick=False):
            progress_record(user=member, goal=goal, value=days, note="")
            earned[days + 1] = badges_of(member)

    # then
    assert earned[2] == ["first_step"]
    assert earned[3] == ["first_step", "streak_3"]
    assert earned[6] == ["first_step", "streak_3"]
    assert earned[7] == ["first_step", "streak_3", "streak_7"]
    assert Notification.objects.filter(user=member).count() == 3


def test_reaching_level_5_earns_level_5(member):
    # when
    award_xp(user=member, amount=999, reason="Big win", source_id="test:1")
    before = badges_of(member)
    award_xp(user=member, amount=1, reason="One more", source_id="test:2")

    # then
    assert before == []
    assert badges_of(member) == ["level_5"]
    assert [data for *_, data in notified(member)] == [{"badge": "level_5"}]


def test_other_parts_of_coaching_earn_their_badges_when_xp_comes(member):
    # given
    AssessmentResultFactory(user=member)
    ArtifactFactory(user=member)
    ArtifactFactory(user=member, status="pending")

    # when
    award_xp(user=member, amount=20, reason="Assessment", source_id="assessment:1")

    # then
    assert badges_of(member) == ["assessment_done", "first_artifact"]


def test_ten_plan_actions_done_earn_plan_action_10(member):
    # given
    actions = actions_of(member, count=10)

    # when
    for action in actions[:9]:
        progress_record(user=member, action=action, value=100, note="")
    before = badges_of(member)
    progress_record(user=member, action=actions[9], value=100, note="")

    # then
    assert before == ["first_step"]
    assert badges_of(member) == ["first_step", "plan_action_10"]
    assert Notification.objects.filter(user=member, kind="badge_earned").count() == 2


def test_a_badge_of_a_rolled_back_transaction_leaves_no_trace(member):
    # given
    goal = GoalFactory(user=member)

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        progress_record(user=member, goal=goal, value=10, note="")
        raise RuntimeError("the caller failed after")

    # then
    assert badges_of(member) == []
    assert notified(member) == []


def test_badges_are_per_member(member, other_member):
    # given
    BadgeAward.objects.create(user=other_member, badge="first_step")

    # when
    progress_record(user=member, goal=GoalFactory(user=member), value=10, note="")

    # then
    assert badges_of(member) == ["first_step"]
    assert badges_of(other_member) == ["first_step"]
    assert Notification.objects.filter(user=other_member).count() == 0
