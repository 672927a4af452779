import pytest

from conversations.models import Conversation, Message

from .factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def test_start_talk_and_read_back(adult, member_api, offline_ai, django_capture_on_commit_callbacks):
    scenario = ScenarioFactory()
    with django_capture_on_commit_callbacks(execute=True):
        started = member_api.post(
            "/api/v1/conversations", {"scenario": scenario.slug, "difficulty": "green"}, format="json"
        )
    assert started.status_code == 202, started.json()
    conversation = Conversation.objects.get(pk=started.json()["id"])
    assert conversation.status == "active"
    assert conversation.character["opener"]

    with django_capture_on_commit_callbacks(execute=True):
        sent = member_api.post(
            f"/api/v1/conversations/{conversation.pk}/messages",
            {"content": "Hi! Is this seat free?", "client_id": "c1"},
            format="json",
        )
    assert sent.status_code == 202, sent.json()
    reply = Message.objects.get(pk=sent.json()["id"])
    assert reply.status == "complete", reply.error_code
    assert reply.content
    detail = member_api.get(f"/api/v1/conversations/{conversation.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert [m["role"] for m in body["messages"]] == ["partner", "member", "partner"]
