"""XP: ``coaching.services.award_xp`` gives XP once per source, and the level curve."""

import pytest

from analytics.models import Event
from coaching.models import XPAward
from coaching.selectors.progress import Level, level_for, level_start
from coaching.services import award_xp

pytestmark = pytest.mark.django_db


def test_xp_awarded_twice_for_the_same_source_counts_once(
    member, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first = award_xp(
            user=member, amount=25, reason="Booking attended", source_id="booking:1:attended"
        )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = award_xp(user=member, amount=40, reason="Retried", source_id="booking:1:attended")

    # then
    assert again is None
    assert list(XPAward.objects.values_list("user", "amount", "reason", "source_id")) == [
        (member.pk, 25, "Booking attended", "booking:1:attended")
    ]
    assert first == XPAward.objects.get()
    assert list(Event.objects.filter(name="xp_awarded").values_list("properties", flat=True)) == [
        {"amount": 25, "reason": "Booking attended", "source_id": "booking:1:attended"}
    ]


def test_different_sources_and_members_add_up(member, other_member):
    # when
    award_xp(user=member, amount=10, reason="Progress recorded", source_id="progress:1")
    award_xp(user=member, amount=15, reason="Progress recorded", source_id="progress:2")
    award_xp(user=other_member, amount=10, reason="Progress recorded", source_id="progress:1")

    # then
    assert sorted(XPAward.objects.filter(user=member).values_list("amount", flat=True)) == [10, 15]
    assert XPAward.objects.filter(user=other_member).count() == 1


@pytest.mark.parametrize("amount", [0, -5, 2.5, True, "10"])
def test_an_amount_that_is_not_a_positive_whole_number_is_refused(member, amount):
    # when / then
    with pytest.raises(ValueError, match="positive whole amount"):
        award_xp(user=member, amount=amount, reason="Nothing", source_id="test:bad-amount")
    assert not XPAward.objects.exists()


@pytest.mark.parametrize("source_id", ["", "x" * 101])
def test_a_missing_or_overlong_source_is_refused(member, source_id):
    # when / then
    with pytest.raises(ValueError, match="source_id"):
        award_xp(user=member, amount=10, reason="Nothing", source_id=source_id)
    assert not XPAward.objects.exists()


@pytest.mark.parametrize(
    ("xp", "level", "starts_at", "next_level_at"),
    [
        (0, 1, 0, 100),
        (99, 1, 0, 100),
        (100, 2, 100, 300),
        (299, 2, 100, 300),
        (300, 3, 300, 600),
        (599, 3, 300, 600),
        (600, 4, 600, 1000),
        (999, 4, 600, 1000),
        (1000, 5, 1000, 1500),
        (4950 * 100, 100, 495000, 505000),
        (-10, 1, 0, 100),
    ],
)
def test_level_boundaries(xp, level, starts_at, next_level_at):
    # when / then
    assert level_for(xp, per_level=100) == Level(level, starts_at, next_level_at)


def test_the_level_curve_follows_the_setting(settings):
    # given
    settings.COACHING_XP_PER_LEVEL = 50

    # when / then
    assert [level_start(n) for n in (1, 2, 3, 4, 5)] == [0, 50, 150, 300, 500]
    assert level_for(149).level == 2
    assert level_for(150).level == 3


def test_every_level_boundary_is_exact_far_up_the_curve():
    # when / then
    for n in range(1, 500):
        start = level_start(n, per_level=7)
        assert level_for(start, per_level=7).level == n
        assert level_for(start - 1, per_level=7).level == max(1, n - 1)
