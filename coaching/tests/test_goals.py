"""Goals (GET, POST /coaching/goals; GET, PATCH, DELETE /coaching/goals/{id})."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Profile
from accounts.tests.helpers import client_for, errors_of
from analytics.models import Event
from coaching.models import BadgeAward, Goal, ProgressEntry, XPAward
from notifications.models import Notification

from .factories import GoalFactory, GoalProgressEntryFactory
from .progress_helpers import GOALS, goal_url

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_api(member):
    """``member``'s client, with the clock stopped at ``NOW``."""
    with time_machine.travel(NOW, tick=False):
        yield client_for(member)


def iso(value):
    return serializers.DateTimeField().to_representation(value) if value else None


def shape(goal: Goal) -> dict:
    goal.refresh_from_db()
    return {
        "id": str(goal.pk),
        "title": goal.title,
        "description": goal.description,
        "target_date": goal.target_date.isoformat() if goal.target_date else None,
        "status": goal.status,
        "progress": goal.progress,
        "completed_at": iso(goal.completed_at),
        "created_at": iso(goal.created_at),
        "updated_at": iso(goal.updated_at),
    }


# --- list ---------------------------------------------------------------------------------


def test_the_list_shows_the_callers_goals_newest_first(member, member_api, other_member):
    # given
    older = GoalFactory(user=member)
    newer = GoalFactory(user=member)
    GoalFactory(user=other_member)

    # when
    response = member_api.get(GOALS)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [shape(newer), shape(older)],
    }


def test_the_list_filters_by_status(member, member_api):
    # given
    GoalFactory(user=member)
    paused = GoalFactory(user=member, status=Goal.Status.PAUSED)

    # when
    response = member_api.get(GOALS, {"status": "paused"})

    # then
    assert response.status_code == 200
    assert [goal["id"] for goal in response.json()["results"]] == [str(paused.pk)]


def test_an_unknown_status_filter_is_a_400(member_api):
    # when
    response = member_api.get(GOALS, {"status": "done"})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid_choice", "attr": "status"}]


def test_the_list_query_count_does_not_grow(member, member_api, django_assert_num_queries):
    # given
    GoalFactory.create_batch(2, user=member)
    with django_assert_num_queries(3):
        member_api.get(GOALS)
    GoalFactory.create_batch(25, user=member, status=Goal.Status.COMPLETED)

    # when / then
    with django_assert_num_queries(3):
        response = member_api.get(GOALS)
    assert response.json()["count"] == 27


# --- create -------------------------------------------------------------------------------


def test_a_member_sets_a_goal(member, frozen_api, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = frozen_api.post(
            GOALS,
            {
                "title": "Find 3 clients",
                "description": "For the design studio.",
                "target_date": "2026-03-10",
                "status": "completed",
                "progress": 80,
            },
        )

    # then
    assert response.status_code == 201
    goal = Goal.objects.get()
    assert response.json() == shape(goal)
    assert (goal.user, goal.title, goal.description, goal.target_date) == (
        member,
        "Find 3 clients",
        "For the design studio.",
        dt.date(2026, 3, 10),
    )
    assert (goal.status, goal.progress, goal.completed_at) == ("active", 0, None)
    assert list(Event.objects.values_list("name", flat=True)) == ["goal_created"]


def test_title_alone_is_enough(member_api):
    # when
    response = member_api.post(GOALS, {"title": "Write more"})

    # then
    assert response.status_code == 201
    assert (response.json()["description"], response.json()["target_date"]) == ("", None)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"code": "required", "attr": "title"}]),
        ({"title": ""}, [{"code": "blank", "attr": "title"}]),
        ({"title": "x" * 201}, [{"code": "max_length", "attr": "title"}]),
        (
            {"title": "A", "description": "x" * 5001},
            [{"code": "max_length", "attr": "description"}],
        ),
        ({"title": "A", "target_date": "soon"}, [{"code": "invalid", "attr": "target_date"}]),
        (
            {"title": "A", "target_date": "2026-03-09"},
            [{"code": "past_date", "attr": "target_date"}],
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(frozen_api, body, errors):
    # when
    response = frozen_api.post(GOALS, body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == errors
    assert not Goal.objects.exists()


def test_the_past_is_judged_in_the_members_time_zone(member, frozen_api):
    # given: it is already 11 March in Kiritimati (UTC+14)
    Profile.objects.filter(user=member).update(timezone="Pacific/Kiritimati")

    # when
    response = frozen_api.post(GOALS, {"title": "A", "target_date": "2026-03-10"})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "past_date", "attr": "target_date"}]


def test_without_a_token_goals_are_a_401(api, member):
    # given
    goal = GoalFactory(user=member)

    # when
    responses = [
        api.get(GOALS),
        api.post(GOALS, {"title": "A"}),
        api.get(goal_url(goal)),
        api.patch(goal_url(goal), {"title": "B"}),
        api.delete(goal_url(goal)),
    ]

    # then
    assert [r.status_code for r in responses] == [401] * 5
    assert Goal.objects.get().title == goal.title


