"""PATCH /coaching/plans/{id}/actions/{action_id}: check an action off or back on, or set
its progress; the first time an action is done it earns XP."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from coaching.models import PlanAction, XPAward

from .factories import PlanActionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 3, 10, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def action(member):
    return PlanActionFactory(milestone__phase__plan__user=member, title="List your tasks")


def url(action) -> str:
    return f"/api/v1/coaching/plans/{action.plan_id}/actions/{action.pk}"


def state(action) -> tuple:
    action.refresh_from_db()
    return action.progress, action.done_at


def test_an_action_is_checked_off_and_earns_xp_once(member, action, settings):
    # given
    settings.COACHING_XP_PER_ACTION = 15

    # when
    response = client_for(member).patch(url(action), {"done": True})

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": str(action.pk),
        "order": action.order,
        "title": "List your tasks",
        "description": "",
        "due_in_days": 7,
        "due_date": "2030-01-08",
        "progress": 100,
        "done": True,
        "done_at": "2030-03-10T09:30:00Z",
    }
    assert state(action) == (100, NOW)
    award = XPAward.objects.get()
    assert (award.user, award.amount, award.reason, award.source_id) == (
        member,
        15,
        "plan_action_done",
        f"plan_action:{action.pk}",
    )


def test_undoing_and_redoing_does_not_earn_xp_again(member, action):
    # given
    client = client_for(member)
    client.patch(url(action), {"done": True})

    # when
    undone = client.patch(url(action), {"done": False})
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        redone = client.patch(url(action), {"done": True})

    # then
    assert (undone.status_code, undone.json()["done"], undone.json()["progress"]) == (
        200,
        False,
        0,
    )
    assert (redone.status_code, redone.json()["done_at"]) == (200, "2030-03-10T09:32:00Z")
    assert XPAward.objects.count() == 1


def test_done_again_keeps_the_first_time(member, action):
    # given
    client = client_for(member)
    client.patch(url(action), {"done": True})

    # when
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        response = client.patch(url(action), {"done": True, "progress": 100})

    # then
    assert response.status_code == 200
    assert state(action) == (100, NOW)
    assert XPAward.objects.count() == 1


def test_progress_is_set_and_100_is_done(member, action):
    # given
    client = client_for(member)

    # when
    halfway = client.patch(url(action), {"progress": 50})
    complete = client.patch(url(action), {"progress": 100})

    # then
    assert (halfway.json()["progress"], halfway.json()["done"]) == (50, False)
    assert (complete.json()["progress"], complete.json()["done"]) == (100, True)
    assert state(action) == (100, NOW)
    assert XPAward.objects.count() == 1


def test_progress_under_100_reopens_a_done_action(member, action):
    # given
    client = client_for(member)
    client.patch(url(action), {"done": True})

    # when
    response = client.patch(url(action), {"progress": 80})

    # then
    assert (response.status_code, response.json()["done"]) == (200, False)
    assert state(action) == (80, None)


def test_undone_with_a_progress(member, action):
    # given
    client = client_for(member)
    client.patch(url(action), {"done": True})

    # when
    response = client.patch(url(action), {"done": False, "progress": 30})

    # then
    assert response.status_code == 200
    assert state(action) == (30, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [{"code": "required", "attr": "done"}]),
        ({"done": "maybe"}, [{"code": "invalid", "attr": "done"}]),
        ({"done": None}, [{"code": "null", "attr": "done"}]),
        ({"progress": -1}, [{"code": "min_value", "attr": "progress"}]),
        ({"progress": 101}, [{"code": "max_value", "attr": "progress"}]),
        ({"progress": "lots"}, [{"code": "invalid", "attr": "progress"}]),
        ({"done": True, "progress": 40}, [{"code": "invalid", "attr": "progress"}]),
        ({"done": False, "progress": 100}, [{"code": "invalid", "attr": "progress"}]),
    ],
)
def test_bad_input_is_named_and_changes_nothing(member, action, body, expected):
    # when
    response = client_for(member).patch(url(action), body, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == expected
    assert state(action) == (0, None)
    assert XPAward.objects.count() == 0


def test_another_members_action_is_a_404(member):
    # given
    theirs = PlanActionFactory(milestone__phase__plan__user=UserFactory())

    # when
    response = client_for(member).patch(url(theirs), {"done": True})

    # then
    assert response.status_code == 404
    assert state(theirs) == (0, None)


def test_an_action_of_another_plan_is_a_404(member, action):
    # given
    other_plan_action = PlanActionFactory(milestone__phase__plan__user=member)

    # when
    response = client_for(member).patch(
        f"/api/v1/coaching/plans/{other_plan_action.plan_id}/actions/{action.pk}", {"done": True}
    )

    # then
    assert response.status_code == 404
    assert PlanAction.objects.filter(done_at__isnull=False).count() == 0


def test_checking_off_needs_authentication(api, action):
    response = api.patch(url(action), {"done": True})

    assert response.status_code == 401
    assert state(action) == (0, None)
