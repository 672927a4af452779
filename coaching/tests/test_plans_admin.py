"""The plans' admin: plans with their tree and recommendations, read-only and audited."""

import pytest
from django.urls import reverse

from core.models import AuditEntry

from .factories import PlanActionFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"admin:coaching_{name}", args=args)


def test_the_plan_list_and_page_show_the_tree_and_are_audited(admin_browser):
    # given
    action = PlanActionFactory(
        title="<b>List tasks</b>",
        milestone__title="First hand-off",
        milestone__phase__title="Start",
        milestone__phase__plan__title="Builder to leader",
    )
    plan = action.plan

    # when
    listed = admin_browser.get(url("developmentplan_changelist"))
    page = admin_browser.get(url("developmentplan_change", plan.pk))

    # then
    assert listed.status_code == 200
    assert "Builder to leader" in listed.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h4>Start</h4>" in html
    assert "First hand-off (due 2030-01-15)" in html
    assert "open &lt;b&gt;List tasks&lt;/b&gt; (due 2030-01-08)" in html
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id, entry.subject_id) == (
        "view",
        str(plan.pk),
        str(plan.user_id),
    )


def test_the_plan_page_cannot_change_a_plan(admin_browser):
    # given
    plan = PlanActionFactory().plan

    # when
    response = admin_browser.post(url("developmentplan_change", plan.pk), {"title": "Changed"})

    # then
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.title != "Changed"


def test_the_recommendation_list_and_page(admin_browser):
    # given
    recommendation = RecommendationFactory(title="Mentor a junior", kind="goal")

    # when
    listed = admin_browser.get(
        url("recommendation_changelist"), {"kind": "goal", "is_applied": "0"}
    )
    page = admin_browser.get(url("recommendation_change", recommendation.pk))

    # then
    assert (listed.status_code, page.status_code) == (200, 200)
    assert "Mentor a junior" in listed.content.decode()
    assert "Mentor a junior" in page.content.decode()
