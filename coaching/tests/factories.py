"""Factories of coaching's rows; each part of coaching appends its own at the end."""

import datetime as dt
import json

import factory

from accounts.tests.factories import UserFactory

# --- goals, progress, XP, badges ----------------------------------------------------------


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.Goal"

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    description = "Land three new clients this quarter."


class GoalProgressEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.ProgressEntry"

    goal = factory.SubFactory(GoalFactory)
    user = factory.SelfAttribute("goal.user")
    value = 10
    note = "Sent two proposals."


class XPAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.XPAward"

    user = factory.SubFactory(UserFactory)
    amount = 10
    reason = "Progress recorded"
    source_id = factory.Sequence(lambda n: f"test:{n}")


class BadgeAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.BadgeAward"

    user = factory.SubFactory(UserFactory)
    badge = "first_step"


# --- assessment ---------------------------------------------------------------------------


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    """A published questionnaire without questions. Versions start at 1000 so they never
    meet the shipped version 1 (coaching/migrations/0002_default_questionnaire.py)."""

    class Meta:
        model = "coaching.Questionnaire"

    version = factory.Sequence(lambda n: 1000 + n)
    title = factory.Sequence(lambda n: f"Assessment {n}")
    description = "How you work."
    is_published = True


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.Question"

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    key = factory.Sequence(lambda n: f"question_{n}")
    order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Question {n}?")
    type = "scale"
    dimension = "strategic_builder"


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.Choice"

    question = factory.SubFactory(QuestionFactory, type="single_choice", dimension="")
    value = factory.Sequence(lambda n: f"choice_{n}")
    label = factory.Sequence(lambda n: f"Choice {n}")
    order = factory.Sequence(lambda n: n)
    scores = factory.LazyFunction(dict)


class AssessmentResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.AssessmentResult"

    user = factory.SubFactory(UserFactory)
    questionnaire = factory.SubFactory(QuestionnaireFactory)
    answers = factory.LazyFunction(dict)
    scores = factory.LazyFunction(lambda: {"strategic_builder": 80, "ai_interest": 60})
    archetype = "strategic_builder"
    ai_interest = 60
    analysis_status = "pending"


# --- development plans and recommendations -----------------------------------------------


class DevelopmentPlanFactory(factory.django.DjangoModelFactory):
    """A ready plan without a tree: add phases, milestones and actions with theirs."""

    class Meta:
        model = "coaching.DevelopmentPlan"

    user = factory.SubFactory(UserFactory)
    version = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Plan {n}")
    summary = "Grow into a team lead."
    starts_on = dt.date(2030, 1, 1)
    status = "ready"


class PlanPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.PlanPhase"

    plan = factory.SubFactory(DevelopmentPlanFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Phase {n}")


class PlanMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.PlanMilestone"

    phase = factory.SubFactory(PlanPhaseFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = factory.LazyAttribute(lambda o: o.phase.plan.starts_on + dt.timedelta(days=14))


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.PlanAction"

    milestone = factory.SubFactory(PlanMilestoneFactory)
    plan = factory.SelfAttribute("milestone.phase.plan")
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Action {n}")
    due_in_days = 7
    due_date = factory.LazyAttribute(lambda o: o.plan.starts_on + dt.timedelta(days=7))


class RecommendationFactory(factory.django.DjangoModelFactory):
    """A goal recommendation (``kind="action"`` for an action)."""

    class Meta:
        model = "coaching.Recommendation"

    user = factory.SubFactory(UserFactory)
    kind = "goal"
    title = factory.Sequence(lambda n: f"Recommendation {n}")
    description = "Why it helps."
    confidence_score = 0.5


# --- projects and AI tools ----------------------------------------------------------------

ROADMAP_CONTENT = {
    "title": "Into product management",
    "summary": "From support lead to product manager in a year.",
    "stages": [
        {
            "title": "Foundations",
            "duration_weeks": 8,
            "goals": ["Write a product brief"],
            "skills": ["Discovery"],
            "resources": ["Inspired, by Marty Cagan"],
        }
    ],
}


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.Project"

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    description = "My career switch."


class ArtifactFactory(factory.django.DjangoModelFactory):
    """A ready roadmap; pass ``kind`` and ``content`` for another tool."""

    class Meta:
        model = "coaching.Artifact"

    user = factory.SubFactory(UserFactory)
    kind = "roadmap"
    title = factory.LazyAttribute(lambda o: (o.content or {}).get("title", ""))
    prompt = "I want to move into product management."
    options = factory.LazyFunction(dict)
    content = factory.LazyFunction(lambda: json.loads(json.dumps(ROADMAP_CONTENT)))
    status = "ready"
