import pytest

from conversations.models import Scenario
from core.models import AuditEntry

from .factories import TIPS, ScenarioFactory

pytestmark = pytest.mark.django_db


def test_staff_list_and_search_scenarios(admin_browser):
    # given
    ScenarioFactory(title="Coffee shop conversation")
    ScenarioFactory(title="Bookstore browsing", premium=True)

    # when
    listing = admin_browser.get("/admin/conversations/scenario/", {"q": "coffee"})
    filtered = admin_browser.get("/admin/conversations/scenario/", {"premium__exact": "1"})

    # then
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert [s.title for s in filtered.context["cl"].result_list] == ["Bookstore browsing"]


def test_a_staff_edit_is_saved_and_audited(admin_browser, superuser):
    # given
    scenario = ScenarioFactory(title="Park", setting="park")
    page = f"/admin/conversations/scenario/{scenario.pk}/change/"
    assert admin_browser.get(page).status_code == 200

    # when
    response = admin_browser.post(
        page,
        {
            "title": "A walk in the park",
            "slug": scenario.slug,
            "setting": "park",
            "target": "social",
            "description": scenario.description,
            "premium": "on",
            "active": "on",
            "order": 3,
            "tips": '{"green": ["a"], "yellow": ["b"], "red": ["c"]}',
        },
    )

    # then
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert (scenario.title, scenario.premium, scenario.tips["red"]) == (
        "A walk in the park",
        True,
        ["c"],
    )
    entry = AuditEntry.objects.get(target_id=str(scenario.pk))
    assert (entry.actor_id, entry.action) == (superuser.pk, "change")
    assert entry.changes == {"fields": ["order", "premium", "tips", "title"]}


def test_malformed_tips_are_refused_in_the_admin(admin_browser):
    # given
    scenario = ScenarioFactory()

    # when
    response = admin_browser.post(
        f"/admin/conversations/scenario/{scenario.pk}/change/",
        {
            "title": scenario.title,
            "slug": scenario.slug,
            "setting": scenario.setting,
            "target": scenario.target,
            "description": scenario.description,
            "active": "on",
            "order": 1,
            "tips": '{"green": ["a"]}',
        },
    )

    # then
    assert response.status_code == 200
    assert "tips" in response.context["adminform"].form.errors
    assert Scenario.objects.get(pk=scenario.pk).tips == TIPS
    assert not AuditEntry.objects.exists()
