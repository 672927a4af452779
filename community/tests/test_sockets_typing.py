"""Messaging over the one socket at /ws/ (community/events.py): typing."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async

from accounts.choices import MessagesFrom
from accounts.tests.helpers import client_for

from .factories import BlockFactory
from .sockets_helpers import assert_nothing_more, receive, send_frame, stored

pytestmark = pytest.mark.django_db(transaction=True)


async def test_typing_reaches_the_recipient_only(sockets, ada, bob, settings):
    # given
    settings.COMMUNITY_TYPING_TTL_SECONDS = 4
    ada_phone, ada_laptop, bob_socket = await sockets(ada), await sockets(ada), await sockets(bob)

    # when
    await ada_phone.send_json_to({"type": "typing", "recipient": str(bob.pk)})

    # then
    assert await receive(bob_socket) == {"type": "typing", "from": str(ada.pk), "expires_in": 4}
    await assert_nothing_more(ada_phone)
    await assert_nothing_more(ada_laptop)
    assert await stored() == []


async def test_typing_remembers_the_permission_briefly_but_messages_are_always_checked(
    sockets, ada, bob
):
    # given: a first typing frame looked the pair up
    ada_socket, bob_socket = await sockets(ada), await sockets(bob)
    frame = {"type": "typing", "recipient": str(bob.pk)}
    await ada_socket.send_json_to(frame)
    assert (await receive(bob_socket))["type"] == "typing"

    # when: bob stops accepting messages (a profile change does not clear the cache)
    def accept_nobody():
        bob.profile.allow_messages_from = MessagesFrom.NOBODY
        bob.profile.save()

    await database_sync_to_async(accept_nobody)()
    await ada_socket.send_json_to(frame)
    await ada_socket.send_json_to(send_frame(bob))

    # then: typing still answers from the cache, the message is refused
    assert (await receive(bob_socket))["type"] == "typing"
    assert (await receive(ada_socket))["code"] == "messages_not_accepted"
    assert await stored() == []


@pytest.mark.parametrize(
    ("setup", "recipient", "code"),
    [
        ("bob_blocked_ada", "bob", "messages_not_accepted"),
        ("ada_blocked_bob", "bob", "messaging_blocked"),
        ("bob_accepts_nobody", "bob", "messages_not_accepted"),
        (None, "unknown", "does_not_exist"),
        (None, "not-a-uuid", "invalid"),
        (None, "self", "invalid"),
    ],
)
async def test_typing_that_may_not_reach_the_recipient_gets_an_error(
    sockets, ada, bob, setup, recipient, code
):
    # given
    def prepare():
        if setup == "bob_blocked_ada":
            BlockFactory(blocker=bob, blocked=ada)
        elif setup == "ada_blocked_bob":
            BlockFactory(blocker=ada, blocked=bob)
        elif setup == "bob_accepts_nobody":
            bob.profile.allow_messages_from = MessagesFrom.NOBODY
            bob.profile.save()

    await database_sync_to_async(prepare)()
    ada_socket, bob_socket = await sockets(ada), await sockets(bob)
    target = {
        "bob": str(bob.pk),
        "unknown": str(uuid.uuid4()),
        "not-a-uuid": "not-a-uuid",
        "self": str(ada.pk),
    }[recipient]

    # when
    await ada_socket.send_json_to({"type": "typing", "recipient": target})

    # then
    reply = await receive(ada_socket)
    assert (reply["type"], reply["code"], reply["attr"]) == ("error", code, "recipient")
    await assert_nothing_more(bob_socket)
    await assert_nothing_more(ada_socket)


async def test_a_block_stops_typing_at_once(sockets, ada, bob):
    # given
    ada_socket, bob_socket = await sockets(ada), await sockets(bob)
    await ada_socket.send_json_to({"type": "typing", "recipient": str(bob.pk)})
    assert (await receive(bob_socket))["type"] == "typing"

    # when
    response = await database_sync_to_async(
        lambda: client_for(bob).post(f"/api/v1/community/blocks/{ada.pk}")
    )()
    await ada_socket.send_json_to({"type": "typing", "recipient": str(bob.pk)})

    # then
    assert response.status_code == 201
    assert (await receive(ada_socket))["code"] == "messages_not_accepted"
    await assert_nothing_more(bob_socket)


async def test_a_frame_over_the_socket_limit_is_refused(sockets, ada, bob, settings):
    # given
    settings.WS_MAX_FRAME_BYTES = 200
    socket = await sockets(ada)

    # when
    await socket.send_to(text_data=json.dumps(send_frame(bob, "x" * 300)))

    # then
    reply = await receive(socket)
    assert reply["code"] == "frame_too_large"
    await assert_nothing_more(socket)
