"""Practice over the socket (conversations/events.py): a turn is acked, its reply streams as
``ai.token`` frames in ``seq`` order and ends with one ``ai.message``; a socket that dropped
resumes with no gap and no duplicate; a reply stops on ``conversation.cancel``; refusals are
``error`` frames on a socket that stays open. Replies run on a thread (as on a laptop)
against the fake OpenAI server."""

import time

import pytest
from channels.db import database_sync_to_async

from ai.tests.fake_openai import streamed
from conversations import replay
from conversations.models import Conversation, Message

from .factories import CHARACTER, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db(transaction=True)

PIECES = ["Oh, ", "hi! ", "I'm ", "Maya. ", "Do ", "you ", "come ", "here ", "often?"]


@pytest.fixture(autouse=True)
def _threaded(settings):
    """Replies on a thread of this process, one ``ai.token`` frame per provider piece."""
    settings.CONVERSATIONS_REPLY_RUNNER = "thread"
    settings.CONVERSATIONS_COALESCE_MS = 0


@database_sync_to_async
def practice_of(user) -> Conversation:
    conversation = ConversationFactory(user=user)
    MessageFactory(
        conversation=conversation, role="partner", content=CHARACTER["opener"], status="complete"
    )
    return conversation


@database_sync_to_async
def stored(message_id) -> Message:
    return Message.objects.select_related("generation", "conversation").get(pk=message_id)


def turn(conversation, content="Hi, I'm Sam.", client_id="c-1") -> dict:
    return {
        "type": "conversation.message",
        "conversation_id": str(conversation.pk),
        "content": content,
        "client_id": client_id,
    }


async def until_final(socket, timeout=3) -> list[dict]:
    """The reply's frames up to and including the first ``ai.message`` (the gateway's own
    ``ai.generation.updated`` left out)."""
    received = []
    while not received or received[-1]["type"] != "ai.message":
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] != "ai.generation.updated":
            received.append(frame)
    return received


async def send_turn(socket, conversation, **kwargs) -> dict:
    await socket.send_json_to(turn(conversation, **kwargs))
    ack = await socket.receive_json_from(timeout=3)
    assert ack["type"] == "conversation.message.ack", ack
    return ack


def chat_requests(fake) -> int:
    return sum(1 for request in fake.received if request.path == "/v1/chat/completions")


async def test_a_reply_streams_in_seq_order_then_one_stored_final(adult, socket_of, fake_openai):
    # given
    fake_openai.script(streamed(PIECES))
    conversation = await practice_of(adult)
    socket = await socket_of(adult)

    # when
    ack = await send_turn(socket, conversation)
    received = await until_final(socket)

    # then
    tokens, final = received[:-1], received[-1]
    assert [frame["type"] for frame in tokens] == ["ai.token"] * len(tokens)
    assert [frame["seq"] for frame in tokens] == list(range(1, len(tokens) + 1))
    assert {frame["message_id"] for frame in tokens} == {ack["reply_id"]}
    assert final["content"] == "".join(frame["delta"] for frame in tokens) == "".join(PIECES)
    assert final["status"] == "complete"
    assert final["last_seq"] == len(tokens)
    assert final["usage"] == {"tokens_in": 12, "tokens_out": 7, "estimated": False}
    reply = await stored(ack["reply_id"])
    assert (reply.status, reply.content, reply.last_seq) == (
        "complete",
        "".join(PIECES),
        len(tokens),
    )
    assert ack["duplicate"] is False
    assert ack["client_id"] == "c-1"
    assert await socket.receive_nothing(timeout=0.1)


async def test_usage_is_estimated_when_the_provider_sends_none(adult, socket_of, fake_openai):
    # given
    fake_openai.script(streamed(PIECES, tokens=None))
    conversation = await practice_of(adult)
    socket = await socket_of(adult)

    # when
    await send_turn(socket, conversation)
    final = (await until_final(socket))[-1]

    # then
    assert final["status"] == "complete"
    assert final["usage"]["estimated"] is True
    assert final["usage"]["tokens_out"] > 0


