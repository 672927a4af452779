"""Recording progress (POST /coaching/progress) and the entries (GET /coaching/progress)."""

import uuid

import pytest
from rest_framework import serializers

from accounts.tests.helpers import errors_of
from analytics.models import Event
from coaching.models import BadgeAward, Goal, PlanAction, ProgressEntry, XPAward
from notifications.models import Notification

from .factories import GoalFactory, GoalProgressEntryFactory
from .progress_helpers import PROGRESS, SUMMARY, actions_of

pytestmark = pytest.mark.django_db


def iso(value):
    return serializers.DateTimeField().to_representation(value) if value else None


def shape(entry: ProgressEntry) -> dict:
    return {
        "id": str(entry.pk),
        "goal": str(entry.goal_id) if entry.goal_id else None,
        "action": str(entry.action_id) if entry.action_id else None,
        "value": entry.value,
        "note": entry.note,
        "created_at": iso(entry.created_at),
    }


def test_progress_on_a_goal_moves_it_and_gives_xp(
    member, member_api, django_capture_on_commit_callbacks
):
    # given
    goal = GoalFactory(user=member)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(
            PROGRESS, {"goal": str(goal.pk), "value": 40, "note": "Two calls booked."}
        )

    # then
    assert response.status_code == 201
    entry = ProgressEntry.objects.get()
    assert response.json() == shape(entry)
    assert (entry.user, entry.goal, entry.action, entry.value, entry.note) == (
        member,
        goal,
        None,
        40,
        "Two calls booked.",
    )
    goal.refresh_from_db()
    assert (goal.progress, goal.status, goal.completed_at) == (40, "active", None)
    assert list(XPAward.objects.values_list("user", "amount", "source_id")) == [
        (member.pk, 10, f"progress:{entry.pk}")
    ]
    assert list(BadgeAward.objects.values_list("user", "badge")) == [(member.pk, "first_step")]
    assert list(Notification.objects.values_list("user", "kind", "title")) == [
        (member.pk, "badge_earned", "You earned a badge: First step")
    ]
    assert sorted(Event.objects.values_list("name", flat=True)) == [
        "badge_earned",
        "progress_recorded",
        "xp_awarded",
    ]


def test_progress_of_100_completes_the_goal(member, member_api):
    # given
    goal = GoalFactory(user=member, status=Goal.Status.PAUSED)

    # when
    response = member_api.post(PROGRESS, {"goal": str(goal.pk), "value": 100})

    # then
    assert response.status_code == 201
    goal.refresh_from_db()
    assert (goal.progress, goal.status, goal.completed_at is not None) == (100, "completed", True)
    entry = ProgressEntry.objects.get()
    assert sorted(XPAward.objects.values_list("amount", "source_id")) == [
        (10, f"progress:{entry.pk}"),
        (50, f"goal:{goal.pk}:completed"),
    ]
    assert sorted(BadgeAward.objects.values_list("badge", flat=True)) == [
        "first_step",
        "goal_getter",
    ]
    assert Notification.objects.count() == 2


