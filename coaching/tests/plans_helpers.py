"""Helpers of the development plan tests: the URLs, the frozen clock's instants, the
model's answer for a generation, and plans built with every level."""

import datetime as dt

from .factories import (
    DevelopmentPlanFactory,
    PlanActionFactory,
    PlanMilestoneFactory,
    PlanPhaseFactory,
)

URL = "/api/v1/coaching/plans"
NOW = dt.datetime(2030, 3, 10, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2030, 3, 10)

ANSWER = {
    "title": "From analyst to team lead",
    "summary": "Build leadership through small, visible steps.",
    "phases": [
        {
            "title": "Foundations",
            "description": "Learn the basics.",
            "milestones": [
                {
                    "title": "Delegate one task",
                    "description": "Hand something off.",
                    "due_in_days": 10,
                    "actions": [
                        {
                            "title": "List your tasks",
                            "description": "All of them.",
                            "due_in_days": 2,
                        },
                        {"title": "Pick one to hand off", "description": "", "due_in_days": 14},
                    ],
                },
                {
                    "title": "Speak once",
                    "description": "At a team meeting.",
                    "due_in_days": 30,
                    "actions": [
                        {"title": "Prepare five minutes", "description": "", "due_in_days": 21},
                    ],
                },
            ],
        },
        {
            "title": "Practice",
            "description": "Do it for real.",
            "milestones": [
                {
                    "title": "Lead a project",
                    "description": "A small one.",
                    "due_in_days": 90,
                    "actions": [
                        {
                            "title": "Volunteer",
                            "description": "Ask your manager.",
                            "due_in_days": 45,
                        },
                    ],
                }
            ],
        },
    ],
    "recommendations": [
        {"kind": "goal", "title": "Mentor a junior", "description": "Teach.", "confidence": 0.8},
        {
            "kind": "action",
            "title": "Read a book",
            "description": "On delegation.",
            "confidence": 0.4,
        },
    ],
}


def plan_url(plan) -> str:
    return f"{URL}/{plan.pk}"


def make_plan(user, *, phases=2, milestones=2, actions=2, done=0):
    plan = DevelopmentPlanFactory(user=user)
    count = 0
    for _ in range(phases):
        phase = PlanPhaseFactory(plan=plan)
        for _ in range(milestones):
            milestone = PlanMilestoneFactory(phase=phase)
            for _ in range(actions):
                PlanActionFactory(milestone=milestone, done_at=NOW if count < done else None)
                count += 1
    return plan