async def test_a_socket_that_dropped_resumes_with_no_gap_and_no_duplicate(
    adult, socket_of, fake_openai
):
    # given: a reply that pauses after 5 pieces while the member's socket is replaced
    fake_openai.script(streamed(PIECES, chunk_delay=0.05, stall_after_pieces=5, stall=0.4))
    conversation = await practice_of(adult)
    first = await socket_of(adult)
    ack = await send_turn(first, conversation)
    seen = [await first.receive_json_from(timeout=3) for _ in range(3)]
    await first.disconnect()

    # when
    second = await socket_of(adult)
    await second.send_json_to(
        {
            "type": "conversation.resume",
            "conversation_id": str(conversation.pk),
            "message_id": ack["reply_id"],
            "last_seq": seen[-1]["seq"],
        }
    )
    received = await until_final(second)

    # then
    tokens, final = seen + received[:-1], received[-1]
    assert [frame["seq"] for frame in tokens] == list(range(1, len(tokens) + 1))
    assert "".join(frame["delta"] for frame in tokens) == final["content"] == "".join(PIECES)
    assert final["status"] == "complete"
    assert chat_requests(fake_openai) == 1
    assert await second.receive_nothing(timeout=0.2)


def final_of(message_id) -> dict:
    from conversations import frames

    return frames.message_final(Message.objects.select_related("generation").get(pk=message_id))


async def test_resuming_a_finished_reply_gives_its_final_at_once(adult, socket_of, fake_openai):
    # given: a finished reply whose replay log has expired
    fake_openai.script(streamed(PIECES))
    conversation = await practice_of(adult)
    socket = await socket_of(adult)
    ack = await send_turn(socket, conversation)
    final = (await until_final(socket))[-1]
    replay.forget(ack["reply_id"])

    # when
    started = time.monotonic()
    await socket.send_json_to(
        {
            "type": "conversation.resume",
            "conversation_id": str(conversation.pk),
            "message_id": ack["reply_id"],
            "last_seq": 2,
        }
    )

    # then
    assert await socket.receive_json_from(timeout=1) == final
    assert time.monotonic() - started < 0.5
    assert await socket.receive_nothing(timeout=0.2)


async def test_resuming_a_logged_finished_reply_sends_the_rest_then_the_final(
    adult, socket_of, fake_openai
):
    # given: pieces far enough apart to travel one per frame
    fake_openai.script(streamed(PIECES, chunk_delay=0.06))
    conversation = await practice_of(adult)
    socket = await socket_of(adult)
    ack = await send_turn(socket, conversation)
    streamed_frames = await until_final(socket)
    assert len(streamed_frames) == len(PIECES) + 1

    # when
    await socket.send_json_to(
        {
            "type": "conversation.resume",
            "conversation_id": str(conversation.pk),
            "message_id": ack["reply_id"],
            "last_seq": 6,
        }
    )

    # then: exactly what followed seq 6
    assert await until_final(socket) == streamed_frames[6:]
    assert await socket.receive_nothing(timeout=0.2)


async def test_last_seq_must_be_a_non_negative_integer(adult, socket_of):
    conversation = await practice_of(adult)
    socket = await socket_of(adult)
    for last_seq in (-1, "3", 1.5, True):
        await socket.send_json_to(
            {
                "type": "conversation.resume",
                "conversation_id": str(conversation.pk),
                "message_id": str(conversation.pk),
                "last_seq": last_seq,
            }
        )
        error = await socket.receive_json_from(timeout=1)
        assert (error["type"], error["code"], error["attr"]) == ("error", "invalid", "last_seq")


async def test_cancel_stops_a_silent_provider_within_a_second(adult, socket_of, fake_openai):
    # given: the provider goes quiet after two pieces
    fake_openai.script(streamed(PIECES, stall_after_pieces=2, stall=5))
    conversation = await practice_of(adult)
    socket = await socket_of(adult)
    ack = await send_turn(socket, conversation)
    tokens = []
    while "".join(frame["delta"] for frame in tokens) != "Oh, hi! ":
        tokens.append(await socket.receive_json_from(timeout=3))

    # when
    started = time.monotonic()
    await socket.send_json_to(
        {
            "type": "conversation.cancel",
            "conversation_id": str(conversation.pk),
            "message_id": ack["reply_id"],
        }
    )
    received = await until_final(socket, timeout=2)

    # then: nothing more came from the provider, and the reply stopped within a second
    assert time.monotonic() - started < 1.0
    final = received[-1]
    assert len(received) == 1
    assert final["status"] == "cancelled"
    assert final["content"] == "".join(frame["delta"] for frame in tokens) == "Oh, hi! "
    reply = await stored(ack["reply_id"])
    assert (reply.status, reply.content) == ("cancelled", "Oh, hi! ")
    assert await socket.receive_nothing(timeout=0.2)


