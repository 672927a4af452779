"""Starting a practice conversation over REST: the 202, the character, the gates, the
aliases, idempotency, and a character that could not be generated."""

import json

import pytest

from ai.models import Generation
from ai.tests.fake_openai import completion, error
from conversations.models import Conversation, Message, PracticeQuota
from conversations.services.practice import character_finished, practice_refund

from .api_helpers import API, error_of, send, start
from .factories import ScenarioFactory

pytestmark = pytest.mark.django_db

CHARACTER = {
    "name": "Mia",
    "age": 29,
    "occupation": "Architect",
    "appearance": "A green raincoat and a sketchbook under her arm.",
    "activity": "Waiting for her flat white at the counter.",
    "personality": "Warm, curious and quick to laugh.",
    "traits": ["curious", "direct"],
    "interests": ["old buildings", "jazz"],
    "mood": "cheerful",
    "speaking_style": "Short sentences, lots of questions.",
    "body_language": "open",
    "opener": "Oh, sorry, was that your coffee they just called?",
}


def test_start_talk_and_read_back(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory()

    # when
    started = start(member_api, django_capture_on_commit_callbacks, scenario)

    # then: 202 preparing with the character's generation, then active with the opener
    assert started.status_code == 202, started.json()
    body = started.json()
    conversation = Conversation.objects.get(pk=body["id"])
    assert body["status"] == "preparing"
    assert body["status_url"].endswith(f"{API}/{conversation.pk}")
    assert started["Location"] == body["status_url"]
    assert body["generation"]["id"] == str(conversation.character_generation_id)
    assert conversation.status == "active"
    generation = Generation.objects.get(pk=conversation.character_generation_id)
    assert conversation.character == generation.output
    opener = Message.objects.get(conversation=conversation)
    assert (opener.role, opener.status, opener.content) == (
        "partner",
        "complete",
        generation.output["opener"],
    )

    # when: the member talks
    sent = send(member_api, django_capture_on_commit_callbacks, conversation, "Hi! Is this free?")

    # then
    assert sent.status_code == 202, sent.json()
    reply = Message.objects.get(pk=sent.json()["id"])
    assert reply.status == "complete", reply.error_code
    assert reply.content
    detail = member_api.get(f"{API}/{conversation.pk}").json()
    assert [m["role"] for m in detail["messages"]] == ["partner", "member", "partner"]
    assert detail["character"] == generation.output
    assert detail["status"] == "active"
    assert detail["turns"] == 1


def test_the_character_is_stored_and_served_exactly_as_generated(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory()
    fake_openai.script(completion(json.dumps(CHARACTER)))

    # when
    started = start(member_api, django_capture_on_commit_callbacks, scenario, "yellow")

    # then
    assert started.status_code == 202, started.json()
    detail = member_api.get(f"{API}/{started.json()['id']}").json()
    assert detail["status"] == "active"
    assert detail["character"] == CHARACTER
    assert detail["difficulty"] == "yellow"
    assert detail["scenario"] == scenario.slug
    assert [m["content"] for m in detail["messages"]] == [CHARACTER["opener"]]
    assert detail["messages_next"] is None


def test_aliases_are_accepted(adult, member_api, offline_ai, django_capture_on_commit_callbacks):
    # given
    scenario = ScenarioFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(
            API, {"scenario_type": scenario.slug, "difficulty_level": "red"}, format="json"
        )

    # then
    assert response.status_code == 202, response.json()
    conversation = Conversation.objects.get(pk=response.json()["id"])
    assert (conversation.scenario_id, conversation.difficulty) == (scenario.pk, "red")


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"scenario": "no-such-scenario", "difficulty": "green"}, "scenario", "does_not_exist"),
        ({"difficulty": "green"}, "scenario", "required"),
        ({"scenario": "{slug}", "difficulty": "purple"}, "difficulty", "invalid_choice"),
        ({"scenario": "{slug}"}, "difficulty", "required"),
    ],
)
def test_a_bad_start_is_a_400_naming_the_field(adult, member_api, offline_ai, body, attr, code):
    # given
    scenario = ScenarioFactory()
    body = {key: value.format(slug=scenario.slug) for key, value in body.items()}

    # when
    response = member_api.post(API, body, format="json")

    # then
    assert response.status_code == 400
    assert (error_of(response)["attr"], error_of(response)["code"]) == (attr, code)
    assert not Conversation.objects.exists()
    assert not PracticeQuota.objects.exists()


