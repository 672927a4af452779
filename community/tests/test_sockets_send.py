"""Messaging over the one socket at /ws/ (community/events.py): message.send, its errors,
and how REST and sockets meet."""

import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.helpers import client_for
from community.models import MESSAGE_MAX_LENGTH
from community.serializers.messages import timestamp
from config.asgi import application

from .factories import BlockFactory
from .sockets_helpers import (
    as_sent,
    assert_nothing_more,
    delivered_frame,
    receive,
    receive_each,
    send_frame,
    stored,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_sent_message_is_acked_and_reaches_the_recipient_and_the_senders_other_sockets(
    sockets, ada, bob
):
    # given
    ada_phone, ada_laptop = await sockets(ada), await sockets(ada)
    bob_phone = await sockets(bob)

    # when
    await ada_phone.send_json_to(send_frame(bob, "  Hello Bob  ", "c-1"))

    # then: bob's socket received it, so ada's sockets are told it was delivered
    news = await receive(bob_phone)
    on_phone = await receive_each(ada_phone, "message.ack", "message.delivered")
    on_laptop = await receive_each(ada_laptop, "message.new", "message.delivered")
    [message] = await stored()
    assert news == {"type": "message.new", "message": as_sent(message)}
    assert news["message"]["content"] == "Hello Bob"
    assert on_phone == {
        "message.ack": {
            "type": "message.ack",
            "client_id": "c-1",
            "id": str(message.pk),
            "conversation_id": str(message.conversation_id),
            "created_at": timestamp(message.created_at),
            "status": "sent",
            "duplicate": False,
        },
        "message.delivered": delivered_frame(message),
    }
    assert on_laptop == {"message.new": news, "message.delivered": delivered_frame(message)}
    # the sending socket hears of its message through the ack (and the receipt) only
    for socket in (ada_phone, ada_laptop, bob_phone):
        await assert_nothing_more(socket)


async def test_a_resend_with_the_same_client_id_is_acked_as_a_duplicate_and_not_delivered_again(
    sockets, ada, bob
):
    # given
    ada_socket, bob_socket = await sockets(ada), await sockets(bob)
    await ada_socket.send_json_to(send_frame(bob, "Once", "same"))
    assert (await receive(bob_socket))["type"] == "message.new"
    first = await receive_each(ada_socket, "message.ack", "message.delivered")

    # when
    await ada_socket.send_json_to(send_frame(bob, "Once", "same"))

    # then: the ack shows the stored message as it is now
    assert await receive(ada_socket) == {
        **first["message.ack"],
        "status": "delivered",
        "duplicate": True,
    }
    assert len(await stored()) == 1
    await assert_nothing_more(bob_socket)


async def test_an_integer_client_id_is_echoed_as_sent(sockets, ada, bob):
    # given
    socket = await sockets(ada)

    # when
    await socket.send_json_to(send_frame(bob, client_id=7))

    # then
    ack = await receive(socket)
    assert (ack["type"], ack["client_id"]) == ("message.ack", 7)
    [message] = await stored()
    assert message.client_id == "7"


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (
            {"content": "x" * (MESSAGE_MAX_LENGTH + 1)},
            {"code": "max_length", "attr": "content", "client_id": "c-1"},
        ),
        ({"content": "   "}, {"code": "blank", "attr": "content", "client_id": "c-1"}),
        ({"content": 42}, {"code": "invalid", "attr": "content", "client_id": "c-1"}),
        ({"recipient": "not-a-uuid"}, {"code": "invalid", "attr": "recipient", "client_id": "c-1"}),
        (
            {"recipient": str(uuid.uuid4())},
            {"code": "does_not_exist", "attr": "recipient", "client_id": "c-1"},
        ),
        ({"client_id": "c" * 65}, {"code": "max_length", "attr": "client_id"}),
        ({"client_id": ["c"]}, {"code": "invalid", "attr": "client_id"}),
    ],
)
async def test_a_bad_message_gets_an_error_frame_and_the_socket_stays_open(
    sockets, ada, bob, frame, error
):
    # given
    socket = await sockets(ada)

    # when
    await socket.send_json_to({**send_frame(bob), **frame})

    # then
    reply = await receive(socket)
    assert {k: reply[k] for k in ("type", *error)} == {"type": "error", **error}
    assert "client_id" in reply or "client_id" not in error
    assert await stored() == []
    await assert_nothing_more(socket)


async def test_messaging_yourself_is_refused(sockets, ada):
    # given
    socket = await sockets(ada)

    # when
    await socket.send_json_to(send_frame(ada))

    # then
    reply = await receive(socket)
    assert (reply["code"], reply["attr"], reply["client_id"]) == ("invalid", "recipient", "c-1")


