"""Development plans: the list of every version and the detail of one."""

import datetime as dt

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for

from .factories import (
    DevelopmentPlanFactory,
    PlanActionFactory,
    PlanMilestoneFactory,
    PlanPhaseFactory,
)
from .plans_helpers import NOW, URL, make_plan, plan_url

# The offline AI provider and known quotas (conftest.py), and a frozen clock.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_ai", "plans_now")]


def test_the_list_has_every_version_with_action_counts(member):
    # given
    older = make_plan(member, phases=1, milestones=1, actions=3, done=1)
    newer = make_plan(member, phases=1, milestones=2, actions=2, done=0)
    make_plan(UserFactory())

    # when
    response = client_for(member).get(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert body["results"][0] == {
        "id": str(newer.pk),
        "version": newer.version,
        "title": newer.title,
        "summary": "Grow into a team lead.",
        "status": "ready",
        "starts_on": "2030-01-01",
        "assessment": None,
        "generation": None,
        "ai": None,
        "actions_total": 4,
        "actions_done": 0,
        "created_at": "2030-03-10T09:30:00Z",
        "updated_at": "2030-03-10T09:30:00Z",
    }
    assert [(r["id"], r["actions_total"], r["actions_done"]) for r in body["results"]] == [
        (str(newer.pk), 4, 0),
        (str(older.pk), 3, 1),
    ]


def test_the_list_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    client = client_for(member)
    make_plan(member, phases=1, milestones=1, actions=1)
    client.get(URL)
    with django_assert_num_queries(3):
        client.get(URL)
    for _ in range(5):
        make_plan(member, phases=2, milestones=2, actions=3, done=2)

    # when / then
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert len(response.json()["results"]) == 6


def test_the_detail_has_the_whole_tree_in_order(member):
    # given
    plan = DevelopmentPlanFactory(user=member, starts_on=dt.date(2030, 3, 1))
    later = PlanPhaseFactory(plan=plan, order=1, title="Later")
    first = PlanPhaseFactory(plan=plan, order=0, title="First", description="Start here.")
    milestone = PlanMilestoneFactory(phase=first, order=0, title="M", due_date=dt.date(2030, 3, 15))
    second = PlanActionFactory(milestone=milestone, order=1, title="B", due_in_days=9)
    done = PlanActionFactory(
        milestone=milestone,
        order=0,
        title="A",
        description="Do A.",
        due_in_days=3,
        due_date=dt.date(2030, 3, 4),
        progress=100,
        done_at=NOW,
    )

    # when
    response = client_for(member).get(plan_url(plan))

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["actions_total"], body["actions_done"]) == (str(plan.pk), 2, 1)
    assert body["phases"] == [
        {
            "id": str(first.pk),
            "order": 0,
            "title": "First",
            "description": "Start here.",
            "milestones": [
                {
                    "id": str(milestone.pk),
                    "order": 0,
                    "title": "M",
                    "description": "",
                    "due_date": "2030-03-15",
                    "actions": [
                        {
                            "id": str(done.pk),
                            "order": 0,
                            "title": "A",
                            "description": "Do A.",
                            "due_in_days": 3,
                            "due_date": "2030-03-04",
                            "progress": 100,
                            "done": True,
                            "done_at": "2030-03-10T09:30:00Z",
                        },
                        {
                            "id": str(second.pk),
                            "order": 1,
                            "title": "B",
                            "description": "",
                            "due_in_days": 9,
                            "due_date": "2030-03-08",
                            "progress": 0,
                            "done": False,
                            "done_at": None,
                        },
                    ],
                }
            ],
        },
        {"id": str(later.pk), "order": 1, "title": "Later", "description": "", "milestones": []},
    ]


def test_the_detail_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    client = client_for(member)
    small = make_plan(member, phases=1, milestones=1, actions=1)
    big = make_plan(member, phases=4, milestones=3, actions=4, done=5)
    client.get(plan_url(small))

    # when / then
    with django_assert_num_queries(5):
        client.get(plan_url(small))
    with django_assert_num_queries(5):
        response = client.get(plan_url(big))
    assert response.json()["actions_total"] == 48


def test_another_members_plan_is_a_404(member):
    # given
    plan = make_plan(UserFactory())
    client = client_for(member)

    # when / then
    assert client.get(plan_url(plan)).status_code == 404
    assert client.patch(plan_url(plan), {"title": "Mine"}).status_code == 404
    assert client.delete(plan_url(plan)).status_code == 404
    plan.refresh_from_db()
    assert plan.title != "Mine"