def test_an_inactive_scenario_is_unknown(adult, member_api, offline_ai):
    scenario = ScenarioFactory(active=False)

    response = member_api.post(API, {"scenario": scenario.slug, "difficulty": "green"})

    assert response.status_code == 400
    assert error_of(response)["attr"] == "scenario"


def test_starting_needs_a_member(api):
    assert api.post(API, {"scenario": "x", "difficulty": "green"}).status_code == 401
    assert api.get(API).status_code == 401


def test_age_check_comes_first(member, member_api, offline_ai):
    # given: no age check passed, a premium scenario on the free plan
    scenario = ScenarioFactory(premium=True)

    # when
    response = member_api.post(API, {"scenario": scenario.slug, "difficulty": "green"})

    # then
    assert response.status_code == 403
    assert error_of(response)["code"] == "age_restricted"
    assert not Conversation.objects.exists()


def test_a_premium_scenario_needs_the_premium_plan(
    adult, member_api, offline_ai, grant_plan, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory(premium=True)

    # when
    refused = member_api.post(API, {"scenario": scenario.slug, "difficulty": "green"})

    # then
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "plan_required"
    assert not PracticeQuota.objects.exists()

    # when: on the premium plan
    grant_plan(adult)
    allowed = start(member_api, django_capture_on_commit_callbacks, scenario)

    # then
    assert allowed.status_code == 202, allowed.json()
    assert Conversation.objects.get().status == "active"


def test_an_idempotency_key_replay_creates_nothing_new(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory()
    headers = {"HTTP_IDEMPOTENCY_KEY": "start-1"}
    body = {"scenario": scenario.slug, "difficulty": "green"}
    with django_capture_on_commit_callbacks(execute=True):
        first = member_api.post(API, body, format="json", **headers)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = member_api.post(API, body, format="json", **headers)

    # then
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert Conversation.objects.count() == 1
    assert Generation.objects.filter(feature="conversations.character").count() == 1
    assert PracticeQuota.objects.get().used == 1


@pytest.mark.parametrize(
    "reply",
    [error(500), completion('{"name": "Mia"}')],
    ids=["provider-error", "invalid-output"],
)
def test_a_failed_character_fails_the_conversation_and_refunds_once(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks, reply
):
    # given: the provider fails (the invalid output is asked again once, and fails again)
    scenario = ScenarioFactory()
    fake_openai.script(reply)
    if reply.status == 200:
        fake_openai.script(completion('{"name": "Mia"}'))

    # when
    started = start(member_api, django_capture_on_commit_callbacks, scenario)

    # then
    assert started.status_code == 202
    conversation = Conversation.objects.get(pk=started.json()["id"])
    assert conversation.status == "failed"
    assert conversation.end_reason == "character_failed"
    assert conversation.quota_refunded_at is not None
    assert PracticeQuota.objects.get(user=adult).used == 0
    assert not conversation.messages.exists()
    quota = member_api.get(f"{API}/quota").json()
    assert (quota["used"], quota["remaining"]) == (0, 3)

    # when: two more conversations are started that day, then the failed one's on_finish
    # and refund run again (a task run twice)
    PracticeQuota.objects.filter(user=adult).update(used=2)
    character_finished(generation=conversation.character_generation)
    refunded_again = practice_refund(conversation)

    # then: nothing more comes back
    assert refunded_again is False
    assert PracticeQuota.objects.get(user=adult).used == 2
