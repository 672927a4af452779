"""Delivery receipts over the one socket at /ws/: a message is ``sent``, then ``delivered``
when one of the recipient's sockets receives it or they fetch it, then ``read``; the
sender's sockets hear of each step once."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from accounts.tests.helpers import client_for
from community.serializers.messages import timestamp

from .messages_helpers import THREADS, body_of, history_url
from .sockets_helpers import (
    as_sent,
    assert_nothing_more,
    delivered_frame,
    receive,
    receive_each,
    refreshed,
    send_frame,
    stored,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough for a losing socket's attempt to mark a message to have run; a second
# receipt would be on the sender's socket by then.
SETTLE_SECONDS = 0.3

# The tests read the database only once the receipts they wait for are in: a recipient's
# socket marks a message from a thread of its own, and the in-memory SQLite database of the
# tests answers a read that meets that write with "table is locked" (PostgreSQL waits).


async def history_of(user, other) -> list[dict]:
    response = await database_sync_to_async(lambda: client_for(user).get(history_url(other.pk)))()
    assert response.status_code == 200
    return response.json()["results"]


async def test_a_message_is_delivered_then_read_and_the_sender_hears_of_both(sockets, ada, bob):
    # given
    ada_socket, bob_socket = await sockets(ada), await sockets(bob)

    # when: ada writes to bob, whose socket is open
    await ada_socket.send_json_to(send_frame(bob, "Hello Bob", "c-1"))

    # then: bob's socket gets it as sent; ada's gets the ack and the receipt
    news = await receive(bob_socket)
    frames = await receive_each(ada_socket, "message.ack", "message.delivered")
    [message] = await stored()
    assert news == {"type": "message.new", "message": as_sent(message)}
    assert frames["message.ack"]["status"] == "sent"
    assert frames["message.delivered"] == delivered_frame(message)
    assert message.status == "delivered"
    assert message.delivered_at is not None
    assert await history_of(ada, bob) == [body_of(message)]

    # when: bob reads it
    await bob_socket.send_json_to({"type": "message.read", "id": str(message.pk)})

    # then: ada gets the read receipt, and her history says read
    receipt = await receive(ada_socket)
    message = await refreshed(message)
    assert receipt == {
        "type": "message.read",
        "id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "reader_id": str(bob.pk),
        "sender_id": str(ada.pk),
        "read_at": timestamp(message.read_at),
        "count": 1,
    }
    assert (await history_of(ada, bob))[0]["status"] == "read"
    assert (await receive(bob_socket))["type"] == "message.read"  # the reader's devices
    await assert_nothing_more(ada_socket)
    await assert_nothing_more(bob_socket)


@pytest.mark.parametrize("fetched", ["history", "threads"])
async def test_a_message_to_an_offline_member_stays_sent_until_they_fetch_it(
    sockets, ada, bob, fetched
):
    # given: bob has no socket open
    ada_socket = await sockets(ada)
    await ada_socket.send_json_to(send_frame(bob, "While you were away", "c-1"))
    assert (await receive(ada_socket))["type"] == "message.ack"
    [message] = await stored()
    assert (await history_of(ada, bob))[0]["status"] == "sent"
    await assert_nothing_more(ada_socket)

    # when: bob fetches it over REST
    url = history_url(ada.pk) if fetched == "history" else THREADS
    response = await database_sync_to_async(lambda: client_for(bob).get(url))()

    # then: ada's socket gets the receipt, and her history says delivered
    receipt = await receive(ada_socket)
    message = await refreshed(message)
    assert receipt == delivered_frame(message)
    shown = response.json()["results"][0]
    assert (shown if fetched == "history" else shown["last_message"])["status"] == "delivered"
    assert await history_of(ada, bob) == [body_of(message)]
    await assert_nothing_more(ada_socket)


async def test_a_fetched_page_sends_one_receipt_for_all_of_its_messages(sockets, ada, bob):
    # given: three messages to bob while he is away
    ada_socket = await sockets(ada)
    for n in range(3):
        await ada_socket.send_json_to(send_frame(bob, f"Message {n}", f"c-{n}"))
        assert (await receive(ada_socket))["type"] == "message.ack"
    messages = await stored()

    # when
    await history_of(bob, ada)

    # then: one frame naming them all, newest first
    receipt = await receive(ada_socket)
    messages = [await refreshed(message) for message in messages]
    assert receipt == {
        "type": "message.delivered",
        "id": str(messages[-1].pk),
        "ids": [str(message.pk) for message in reversed(messages)],
        "conversation_id": str(messages[0].conversation_id),
        "recipient_id": str(bob.pk),
        "sender_id": str(ada.pk),
        "delivered_at": timestamp(messages[0].delivered_at),
        "count": 3,
    }
    assert {message.delivered_at for message in messages} == {messages[0].delivered_at}
    await assert_nothing_more(ada_socket)


async def test_several_sockets_of_the_recipient_deliver_a_message_once(sockets, ada, bob):
    # given
    ada_socket = await sockets(ada)
    bob_phone, bob_laptop = await sockets(bob), await sockets(bob)

    # when
    await ada_socket.send_json_to(send_frame(bob, "To both devices", "c-1"))

    # then: both devices have it; the first to mark it wins, and ada hears it once
    for socket in (bob_phone, bob_laptop):
        assert (await receive(socket))["type"] == "message.new"
    frames = await receive_each(ada_socket, "message.ack", "message.delivered")
    await asyncio.sleep(SETTLE_SECONDS)
    for socket in (ada_socket, bob_phone, bob_laptop):
        await assert_nothing_more(socket)
    [message] = await stored()
    assert frames["message.delivered"] == delivered_frame(message)


async def test_the_senders_own_sockets_do_not_deliver_a_message(sockets, ada, bob):
    # given: ada on two devices, bob away
    ada_phone, ada_laptop = await sockets(ada), await sockets(ada)

    # when
    await ada_phone.send_json_to(send_frame(bob, "Only to Bob", "c-1"))

    # then: her laptop has its copy, and the message is still only sent
    assert (await receive(ada_phone))["type"] == "message.ack"
    assert (await receive(ada_laptop))["type"] == "message.new"
    await asyncio.sleep(SETTLE_SECONDS)
    [message] = await stored()
    assert message.status == "sent"
    await assert_nothing_more(ada_phone)
    await assert_nothing_more(ada_laptop)