@pytest.mark.parametrize("field", ["recipient", "content", "client_id"])
async def test_a_missing_field_is_named(sockets, ada, bob, field):
    # given
    socket = await sockets(ada)
    frame = send_frame(bob)
    del frame[field]

    # when
    await socket.send_json_to(frame)

    # then
    reply = await receive(socket)
    assert (reply["type"], reply["code"]) == ("error", "invalid_frame")
    assert field in reply["detail"]
    await assert_nothing_more(socket)


async def test_an_unknown_type_and_a_frame_that_is_not_json_get_errors(sockets, ada):
    # given
    socket = await sockets(ada)

    # when
    await socket.send_json_to({"type": "message.shout", "client_id": "c-9"})
    unknown = await receive(socket)
    await socket.send_to(text_data="{not json")
    not_json = await receive(socket)

    # then
    assert (unknown["code"], unknown["client_id"]) == ("unknown_type", "c-9")
    assert not_json["code"] == "invalid_frame"
    await assert_nothing_more(socket)


@pytest.mark.parametrize(
    ("blocker", "code"),
    [("sender", "messaging_blocked"), ("recipient", "messages_not_accepted")],
)
async def test_a_blocked_message_gets_an_error_frame(sockets, ada, bob, blocker, code):
    # given
    pair = (
        {"blocker": ada, "blocked": bob}
        if blocker == "sender"
        else {"blocker": bob, "blocked": ada}
    )
    await database_sync_to_async(BlockFactory)(**pair)
    ada_socket, bob_socket = await sockets(ada), await sockets(bob)

    # when
    await ada_socket.send_json_to(send_frame(bob))

    # then
    reply = await receive(ada_socket)
    assert {k: reply[k] for k in ("type", "code", "attr", "client_id")} == {
        "type": "error",
        "code": code,
        "attr": "recipient",
        "client_id": "c-1",
    }
    assert await stored() == []
    await assert_nothing_more(bob_socket)
    await assert_nothing_more(ada_socket)


async def test_messages_are_rate_limited_per_sender_across_rest_and_socket(
    sockets, ada, bob, settings
):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "messaging": "2/min",
        },
    }
    socket = await sockets(ada)
    response = await database_sync_to_async(
        lambda: client_for(ada).post(
            "/api/v1/messages", {"recipient": str(bob.pk), "content": "over REST"}
        )
    )()
    assert response.status_code == 201
    assert (await receive(socket))["type"] == "message.new"  # the REST send, on ada's socket
    await socket.send_json_to(send_frame(bob, client_id="c-1"))
    assert (await receive(socket))["type"] == "message.ack"

    # when
    await socket.send_json_to(send_frame(bob, client_id="c-2"))

    # then
    reply = await receive(socket)
    assert {k: reply[k] for k in ("type", "code", "attr", "client_id")} == {
        "type": "error",
        "code": "throttled",
        "attr": None,
        "client_id": "c-2",
    }
    assert len(await stored()) == 2
    await assert_nothing_more(socket)


async def test_an_offline_recipient_finds_the_message_through_rest(sockets, ada, bob):
    # given: bob has no socket open
    socket = await sockets(ada)

    # when
    await socket.send_json_to(send_frame(bob, "While you were away"))
    ack = await receive(socket)

    # then
    response = await database_sync_to_async(
        lambda: client_for(bob).get(f"/api/v1/messages/conversation/{ada.pk}")
    )()
    [message] = response.json()["results"]
    assert (message["id"], message["content"]) == (ack["id"], "While you were away")
    unread = await database_sync_to_async(lambda: client_for(bob).get("/api/v1/messages/unread"))()
    assert unread.json()["by_user"] == {str(ada.pk): 1}


async def test_a_rest_send_reaches_the_open_sockets_of_both_parties(sockets, ada, bob):
    # given
    ada_phone, ada_laptop, bob_phone = await sockets(ada), await sockets(ada), await sockets(bob)

    # when
    response = await database_sync_to_async(
        lambda: client_for(ada).post(
            "/api/v1/messages", {"recipient": str(bob.pk), "content": "Via REST", "client_id": "r"}
        )
    )()

    # then
    assert response.status_code == 201
    assert response.json()["status"] == "sent"
    news = {"type": "message.new", "message": response.json()}
    assert await receive(bob_phone) == news
    on_phone = await receive_each(ada_phone, "message.new", "message.delivered")
    on_laptop = await receive_each(ada_laptop, "message.new", "message.delivered")
    [message] = await stored()
    for frames in (on_phone, on_laptop):
        assert frames == {"message.new": news, "message.delivered": delivered_frame(message)}
    for socket in (ada_phone, ada_laptop, bob_phone):
        await assert_nothing_more(socket)


async def test_the_bearer_subprotocol_works_for_messaging(ada, bob):
    # given
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(ada)))()
    socket = WebsocketCommunicator(application, "/ws/", subprotocols=["bearer", token])
    connected, _ = await socket.connect()
    assert connected

    # when
    await socket.send_json_to(send_frame(bob))

    # then
    assert (await receive(socket))["type"] == "message.ack"
    await socket.disconnect()
