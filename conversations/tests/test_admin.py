import pytest

from conversations.models import Scenario
from core.models import AuditEntry

from .factories import (
    TIPS,
    ConversationFactory,
    MessageFactory,
    SafetyEventFactory,
    ScenarioFactory,
)

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


def test_opening_a_conversation_shows_its_transcript_and_is_audited(admin_browser, superuser):
    # given
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content="Is this seat free?")

    # when
    page = admin_browser.get(f"/admin/conversations/conversation/{conversation.pk}/change/")

    # then
    assert page.status_code == 200
    assert "Is this seat free?" in page.content.decode()
    entry = AuditEntry.objects.get(target_id=str(conversation.pk))
    assert entry.actor == superuser
    assert entry.subject_id == str(conversation.user_id)


def test_staff_lift_an_under_18_block_by_marking_the_event_reviewed(
    admin_browser, adult, member_api
):
    # given: the member said they were under 18
    event = SafetyEventFactory(user=adult)
    assert member_api.get("/api/v1/conversations/quota").status_code == 200
    scenario = ScenarioFactory()
    refused = member_api.post(
        "/api/v1/conversations", {"scenario": scenario.slug, "difficulty": "green"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "age_restricted"

    # when
    response = admin_browser.post(
        "/admin/conversations/safetyevent/",
        {"action": "mark_reviewed", "_selected_action": [str(event.pk)]},
    )

    # then
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.reviewed_at is not None
    assert AuditEntry.objects.filter(target_id=str(event.pk), changes__action="mark_reviewed")
    allowed = member_api.post(
        "/api/v1/conversations", {"scenario": scenario.slug, "difficulty": "green"}, format="json"
    )
    assert allowed.status_code == 202
