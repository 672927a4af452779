"""Goals, progress entries, XP and badges: every write of them, and ``award_xp`` for other
apps (``coaching.services.award_xp``).

- **XP is given once per source.** ``award_xp(user=, amount=, reason=, source_id=)`` inserts an
  ``XPAward`` inside a savepoint; the unique constraint on (user, source_id) refuses a
  second one, so a retried task, a double click or two racing requests give the XP once
  (the loser of a race waits for the winner's commit and then finds the row there).
- **Badges are awarded once.** After XP or progress changes, :func:`evaluate_badges`
  computes the member's stats once, asks every rule of ``coaching/badges.py`` and inserts the
  badges newly earned, each in its own savepoint against the (user, badge) constraint; only
  the insert that wins sends the ``badge_earned`` notification. Everything happens in the
  caller's transaction: a rolled-back request leaves no badge and no notification behind,
  and the notification's push and email wait for the commit (``notifications.services``).
- **Goals**: active <-> paused; active or paused -> completed or abandoned; abandoned ->
  active; completed is final. Completing one (``PATCH status``, or progress of 100) sets
  ``completed_at`` and ``progress=100`` and gives ``XP_GOAL_COMPLETED`` XP once per goal.
- **Progress** is recorded on one goal or one plan action of the member's own: its value
  (0-100) becomes the target's ``progress``; 100 completes a goal or marks an action done
  (``done_at``), less than 100 reopens an action. Every entry gives ``XP_PROGRESS_ENTRY``
  XP; an action done gives ``COACHING_XP_PER_ACTION`` once (source ``plan_action:<id>``,
  shared with ``services.plans.action_update``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.services import track
from core.exceptions import DomainError
from notifications.services import notify

from .. import badges
from ..models import BadgeAward, Goal, PlanAction, ProgressEntry, XPAward
from ..selectors.progress import stats_for

if TYPE_CHECKING:
    from accounts.models import User

XP_PROGRESS_ENTRY = 10
XP_GOAL_COMPLETED = 50
SOURCE_ID_MAX_LENGTH = XPAward._meta.get_field("source_id").max_length
REASON_MAX_LENGTH = XPAward._meta.get_field("reason").max_length

Status = Goal.Status

TRANSITIONS: dict[str, set[str]] = {
    Status.ACTIVE: {Status.PAUSED, Status.COMPLETED, Status.ABANDONED},
    Status.PAUSED: {Status.ACTIVE, Status.COMPLETED, Status.ABANDONED},
    Status.ABANDONED: {Status.ACTIVE},
    Status.COMPLETED: set(),
}
CLOSED = {Status.COMPLETED, Status.ABANDONED}


# --- XP and badges ------------------------------------------------------------------------


@transaction.atomic
def award_xp(*, user: User, amount: int, reason: str, source_id: str) -> XPAward | None:
    """Give ``user`` ``amount`` XP (> 0) for ``source_id`` (e.g. ``"booking:<id>:attended"``),
    once: returns the new award, or None when that source had already given them XP (the
    first award stands). Then awards the badges newly earned. Safe to call from any app,
    any number of times, concurrently."""
    award = _award_xp(user=user, amount=amount, reason=reason, source_id=source_id)
    if award is not None:
        evaluate_badges(user=user)
    return award


def _award_xp(*, user, amount: int, reason: str, source_id: str) -> XPAward | None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"award_xp() needs a positive whole amount, not {amount!r}.")
    if not source_id or len(source_id) > SOURCE_ID_MAX_LENGTH:
        raise ValueError(f"award_xp() needs a source_id of 1-{SOURCE_ID_MAX_LENGTH} characters.")
    try:
        with transaction.atomic():
            award = XPAward.objects.create(
                user=user, amount=amount, reason=reason[:REASON_MAX_LENGTH], source_id=source_id
            )
    except IntegrityError:
        return None
    track("xp_awarded", user, amount=amount, reason=award.reason, source_id=source_id)
    return award


@transaction.atomic
def evaluate_badges(*, user: User) -> list[BadgeAward]:
    """Award ``user`` every badge whose rule (``coaching/badges.py``) they now pass and that
    they do not have yet, each once, with one ``badge_earned`` notification; returns the
    awards made by this call."""
    stats = stats_for(user)
    held = set(BadgeAward.objects.filter(user=user).values_list("badge", flat=True))
    made = []
    for badge in badges.qualifying(stats):
        if badge.code in held:
            continue
        try:
            with transaction.atomic():
                award = BadgeAward.objects.create(user=user, badge=badge.code)
        except IntegrityError:
            continue  # a concurrent evaluation awarded it (and notified) first
        notify(
            user=user,
            kind="badge_earned",
            title=f"You earned a badge: {badge.name}",
            body=badge.description,
            data={"badge": badge.code},
        )
        track("badge_earned", user, badge=badge.code)
        made.append(award)
    return made


# --- goals --------------------------------------------------------------------------------


def today_for(user: User) -> dt.date:
    """Today in the member's time zone (their profile's; UTC without one)."""
    name = getattr(getattr(user, "profile", None), "timezone", "") or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return timezone.now().astimezone(zone).date()


def _check_target_date(user, target_date: dt.date | None) -> None:
    if target_date is not None and target_date < today_for(user):
        raise DomainError(
            "The target date cannot be in the past.", code="past_date", attr="target_date"
        )


@transaction.atomic
def goal_create(
    *, user: User, title: str, description: str = "", target_date: dt.date | None = None
) -> Goal:
    """A new active goal. ``target_date`` may not be before today (the member's today)."""
    _check_target_date(user, target_date)
    goal = Goal.objects.create(
        user=user, title=title, description=description, target_date=target_date
    )
    track("goal_created", user, goal_id=str(goal.pk))
    return goal


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    title: str | None = None,
    description: str | None = None,
    target_date: dt.date | None | object = ...,
    status: str | None = None,
) -> Goal:
    """Change what is given. A new ``target_date`` may not be in the past; ``status`` moves
    along ``TRANSITIONS`` (anything else: 400 ``invalid_transition`` naming ``status``), and
    ``completed`` completes the goal (see the module's docstring)."""
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    fields = []
    if title is not None:
        goal.title = title
        fields.append("title")
    if description is not None:
        goal.description = description
        fields.append("description")
    if target_date is not ... and target_date != goal.target_date:
        _check_target_date(goal.user, target_date)
        goal.target_date = target_date
        fields.append("target_date")
    completing = False
    if status is not None and status != goal.status:
        if status not in TRANSITIONS[goal.status]:
            raise DomainError(
                f"A {goal.status} goal cannot become {status}.",
                code="invalid_transition",
                attr="status",
            )
        completing = status == Status.COMPLETED
        goal.status = status
        fields.append("status")
    if fields:
        goal.save(update_fields=[*fields, "updated_at"])
    if completing:
        _complete(goal)
        evaluate_badges(user=goal.user)
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal) -> None:
    """Delete a goal with its progress entries; the XP and badges it brought stay."""
    track("goal_deleted", goal.user, goal_id=str(goal.pk))
    goal.delete()