async def test_a_resent_client_id_is_acked_as_a_duplicate_and_starts_nothing(
    adult, socket_of, fake_openai
):
    # given
    fake_openai.script(streamed(PIECES))
    conversation = await practice_of(adult)
    socket = await socket_of(adult)
    ack = await send_turn(socket, conversation)
    await until_final(socket)

    # when
    again = await send_turn(socket, conversation)

    # then
    assert again["duplicate"] is True
    assert (again["message_id"], again["reply_id"]) == (ack["message_id"], ack["reply_id"])
    assert await socket.receive_nothing(timeout=0.3)
    assert chat_requests(fake_openai) == 1
    assert await database_sync_to_async(Message.objects.filter(role="member").count)() == 1


async def test_an_age_restricted_member_gets_an_error_and_the_socket_stays_open(member, socket_of):
    # given: a member who has not passed the age check
    conversation = await practice_of(member)
    socket = await socket_of(member)

    # when
    await socket.send_json_to(turn(conversation))

    # then
    error = await socket.receive_json_from(timeout=2)
    assert (error["type"], error["code"], error["client_id"]) == ("error", "age_restricted", "c-1")
    await socket.send_json_to({"type": "ping", "ts": 1})
    assert await socket.receive_json_from(timeout=1) == {"type": "pong", "ts": 1}
    assert await database_sync_to_async(Message.objects.filter(role="member").count)() == 0


async def test_another_members_conversation_is_not_found(adult, other_member, socket_of):
    # given
    theirs = await practice_of(other_member)
    socket = await socket_of(adult)
    reply = await database_sync_to_async(MessageFactory)(
        conversation=theirs, role="partner", status="streaming"
    )

    # when / then
    await socket.send_json_to(turn(theirs))
    error = await socket.receive_json_from(timeout=2)
    assert (error["code"], error["attr"]) == ("not_found", "conversation_id")
    for frame_type, extra in (
        ("conversation.resume", {"last_seq": 0}),
        ("conversation.cancel", {}),
    ):
        await socket.send_json_to(
            {
                "type": frame_type,
                "conversation_id": str(theirs.pk),
                "message_id": str(reply.pk),
                **extra,
            }
        )
        error = await socket.receive_json_from(timeout=2)
        assert (error["code"], error["attr"]) == ("not_found", "message_id")
    assert await socket.receive_nothing(timeout=0.1)


@pytest.mark.parametrize(
    ("content", "client_id", "code", "attr"),
    [
        ("   ", "c-1", "blank", "content"),
        ("x" * 2001, "c-1", "max_length", "content"),
        (42, "c-1", "invalid", "content"),
        ("Hello", "c" * 65, "max_length", "client_id"),
        ("Hello", 7, "invalid", "client_id"),
    ],
)
async def test_a_bad_turn_is_refused_naming_the_field(
    adult, socket_of, content, client_id, code, attr
):
    conversation = await practice_of(adult)
    socket = await socket_of(adult)
    await socket.send_json_to(turn(conversation, content=content, client_id=client_id))
    error = await socket.receive_json_from(timeout=2)
    assert (error["type"], error["code"], error["attr"]) == ("error", code, attr)


async def test_a_provider_failure_mid_stream_ends_the_reply_in_a_retryable_error(
    adult, socket_of, fake_openai
):
    # given
    fake_openai.script(streamed(PIECES, drop_after_pieces=3))
    conversation = await practice_of(adult)
    socket = await socket_of(adult)

    # when
    ack = await send_turn(socket, conversation)
    received = await until_final(socket)

    # then
    final = received[-1]
    assert final["status"] == "error"
    assert final["error"]["retryable"] is True
    assert final["content"] == "".join(frame["delta"] for frame in received[:-1])
    reply = await stored(ack["reply_id"])
    assert reply.status == "error"
    assert reply.conversation.status == "active"


async def test_the_socket_shares_the_ai_budget_with_rest(
    adult, member_api, socket_of, settings, fake_openai
):
    # given: a budget of one AI request a minute, spent over REST
    fake_openai.script(streamed(PIECES))
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "ai": "1/min",
        },
    }
    conversation = await practice_of(adult)
    socket = await socket_of(adult)
    response = await database_sync_to_async(member_api.post)(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"content": "Hi, I'm Sam.", "client_id": "rest-1"},
        format="json",
    )
    assert response.status_code == 202, response.content
    await until_final(socket)

    # when
    await socket.send_json_to(turn(conversation, client_id="c-2"))

    # then
    error = await socket.receive_json_from(timeout=2)
    assert (error["type"], error["code"]) == ("error", "throttled")
