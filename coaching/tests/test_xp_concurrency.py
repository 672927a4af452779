"""Races on XP and badges are settled by the database's unique constraints."""

import pytest

from coaching.models import BadgeAward, ProgressEntry, XPAward
from coaching.services import award_xp
from coaching.services.progress import progress_record
from core.tests.concurrency import at_once
from notifications.models import Notification

from .factories import GoalFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_awards_for_one_source_give_the_xp_once(member):
    # when
    results = at_once(
        [
            lambda: award_xp(user=member, amount=30, reason="Session", source_id="session:7:done")
            for _ in range(2)
        ]
    )

    # then
    assert len(results) == 2
    assert sorted(result is None for result in results) == [False, True]
    assert list(XPAward.objects.values_list("amount", "source_id")) == [(30, "session:7:done")]


def test_simultaneous_first_progress_earns_the_badge_once(member):
    # given
    goals = [GoalFactory(user=member), GoalFactory(user=member)]

    # when
    at_once(
        [
            lambda goal=goal: progress_record(user=member, goal=goal, value=20, note="")
            for goal in goals
        ]
    )

    # then
    assert ProgressEntry.objects.filter(user=member).count() == 2
    assert list(BadgeAward.objects.values_list("badge", flat=True)) == ["first_step"]
    assert list(Notification.objects.values_list("kind", "data")) == [
        ("badge_earned", {"badge": "first_step"})
    ]