def _complete(goal: Goal) -> None:
    """Mark a (locked) goal completed and give its XP, once."""
    goal.status = Status.COMPLETED
    goal.progress = 100
    goal.completed_at = timezone.now()
    goal.save(update_fields=["status", "progress", "completed_at", "updated_at"])
    _award_xp(
        user=goal.user,
        amount=XP_GOAL_COMPLETED,
        reason="Goal completed",
        source_id=f"goal:{goal.pk}:completed",
    )
    track("goal_completed", goal.user, goal_id=str(goal.pk))


# --- progress -----------------------------------------------------------------------------


@transaction.atomic
def progress_record(
    *,
    user: User,
    goal: Goal | None = None,
    action: PlanAction | None = None,
    value: int,
    note: str = "",
) -> ProgressEntry:
    """Record progress ``value`` (0-100) on one of the member's goals or plan actions (see
    the module's docstring for its effects). Refusals (400): both or neither target
    (``one_target``), another member's target (``does_not_exist`` naming it), a completed
    or abandoned goal (``goal_closed`` naming ``goal``), a value out of range (``value``)."""
    if (goal is None) == (action is None):
        raise DomainError("Give either a goal or a plan action.", code="one_target")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise DomainError("Give a value from 0 to 100.", code="out_of_range", attr="value")
    if goal is not None:
        goal = Goal.objects.select_for_update().filter(pk=goal.pk, user=user).first()
        if goal is None:
            raise DomainError("No such goal.", code="does_not_exist", attr="goal")
        if goal.status in CLOSED:
            raise DomainError(
                f"The goal is {goal.status}: no more progress can be recorded on it.",
                code="goal_closed",
                attr="goal",
            )
    else:
        action = (
            PlanAction.objects.select_for_update(of=("self",))
            .filter(pk=action.pk, plan__user=user)
            .first()
        )
        if action is None:
            raise DomainError("No such plan action.", code="does_not_exist", attr="action")

    entry = ProgressEntry.objects.create(
        user=user, goal=goal, action=action, value=value, note=note
    )
    if goal is not None:
        if value == 100:
            _complete(goal)
        else:
            goal.progress = value
            goal.save(update_fields=["progress", "updated_at"])
    else:
        action.progress = value
        if value == 100:
            action.done_at = action.done_at or timezone.now()
            # The same source as checking the action off (services.plans.action_update):
            # an action gives its XP once, whichever way it was done.
            _award_xp(
                user=user,
                amount=settings.COACHING_XP_PER_ACTION,
                reason="plan_action_done",
                source_id=f"plan_action:{action.pk}",
            )
        else:
            action.done_at = None
        action.save(update_fields=["progress", "done_at", "updated_at"])
    _award_xp(
        user=user,
        amount=XP_PROGRESS_ENTRY,
        reason="Progress recorded",
        source_id=f"progress:{entry.pk}",
    )
    track(
        "progress_recorded",
        user,
        entry_id=str(entry.pk),
        goal_id=str(goal.pk) if goal else None,
        action_id=str(action.pk) if action else None,
        value=value,
    )
    evaluate_badges(user=user)
    return entry