def test_progress_on_a_plan_action_marks_it_done_and_reopens_it(member, member_api):
    # given
    [action] = actions_of(member)

    # when
    done = member_api.post(PROGRESS, {"action": str(action.pk), "value": 100})
    action.refresh_from_db()
    done_at = action.done_at
    reopened = member_api.post(PROGRESS, {"action": str(action.pk), "value": 60, "goal": None})

    # then
    assert done.status_code == reopened.status_code == 201
    assert done.json()["action"] == str(action.pk)
    assert done.json()["goal"] is None
    assert done_at is not None
    action.refresh_from_db()
    assert (action.progress, action.done_at) == (60, None)
    first, second = ProgressEntry.objects.order_by("created_at")
    assert sorted(XPAward.objects.values_list("amount", "source_id")) == sorted(
        [
            (10, f"progress:{first.pk}"),
            (10, f"plan_action:{action.pk}"),
            (10, f"progress:{second.pk}"),
        ]
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"value": 10}, [{"code": "one_target", "attr": "non_field_errors"}]),
        (
            {"goal": None, "action": None, "value": 10},
            [{"code": "one_target", "attr": "non_field_errors"}],
        ),
        (
            {"goal": "GOAL", "action": "ACTION", "value": 10},
            [{"code": "one_target", "attr": "non_field_errors"}],
        ),
        ({"goal": "GOAL"}, [{"code": "required", "attr": "value"}]),
        ({"goal": "GOAL", "value": -1}, [{"code": "min_value", "attr": "value"}]),
        ({"goal": "GOAL", "value": 101}, [{"code": "max_value", "attr": "value"}]),
        ({"goal": "GOAL", "value": "lots"}, [{"code": "invalid", "attr": "value"}]),
        (
            {"goal": "GOAL", "value": 5, "note": "x" * 2001},
            [{"code": "max_length", "attr": "note"}],
        ),
        ({"goal": "not-a-uuid", "value": 5}, [{"code": "invalid", "attr": "goal"}]),
        ({"goal": "MISSING", "value": 5}, [{"code": "does_not_exist", "attr": "goal"}]),
        ({"goal": "THEIR_GOAL", "value": 5}, [{"code": "does_not_exist", "attr": "goal"}]),
        ({"action": "THEIR_ACTION", "value": 5}, [{"code": "does_not_exist", "attr": "action"}]),
    ],
)
def test_bad_input_is_a_400_naming_the_field(member, other_member, member_api, body, errors):
    # given
    ids = {
        "GOAL": str(GoalFactory(user=member).pk),
        "ACTION": str(actions_of(member)[0].pk),
        "MISSING": str(uuid.uuid4()),
        "THEIR_GOAL": str(GoalFactory(user=other_member).pk),
        "THEIR_ACTION": str(actions_of(other_member)[0].pk),
    }
    body = {
        key: ids.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }

    # when
    response = member_api.post(PROGRESS, body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == errors
    assert not ProgressEntry.objects.exists()
    assert not XPAward.objects.exists()
    assert set(Goal.objects.values_list("progress", flat=True)) == {0}
    assert set(PlanAction.objects.values_list("progress", flat=True)) == {0}


@pytest.mark.parametrize("status", ["completed", "abandoned"])
def test_a_closed_goal_takes_no_more_progress(member, member_api, status):
    # given
    goal = GoalFactory(user=member, status=status, progress=70)

    # when
    response = member_api.post(PROGRESS, {"goal": str(goal.pk), "value": 80})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "goal_closed", "attr": "goal"}]
    goal.refresh_from_db()
    assert goal.progress == 70
    assert not ProgressEntry.objects.exists()


def test_without_a_token_progress_is_a_401(api, member):
    # given
    goal = GoalFactory(user=member)

    # when
    responses = [
        api.get(PROGRESS),
        api.post(PROGRESS, {"goal": str(goal.pk), "value": 10}),
        api.get(SUMMARY),
    ]

    # then
    assert [r.status_code for r in responses] == [401] * 3
    assert not ProgressEntry.objects.exists()


def test_the_entries_are_the_callers_newest_first(member, other_member, member_api):
    # given
    older = GoalProgressEntryFactory(goal=GoalFactory(user=member), value=10)
    newer = GoalProgressEntryFactory(goal=older.goal, value=20)
    GoalProgressEntryFactory(goal=GoalFactory(user=other_member))

    # when
    response = member_api.get(PROGRESS)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [shape(newer), shape(older)],
    }


def test_the_entries_query_count_does_not_grow(member, member_api, django_assert_num_queries):
    # given
    goal = GoalFactory(user=member)
    GoalProgressEntryFactory.create_batch(2, goal=goal)
    with django_assert_num_queries(2):
        member_api.get(PROGRESS)
    GoalProgressEntryFactory.create_batch(30, goal=goal)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(PROGRESS)
    assert len(response.json()["results"]) == 20
    assert response.json()["next"] is not None


def test_recording_progress_twice_on_one_day_gives_xp_for_each_entry(member, member_api):
    # given
    goal = GoalFactory(user=member)

    # when
    for value in (10, 20):
        member_api.post(PROGRESS, {"goal": str(goal.pk), "value": value})

    # then
    assert XPAward.objects.filter(user=member).count() == 2
    assert BadgeAward.objects.filter(user=member).count() == 1
