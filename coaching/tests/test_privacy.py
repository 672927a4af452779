"""Export, erasure and retention of coaching's rows (coaching/privacy.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.services import account_erase
from accounts.tests.helpers import client_for
from coaching.models import (
    Artifact,
    ArtifactVersion,
    AssessmentResult,
    DevelopmentPlan,
    Goal,
    PlanAction,
    Project,
    XPAward,
)
from coaching.services import award_xp
from core import privacy

from .factories import (
    ArtifactFactory,
    AssessmentResultFactory,
    GoalFactory,
    PlanActionFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export"


@pytest.fixture
def coached(member):
    """A member who used every part of coaching."""
    result = AssessmentResultFactory(user=member, archetype="strategic_builder")
    action = PlanActionFactory(milestone__phase__plan__user=member)
    goal = GoalFactory(user=member, title="Ship the portfolio")
    project = ProjectFactory(user=member, name="Career change")
    artifact = ArtifactFactory(user=member, project=project, kind="roadmap")
    ArtifactVersion.objects.create(artifact=artifact, version=1, title="First")
    award_xp(user=member, amount=10, reason="test", source_id="privacy:1")
    return result, action, goal, project, artifact


def test_the_export_holds_what_the_member_made_in_coaching(member, other_member, coached):
    # given
    result, action, goal, project, artifact = coached
    GoalFactory(user=other_member, title="Not the member's")

    # when
    data = client_for(member).get(EXPORT).json()["data"]

    # then
    assert [(r["id"], r["archetype"]) for r in data["coaching.assessmentresult"]] == [
        (str(result.pk), "strategic_builder")
    ]
    assert [p["id"] for p in data["coaching.developmentplan"]] == [str(action.plan_id)]
    assert [g["title"] for g in data["coaching.goal"]] == ["Ship the portfolio"]
    assert [p["name"] for p in data["coaching.project"]] == ["Career change"]
    assert [(a["id"], a["kind"]) for a in data["coaching.artifact"]] == [
        (str(artifact.pk), "roadmap")
    ]
    assert [(x["amount"], x["source_id"]) for x in data["coaching.xpaward"]] == [(10, "privacy:1")]
    # the XP award evaluated the badges: the assessment and the ready artifact earned theirs
    assert sorted(b["badge"] for b in data["coaching.badgeaward"]) == [
        "assessment_done",
        "first_artifact",
    ]


def test_erasure_removes_every_coaching_row_of_the_member(member, other_member, coached):
    # given
    others = GoalFactory(user=other_member)

    # when
    account_erase(user=member, source="test")

    # then
    assert privacy.references_to_user(member.pk) == {}
    assert AssessmentResult.objects.count() == 0
    assert DevelopmentPlan.objects.count() == PlanAction.objects.count() == 0
    assert Project.objects.count() == Artifact.objects.count() == 0
    assert ArtifactVersion.objects.count() == 0
    assert XPAward.objects.count() == 0
    assert list(Goal.objects.all()) == [others]


def test_failed_generations_are_purged_after_their_retention(member, settings):
    # given
    settings.COACHING_FAILED_RETENTION_DAYS = 30
    old = timezone.now() - dt.timedelta(days=31)
    stale = ArtifactFactory(user=member, status="failed", content=None)
    recent = ArtifactFactory(user=member, status="failed", content=None)
    ready = ArtifactFactory(user=member)
    Artifact.objects.filter(pk__in=[stale.pk, ready.pk]).update(updated_at=old)
    stale_plan = PlanActionFactory(milestone__phase__plan__user=member).plan
    DevelopmentPlan.objects.filter(pk=stale_plan.pk).update(status="failed", updated_at=old)

    # when
    counts = privacy.purge_expired()

    # then
    assert (counts["coaching.artifact"], counts["coaching.developmentplan"]) == (1, 1)
    assert set(Artifact.objects.values_list("pk", flat=True)) == {recent.pk, ready.pk}
    assert DevelopmentPlan.objects.count() == 0
