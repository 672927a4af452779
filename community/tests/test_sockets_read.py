"""Messaging over the one socket at /ws/ (community/events.py): message.read."""

import uuid

import pytest
from channels.db import database_sync_to_async

from community.serializers.messages import timestamp

from .factories import MessageFactory
from .sockets_helpers import assert_nothing_more, receive

pytestmark = pytest.mark.django_db(transaction=True)


async def test_reading_sends_a_receipt_to_the_sender_and_clears_the_readers_other_devices(
    sockets, ada, bob
):
    # given
    earlier = await database_sync_to_async(MessageFactory)(sender=ada, recipient=bob)
    message = await database_sync_to_async(MessageFactory)(sender=ada, recipient=bob)
    ada_socket, bob_phone, bob_laptop = await sockets(ada), await sockets(bob), await sockets(bob)

    # when
    await bob_phone.send_json_to({"type": "message.read", "id": str(message.pk)})

    # then
    receipt = await receive(ada_socket)
    await database_sync_to_async(message.refresh_from_db)()
    await database_sync_to_async(earlier.refresh_from_db)()
    assert receipt == {
        "type": "message.read",
        "id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "reader_id": str(bob.pk),
        "sender_id": str(ada.pk),
        "read_at": timestamp(message.read_at),
        "count": 2,
    }
    assert earlier.read_at == message.read_at
    assert await receive(bob_phone) == receipt
    assert await receive(bob_laptop) == receipt

    # and reading again sends nothing
    await bob_phone.send_json_to({"type": "message.read", "id": str(message.pk)})
    await assert_nothing_more(bob_phone)
    await assert_nothing_more(ada_socket)


@pytest.mark.parametrize("whose", ["own", "unknown", "not-a-uuid"])
async def test_reading_a_message_not_addressed_to_you_is_not_found(sockets, ada, bob, whose):
    # given
    message = await database_sync_to_async(MessageFactory)(sender=ada, recipient=bob)
    message_id = {"own": str(message.pk), "unknown": str(uuid.uuid4()), "not-a-uuid": "x"}[whose]
    socket = await sockets(ada)

    # when
    await socket.send_json_to({"type": "message.read", "id": message_id})

    # then
    reply = await receive(socket)
    assert (reply["type"], reply["code"]) == ("error", "not_found")
    await database_sync_to_async(message.refresh_from_db)()
    assert message.read_at is None
    await assert_nothing_more(socket)


async def test_message_read_needs_an_id(sockets, ada):
    # given
    socket = await sockets(ada)

    # when
    await socket.send_json_to({"type": "message.read"})

    # then
    reply = await receive(socket)
    assert (reply["code"], "id" in reply["detail"]) == ("invalid_frame", True)
