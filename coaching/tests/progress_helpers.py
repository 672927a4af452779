"""Helpers of the goals and progress tests: plan actions built directly (the plans part
owns their factories), and the URLs."""

import datetime as dt

from coaching.models import DevelopmentPlan, PlanAction, PlanMilestone, PlanPhase

GOALS = "/api/v1/coaching/goals"
PROGRESS = "/api/v1/coaching/progress"
SUMMARY = "/api/v1/coaching/progress/summary"


def goal_url(goal) -> str:
    return f"{GOALS}/{goal.pk}"


def actions_of(user, count: int = 1) -> list[PlanAction]:
    """``count`` open actions of a new plan of ``user``'s."""
    version = DevelopmentPlan.objects.filter(user=user).count() + 1
    plan = DevelopmentPlan.objects.create(
        user=user, version=version, title="Grow", starts_on=dt.date(2026, 1, 1)
    )
    phase = PlanPhase.objects.create(plan=plan, order=1, title="Start")
    milestone = PlanMilestone.objects.create(phase=phase, order=1, title="First clients")
    return [
        PlanAction.objects.create(
            plan=plan, milestone=milestone, order=n, title=f"Action {n}", due_in_days=n
        )
        for n in range(count)
    ]
