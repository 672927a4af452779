"""The admin of goals, XP and badges: lists that open, and a read-only ledger."""

import pytest
from django.urls import reverse

from coaching.models import Goal

from .factories import BadgeAwardFactory, GoalFactory, XPAwardFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["goal", "xpaward", "badgeaward"])
def test_the_lists_open_and_cannot_add(admin_browser, model):
    # given
    GoalFactory(title="Find 3 clients")
    XPAwardFactory(source_id="progress:1")
    BadgeAwardFactory(badge="first_step")

    # when
    listing = admin_browser.get(reverse(f"admin:coaching_{model}_changelist"))
    adding = admin_browser.get(reverse(f"admin:coaching_{model}_add"))

    # then
    assert listing.status_code == 200
    assert adding.status_code == 403


def test_the_badge_list_names_the_badge(admin_browser):
    # given
    BadgeAwardFactory(badge="first_step")
    BadgeAwardFactory(badge="retired_code")

    # when
    response = admin_browser.get(reverse("admin:coaching_badgeaward_changelist"))

    # then
    assert "First step" in response.content.decode()
    assert "(retired badge)" in response.content.decode()


def test_xp_and_badges_are_read_only(admin_browser):
    # given
    award = XPAwardFactory(amount=10)
    badge = BadgeAwardFactory()

    # when
    xp_change = admin_browser.post(
        reverse("admin:coaching_xpaward_change", args=[award.pk]), {"amount": 9999}
    )
    badge_delete = admin_browser.post(
        reverse("admin:coaching_badgeaward_delete", args=[badge.pk]), {"post": "yes"}
    )

    # then
    assert xp_change.status_code == 403
    assert badge_delete.status_code == 403
    award.refresh_from_db()
    assert award.amount == 10


def test_staff_correct_a_goals_wording_but_not_its_status(admin_browser):
    # given
    goal = GoalFactory(title="Typo", status=Goal.Status.ACTIVE)

    # when
    response = admin_browser.post(
        reverse("admin:coaching_goal_change", args=[goal.pk]),
        {"title": "Fixed", "description": "", "target_date": "", "status": "completed"},
    )

    # then
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.status, goal.completed_at) == ("Fixed", "active", None)