# --- one goal -----------------------------------------------------------------------------


def test_a_member_reads_one_of_their_goals(member, member_api):
    # given
    goal = GoalFactory(user=member)

    # when
    response = member_api.get(goal_url(goal))

    # then
    assert response.status_code == 200
    assert response.json() == shape(goal)


def test_another_members_goal_is_a_404_to_every_method(member_api, other_member):
    # given
    goal = GoalFactory(user=other_member, title="Theirs")

    # when
    responses = [
        member_api.get(goal_url(goal)),
        member_api.patch(goal_url(goal), {"title": "Mine now"}),
        member_api.delete(goal_url(goal)),
        member_api.get(f"{GOALS}/{uuid.uuid4()}"),
    ]

    # then
    assert [r.status_code for r in responses] == [404] * 4
    assert Goal.objects.get().title == "Theirs"


def test_a_member_edits_a_goal(member, member_api):
    # given
    goal = GoalFactory(user=member, target_date=dt.date(2099, 1, 1))

    # when
    response = member_api.patch(
        goal_url(goal),
        {"title": "Find 5 clients", "description": "", "target_date": None, "progress": 90},
    )

    # then
    assert response.status_code == 200
    assert response.json() == shape(goal)
    assert (goal.title, goal.description, goal.target_date, goal.progress) == (
        "Find 5 clients",
        "",
        None,
        0,
    )


def test_an_old_target_date_may_stay_but_a_new_one_may_not_be_past(member, frozen_api):
    # given
    goal = GoalFactory(user=member, target_date=dt.date(2026, 1, 1))

    # when
    kept = frozen_api.patch(goal_url(goal), {"target_date": "2026-01-01", "title": "B"})
    moved = frozen_api.patch(goal_url(goal), {"target_date": "2026-02-01"})

    # then
    assert kept.status_code == 200
    assert moved.status_code == 400
    assert errors_of(moved) == [{"code": "past_date", "attr": "target_date"}]
    goal.refresh_from_db()
    assert (goal.title, goal.target_date) == ("B", dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("active", "paused"),
        ("paused", "active"),
        ("active", "abandoned"),
        ("paused", "abandoned"),
        ("abandoned", "active"),
    ],
)
def test_allowed_status_changes(member, member_api, start, to):
    # given
    goal = GoalFactory(user=member, status=start)

    # when
    response = member_api.patch(goal_url(goal), {"status": to})

    # then
    assert response.status_code == 200
    goal.refresh_from_db()
    assert (goal.status, goal.completed_at) == (to, None)


@pytest.mark.parametrize(
    ("start", "to"),
    [("completed", "active"), ("completed", "paused"), ("abandoned", "completed")],
)
def test_refused_status_changes_are_a_400(member, member_api, start, to):
    # given
    goal = GoalFactory(user=member, status=start)

    # when
    response = member_api.patch(goal_url(goal), {"status": to, "title": "Changed"})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid_transition", "attr": "status"}]
    goal.refresh_from_db()
    assert (goal.status, goal.title == "Changed") == (start, False)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"status": "done"}, [{"code": "invalid_choice", "attr": "status"}]),
        ({"title": ""}, [{"code": "blank", "attr": "title"}]),
        ({"target_date": "tomorrow"}, [{"code": "invalid", "attr": "target_date"}]),
    ],
)
def test_bad_edits_are_a_400_naming_the_field(member, member_api, body, errors):
    # given
    goal = GoalFactory(user=member)

    # when
    response = member_api.patch(goal_url(goal), body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == errors


def test_completing_a_goal_gives_its_xp_and_badge_once(
    member, frozen_api, django_capture_on_commit_callbacks
):
    # given
    goal = GoalFactory(user=member, status=Goal.Status.PAUSED, progress=40)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = frozen_api.patch(goal_url(goal), {"status": "completed"})
        again = frozen_api.patch(goal_url(goal), {"status": "completed"})

    # then
    assert response.status_code == again.status_code == 200
    goal.refresh_from_db()
    assert (goal.status, goal.progress, goal.completed_at) == ("completed", 100, NOW)
    assert response.json()["completed_at"] == iso(NOW)
    assert list(XPAward.objects.values_list("amount", "source_id")) == [
        (50, f"goal:{goal.pk}:completed")
    ]
    assert list(BadgeAward.objects.values_list("badge", flat=True)) == ["goal_getter"]
    assert Notification.objects.filter(kind="badge_earned").count() == 1


def test_a_member_deletes_a_goal_and_keeps_its_xp(member, member_api):
    # given
    goal = GoalFactory(user=member)
    GoalProgressEntryFactory(goal=goal)
    XPAward.objects.create(user=member, amount=10, reason="r", source_id="progress:x")
    kept = GoalFactory(user=member)

    # when
    response = member_api.delete(goal_url(goal))

    # then
    assert response.status_code == 204
    assert list(Goal.objects.all()) == [kept]
    assert not ProgressEntry.objects.exists()
    assert XPAward.objects.count() == 1
    assert timezone.now() >= kept.created_at
