"""Practice conversations over REST: turns, replies, history, stops, deletion, other
members' conversations and query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai.models import Generation
from ai.tests.fake_openai import error, streamed
from conversations.models import Conversation, Message, PracticeQuota

from .api_helpers import API, active_conversation, error_of, send, start
from .factories import PracticeQuotaFactory, ScenarioFactory

pytestmark = pytest.mark.django_db


def _today():
    return dt.datetime.now(dt.UTC).date()


def _with_unit(user) -> Conversation:
    """An active conversation that took today's unit (one of three used)."""
    PracticeQuotaFactory(user=user, day=_today(), used=1)
    return active_conversation(user, quota_day=_today())


# --- sending a turn ------------------------------------------------------------------------


def test_a_turn_is_accepted_and_the_streamed_reply_stored(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given
    conversation = active_conversation(adult)
    fake_openai.script(streamed(["Sure, ", "sit ", "down!"], tokens=(40, 3)))

    # when
    response = send(
        member_api, django_capture_on_commit_callbacks, conversation, "  Is this seat free?  ", "c1"
    )

    # then
    assert response.status_code == 202, response.json()
    body = response.json()
    reply = Message.objects.get(pk=body["id"])
    assert body["status"] == "queued"
    assert body["duplicate"] is False
    assert body["status_url"].endswith(f"{API}/{conversation.pk}/messages/{reply.pk}")
    assert body["message"]["content"] == "Is this seat free?"
    assert body["message"]["client_id"] == "c1"
    assert body["message"]["role"] == "member"
    assert (reply.status, reply.content) == ("complete", "Sure, sit down!")
    assert reply.last_seq >= 1
    chat = fake_openai.received[0].body
    assert chat["stream"] is True
    assert chat["messages"][-1] == {"role": "user", "content": "Is this seat free?"}
    assert {"role": "assistant", "content": "Hi there!"} in chat["messages"]

    # when
    detail = member_api.get(body["status_url"]).json()

    # then
    assert detail["status"] == "complete"
    assert detail["content"] == "Sure, sit down!"
    assert detail["usage"] == {"tokens_in": 40, "tokens_out": 3, "estimated": False}
    assert detail["error"] is None


def test_a_reply_without_a_usage_chunk_has_estimated_usage(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given
    conversation = active_conversation(adult)
    fake_openai.script(streamed(["A fine ", "day for it."], tokens=None))

    # when
    response = send(member_api, django_capture_on_commit_callbacks, conversation, "Nice day!")

    # then
    usage = member_api.get(response.json()["status_url"]).json()["usage"]
    assert usage["estimated"] is True
    assert usage["tokens_out"] > 0


def test_the_offline_partner_answers(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    conversation = active_conversation(adult)

    response = send(member_api, django_capture_on_commit_callbacks, conversation, "Hello!")

    reply = Message.objects.get(pk=response.json()["id"])
    assert reply.status == "complete"
    assert reply.content


def test_history_is_newest_first_with_a_cursor(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given: the opener and three turns (seven messages)
    conversation = active_conversation(adult)
    for number in range(3):
        send(member_api, django_capture_on_commit_callbacks, conversation, f"Message {number}")

    # when
    first = member_api.get(f"{API}/{conversation.pk}/messages?page_size=4").json()
    second = member_api.get(first["next"]).json()

    # then
    rows = first["results"] + second["results"]
    stored = list(
        Message.objects.filter(conversation=conversation)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert [row["id"] for row in rows] == [str(pk) for pk in stored]
    assert len(first["results"]) == 4
    assert second["next"] is None
    assert rows[1]["content"] == "Message 2"
    assert set(rows[0]) >= {"id", "role", "content", "status", "client_id", "created_at"}


def test_a_repeated_client_id_returns_the_stored_pair(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given
    conversation = active_conversation(adult)
    fake_openai.script(streamed(["Hello!"]))
    first = send(member_api, django_capture_on_commit_callbacks, conversation, "Hi", "c-1")

    # when
    again = send(member_api, django_capture_on_commit_callbacks, conversation, "Hi", "c-1")

    # then
    assert again.status_code == 202
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.filter(conversation=conversation).count() == 3
    assert len(fake_openai.received) == 1
    conversation.refresh_from_db()
    assert conversation.member_turns == 1


def test_a_client_id_reused_for_other_text_is_a_409(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    conversation = active_conversation(adult)
    send(member_api, django_capture_on_commit_callbacks, conversation, "Hi", "c-1")

    # when
    response = send(member_api, django_capture_on_commit_callbacks, conversation, "Bye", "c-1")

    # then
    assert response.status_code == 409
    assert error_of(response)["code"] == "client_id_reused"
    assert Message.objects.filter(conversation=conversation).count() == 3


@pytest.mark.parametrize("status", ["ended", "paused", "preparing", "failed"])
def test_a_conversation_that_is_not_active_takes_no_turn(adult, member_api, offline_ai, status):
    # given
    conversation = active_conversation(adult, status=status)

    # when
    response = member_api.post(f"{API}/{conversation.pk}/messages", {"content": "Hello?"})

    # then
    assert response.status_code == 409
    assert error_of(response)["code"] == "conversation_not_active"
    assert conversation.messages.count() == 1


def test_one_reply_at_a_time(adult, member_api, offline_ai):
    # given: a reply still queued
    conversation = active_conversation(adult)
    Message.objects.create(
        conversation=conversation, role=Message.Role.PARTNER, status=Message.Status.QUEUED
    )

    # when
    response = member_api.post(f"{API}/{conversation.pk}/messages", {"content": "Hello?"})

    # then
    assert response.status_code == 409
    assert error_of(response)["code"] == "reply_in_progress"
    assert conversation.messages.count() == 2


def test_the_turn_limit(
    adult, member_api, offline_ai, settings, django_capture_on_commit_callbacks
):
    # given
    settings.CONVERSATIONS_MAX_TURNS = 2
    conversation = active_conversation(adult)
    for number in range(2):
        assert (
            send(member_api, django_capture_on_commit_callbacks, conversation, f"Turn {number}")
        ).status_code == 202

    # when
    response = member_api.post(f"{API}/{conversation.pk}/messages", {"content": "One more"})

    # then
    assert response.status_code == 409
    assert error_of(response)["code"] == "turn_limit"
    assert conversation.messages.count() == 5


@pytest.mark.parametrize(
    ("content", "code"), [("   ", "blank"), ("x" * 2001, "max_length"), (None, "required")]
)
def test_bad_content_is_a_400_naming_content(adult, member_api, offline_ai, content, code):
    # given
    conversation = active_conversation(adult)
    body = {} if content is None else {"content": content}

    # when
    response = member_api.post(f"{API}/{conversation.pk}/messages", body, format="json")

    # then
    assert response.status_code == 400
    assert (error_of(response)["attr"], error_of(response)["code"]) == ("content", code)
    assert conversation.messages.count() == 1


def test_two_thousand_characters_are_accepted(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    conversation = active_conversation(adult)

    response = send(member_api, django_capture_on_commit_callbacks, conversation, "x" * 2000)

    assert response.status_code == 202


def test_turns_need_the_age_check(member, member_api, offline_ai):
    conversation = active_conversation(member)

    response = member_api.post(f"{API}/{conversation.pk}/messages", {"content": "Hi"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "age_restricted"


# --- another member's conversation ---------------------------------------------------------


def test_another_members_conversation_is_a_404_everywhere(adult, other_member, offline_ai):
    # given
    from accounts.tests.helpers import client_for

    conversation = active_conversation(adult)
    message = conversation.messages.get()
    theirs = client_for(other_member)
    base = f"{API}/{conversation.pk}"

    # when
    responses = [
        theirs.get(base),
        theirs.delete(base),
        theirs.get(f"{base}/messages"),
        theirs.post(f"{base}/messages", {"content": "Hi"}),
        theirs.get(f"{base}/messages/{message.pk}"),
        theirs.post(f"{base}/messages/{message.pk}/cancel"),
    ]

    # then
    assert [r.status_code for r in responses] == [404] * 6
    assert Conversation.objects.filter(pk=conversation.pk).exists()
    assert conversation.messages.count() == 1


def test_a_message_of_another_conversation_is_a_404(adult, member_api, offline_ai):
    mine = active_conversation(adult)
    other = active_conversation(adult)
    message = other.messages.get()

    response = member_api.get(f"{API}/{mine.pk}/messages/{message.pk}")

    assert response.status_code == 404


def test_a_coach_thread_is_not_a_practice_conversation(adult, member_api, offline_ai):
    from conversations.services.coach import thread_create

    thread = thread_create(user=adult)

    assert member_api.get(f"{API}/{thread.pk}").status_code == 404


def test_reading_needs_a_member(api, adult):
    conversation = active_conversation(adult)

    assert api.get(f"{API}/{conversation.pk}").status_code == 401
    assert api.get(f"{API}/{conversation.pk}/messages").status_code == 401


# --- provider failures and the day's unit ---------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [error(500), streamed(["Well, ", "I"], drop_after_pieces=1)],
    ids=["http-500", "dropped-stream"],
)
def test_a_provider_failure_before_any_reply_refunds_the_unit_once(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks, failure
):
    # given
    conversation = _with_unit(adult)
    fake_openai.script(failure, error(500))

    # when
    first = send(member_api, django_capture_on_commit_callbacks, conversation, "Hello!")

    # then
    reply = Message.objects.get(pk=first.json()["id"])
    assert reply.status == "error"
    assert reply.error_code
    conversation.refresh_from_db()
    assert conversation.status == "active"
    assert conversation.quota_refunded_at is not None
    assert PracticeQuota.objects.get(user=adult).used == 0
    detail = member_api.get(first.json()["status_url"]).json()
    assert detail["error"]["code"] == reply.error_code
    assert set(detail["error"]) == {"code", "detail", "retryable"}

    # when: another start takes a unit, and the next turn fails too
    PracticeQuota.objects.filter(user=adult).update(used=1)
    second = send(member_api, django_capture_on_commit_callbacks, conversation, "Hello again!")

    # then: no second refund
    assert Message.objects.get(pk=second.json()["id"]).status == "error"
    assert PracticeQuota.objects.get(user=adult).used == 1


def test_a_failure_after_a_reply_refunds_nothing(
    adult, member_api, fake_openai, django_capture_on_commit_callbacks
):
    # given
    conversation = _with_unit(adult)
    fake_openai.script(streamed(["Hi!"]), error(500))
    send(member_api, django_capture_on_commit_callbacks, conversation, "Hello!")

    # when
    failed = send(member_api, django_capture_on_commit_callbacks, conversation, "How are you?")

    # then
    assert Message.objects.get(pk=failed.json()["id"]).status == "error"
    conversation.refresh_from_db()
    assert conversation.status == "active"
    assert conversation.quota_refunded_at is None
    assert PracticeQuota.objects.get(user=adult).used == 1


def test_a_started_conversation_refunds_on_its_first_failed_reply(
    adult, member_api, offline_ai, settings, django_capture_on_commit_callbacks
):
    # given: started offline, then the provider is a server that fails
    from ai.tests.fake_openai import FakeOpenAI

    scenario = ScenarioFactory()
    started = start(member_api, django_capture_on_commit_callbacks, scenario)
    conversation = Conversation.objects.get(pk=started.json()["id"])
    server = FakeOpenAI().start()
    try:
        settings.AI_BASE_URL = server.base_url
        settings.AI_API_KEY = "test-key"
        settings.AI_MAX_RETRIES = 0
        server.script(error(500))

        # when
        send(member_api, django_capture_on_commit_callbacks, conversation, "Hello!")
    finally:
        server.stop()

    # then: the opener is the character's, not a reply of the model
    assert PracticeQuota.objects.get(user=adult).used == 0


# --- stop ----------------------------------------------------------------------------------


def test_cancelling_a_queued_reply(adult, member_api, offline_ai):
    # given
    conversation = active_conversation(adult)
    reply = Message.objects.create(
        conversation=conversation, role=Message.Role.PARTNER, status=Message.Status.QUEUED
    )

    # when
    response = member_api.post(f"{API}/{conversation.pk}/messages/{reply.pk}/cancel")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    reply.refresh_from_db()
    assert reply.status == "cancelled"
    assert reply.finished_at is not None


def test_cancelling_a_finished_reply_changes_nothing(adult, member_api, offline_ai):
    # given
    conversation = active_conversation(adult)
    opener = conversation.messages.get()

    # when
    response = member_api.post(f"{API}/{conversation.pk}/messages/{opener.pk}/cancel")

    # then
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["content"]) == ("complete", "Hi there!")
    opener.refresh_from_db()
    assert opener.status == "complete"


# --- delete --------------------------------------------------------------------------------


def test_deleting_removes_the_transcript_and_clears_the_generations(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory()
    started = start(member_api, django_capture_on_commit_callbacks, scenario)
    conversation = Conversation.objects.get(pk=started.json()["id"])
    send(member_api, django_capture_on_commit_callbacks, conversation, "Hello!")
    generation_ids = {conversation.character_generation_id} | set(
        conversation.messages.exclude(generation=None).values_list("generation_id", flat=True)
    )
    assert len(generation_ids) == 2

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.delete(f"{API}/{conversation.pk}")

    # then
    assert response.status_code == 204
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Message.objects.filter(conversation_id=conversation.pk).exists()
    for generation in Generation.objects.filter(pk__in=generation_ids):
        assert (generation.input, generation.output) == (None, None)
        assert generation.content_cleared_at is not None
    assert PracticeQuota.objects.get(user=adult).used == 1
    assert member_api.get(f"{API}/{conversation.pk}").status_code == 404


# --- lists and query counts ----------------------------------------------------------------


def test_the_list_is_newest_first_and_filters(adult, member_api, other_member, offline_ai):
    # given
    older = active_conversation(adult)
    ended = active_conversation(adult, status="ended", difficulty="red")
    active_conversation(other_member)

    # when
    everything = member_api.get(API).json()["results"]
    only_ended = member_api.get(f"{API}?status=ended").json()["results"]
    red = member_api.get(f"{API}?difficulty=red").json()["results"]
    bad = member_api.get(f"{API}?status=sleeping")

    # then
    assert [row["id"] for row in everything] == [str(ended.pk), str(older.pk)]
    assert [row["id"] for row in only_ended] == [str(ended.pk)]
    assert [row["id"] for row in red] == [str(ended.pk)]
    assert bad.status_code == 400
    assert error_of(bad)["attr"] == "status"


def test_listing_conversations_takes_the_same_queries_for_twenty(
    adult, member_api, offline_ai, django_assert_max_num_queries
):
    # given: what one conversation takes
    active_conversation(adult)
    with CaptureQueriesContext(connection) as one:
        member_api.get(API)
    for _ in range(19):
        active_conversation(adult)

    # when / then
    with django_assert_max_num_queries(len(one)):
        response = member_api.get(API)
    assert len(response.json()["results"]) == 20


def test_listing_messages_takes_the_same_queries_for_twenty(
    adult, member_api, offline_ai, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # given: the opener, ten turns with their replies and generations
    conversation = active_conversation(adult)
    for number in range(10):
        send(member_api, django_capture_on_commit_callbacks, conversation, f"Turn {number}")

    # when / then
    with django_assert_max_num_queries(8):
        response = member_api.get(f"{API}/{conversation.pk}/messages")
    assert len(response.json()["results"]) == 20
    with django_assert_max_num_queries(10):
        detail = member_api.get(f"{API}/{conversation.pk}")
    assert len(detail.json()["messages"]) == 20
    assert detail.json()["messages_next"]


def test_the_detail_links_to_the_older_messages(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given: the opener and eleven turns (23 messages)
    conversation = active_conversation(adult)
    for number in range(11):
        send(member_api, django_capture_on_commit_callbacks, conversation, f"Turn {number}")

    # when
    detail = member_api.get(f"{API}/{conversation.pk}").json()
    older = member_api.get(detail["messages_next"]).json()

    # then: the newest 20 oldest first, then the three before them, newest first
    stored = [
        str(pk)
        for pk in Message.objects.filter(conversation=conversation)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    ]
    assert [m["id"] for m in detail["messages"]] == stored[3:]
    assert [m["id"] for m in older["results"]] == list(reversed(stored[:3]))
    assert older["next"] is None


def test_the_list_pages_with_a_cursor(adult, member_api, offline_ai):
    # given
    made = [active_conversation(adult) for _ in range(3)]

    # when
    first = member_api.get(f"{API}?page_size=2").json()
    second = member_api.get(first["next"]).json()

    # then
    assert [row["id"] for row in first["results"] + second["results"]] == [
        str(c.pk) for c in reversed(made)
    ]
