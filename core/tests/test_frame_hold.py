"""A socket's hold on its outgoing group frames (``PlatformConsumer.hold_frames``): frames
that match are kept back, in order, and not sent until the holder takes or releases them;
the others go out as usual. Exercised through a real socket and frame handlers of the
test's own, as an app's handler would use it."""

import pytest

from core import realtime

pytestmark = pytest.mark.django_db(transaction=True)


async def _hold(consumer, frame):
    message_id = frame["message_id"]
    consumer.test_hold = consumer.hold_frames(lambda f: f.get("message_id") == message_id)
    await consumer.send_frame({"type": "test.holding"})


async def _take(consumer, frame):
    held = consumer.test_hold.take()
    await consumer.send_frame({"type": "test.taken", "seqs": [f["seq"] for f in held]})


async def _release(consumer, frame):
    held = consumer.release(consumer.test_hold)
    await consumer.send_frame({"type": "test.released", "seqs": [f["seq"] for f in held]})


# Registered once per process, however often pytest imports this module.
for _type, _handler in [
    ("test.hold", _hold),
    ("test.hold.take", _take),
    ("test.hold.release", _release),
]:
    if realtime.handler_for(_type) is None:
        realtime.frame_handler(_type)(_handler)


def token(message_id: str, seq: int) -> dict:
    return {"type": "ai.token", "message_id": message_id, "seq": seq, "delta": f"{seq} "}


async def holding(socket, message_id: str) -> None:
    await socket.send_json_to({"type": "test.hold", "message_id": message_id})
    assert await socket.receive_json_from(timeout=1) == {"type": "test.holding"}


async def test_held_frames_are_kept_in_order_and_the_others_go_out(member, socket_of):
    # given
    socket = await socket_of(member)
    await holding(socket, "m1")

    # when
    for frame in [token("m1", 1), token("m2", 1), token("m1", 2)]:
        await realtime.asend_now(member.pk, frame)

    # then: only the other message's frame came
    assert await socket.receive_json_from(timeout=1) == token("m2", 1)
    assert await socket.receive_nothing(timeout=0.1)
    await socket.send_json_to({"type": "test.hold.release"})
    assert await socket.receive_json_from(timeout=1) == {"type": "test.released", "seqs": [1, 2]}


async def test_take_empties_the_hold_and_keeps_it(member, socket_of):
    # given
    socket = await socket_of(member)
    await holding(socket, "m1")
    await realtime.asend_now(member.pk, token("m1", 1))

    # when
    await socket.send_json_to({"type": "test.hold.take"})
    taken = await socket.receive_json_from(timeout=1)
    await realtime.asend_now(member.pk, token("m1", 2))
    await socket.send_json_to({"type": "test.hold.take"})
    again = await socket.receive_json_from(timeout=1)

    # then
    assert taken == {"type": "test.taken", "seqs": [1]}
    assert again == {"type": "test.taken", "seqs": [2]}
    assert await socket.receive_nothing(timeout=0.1)


async def test_after_the_release_frames_are_sent_as_usual(member, socket_of):
    # given
    socket = await socket_of(member)
    await holding(socket, "m1")
    await socket.send_json_to({"type": "test.hold.release"})
    assert await socket.receive_json_from(timeout=1) == {"type": "test.released", "seqs": []}

    # when
    await realtime.asend_now(member.pk, token("m1", 3))

    # then
    assert await socket.receive_json_from(timeout=1) == token("m1", 3)


async def test_a_hold_is_the_socket_s_own(member, socket_of):
    # given: two sockets of the member, one holding
    holder = await socket_of(member)
    other = await socket_of(member)
    await holding(holder, "m1")

    # when
    await realtime.asend_now(member.pk, token("m1", 1))

    # then
    assert await other.receive_json_from(timeout=1) == token("m1", 1)
    assert await holder.receive_nothing(timeout=0.1)
