"""The socket at /ws/: frame handling (frame types registered here, for these tests)."""

import asyncio
import json
import logging

import pytest

from core import realtime
from core.exceptions import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


async def _echo(consumer, frame):
    await consumer.send_frame({"type": "test.echo", "text": frame["text"]})


async def _refuse(consumer, frame):
    raise DomainError("Not today.", code="not_allowed", attr="text")


async def _crash(consumer, frame):
    raise RuntimeError("secret internals")


async def _wait(consumer, frame):
    consumer.test_gate = asyncio.Event()

    async def wait_then_reply(gate):
        await gate.wait()
        if frame.get("fail"):
            raise DomainError("Gave up.", code="gave_up")
        await consumer.send_frame({"type": "test.done"})

    consumer.test_task = consumer.spawn(
        wait_then_reply(consumer.test_gate), client_id=frame.get("client_id")
    )
    spawned_tasks.append(consumer.test_task)


async def _release(consumer, frame):
    consumer.test_gate.set()


spawned_tasks: list[asyncio.Task] = []

# Registered once per process, however often pytest imports this module.
for _type, _handler, _required in [
    ("test.echo", _echo, ("text",)),
    ("test.refuse", _refuse, ()),
    ("test.crash", _crash, ()),
    ("test.wait", _wait, ()),
    ("test.release", _release, ()),
]:
    if realtime.handler_for(_type) is None:
        realtime.frame_handler(_type, required=_required)(_handler)


# --- frames ------------------------------------------------------------------------------


async def test_a_frame_that_is_not_json_gets_an_error_and_the_socket_stays_open(connect, user):
    communicator = await connect(user)
    for text in ["not json", "[1, 2]", '"ping"', "{}", '{"type": 3}']:
        await communicator.send_to(text_data=text)
        reply = await communicator.receive_json_from(timeout=1)
        assert (reply["type"], reply["code"]) == ("error", "invalid_frame"), text
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_binary_frame_gets_an_error(connect, user):
    communicator = await connect(user)
    await communicator.send_to(bytes_data=b'{"type": "ping"}')
    assert await communicator.receive_json_from(timeout=1) == {
        "type": "error",
        "code": "invalid_frame",
        "detail": "Frames must be JSON text, not binary.",
        "attr": None,
    }


async def test_an_unknown_type_gets_unknown_type_with_the_client_id(connect, user):
    communicator = await connect(user)
    await communicator.send_json_to({"type": "no.such.thing", "client_id": "c-1"})
    assert await communicator.receive_json_from(timeout=1) == {
        "type": "error",
        "code": "unknown_type",
        "detail": "Unknown frame type 'no.such.thing'.",
        "attr": None,
        "client_id": "c-1",
    }


async def test_a_missing_required_field_is_named(connect, user):
    communicator = await connect(user)
    # when
    await communicator.send_json_to({"type": "test.echo", "client_id": 7})
    # then
    assert await communicator.receive_json_from(timeout=1) == {
        "type": "error",
        "code": "invalid_frame",
        "detail": "Missing required field(s) for 'test.echo': text.",
        "attr": None,
        "client_id": 7,
    }
    await communicator.send_json_to({"type": "test.echo", "text": "hi"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "test.echo", "text": "hi"}


async def test_a_frame_over_the_size_limit_is_refused(connect, user):
    communicator = await connect(user)
    # 40,000 two-byte characters: under the limit in characters, over it in bytes
    for padding in ["x" * (64 * 1024), "é" * 40_000]:
        await communicator.send_json_to({"type": "ping", "padding": padding})
        assert await communicator.receive_json_from(timeout=1) == {
            "type": "error",
            "code": "frame_too_large",
            "detail": "Frames are limited to 65536 bytes.",
            "attr": None,
        }
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_domain_error_becomes_an_error_frame(connect, user):
    communicator = await connect(user)
    await communicator.send_json_to({"type": "test.refuse", "client_id": "c-2"})
    assert await communicator.receive_json_from(timeout=1) == {
        "type": "error",
        "code": "not_allowed",
        "detail": "Not today.",
        "attr": "text",
        "client_id": "c-2",
    }


async def test_an_unexpected_exception_is_logged_and_hidden(connect, user, caplog):
    communicator = await connect(user)
    # when
    with caplog.at_level(logging.ERROR, logger="core.consumers"):
        await communicator.send_json_to({"type": "test.crash"})
        reply = await communicator.receive_json_from(timeout=1)
    # then
    assert reply == {
        "type": "error",
        "code": "server_error",
        "detail": "Something went wrong on our side.",
        "attr": None,
    }
    assert "secret internals" not in json.dumps(reply)
    assert [r.exc_info[1].args for r in caplog.records] == [("secret internals",)]
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_too_many_frames_a_second_are_dropped(connect, user, settings):
    # given
    settings.WS_MAX_FRAMES_PER_SECOND = 3
    communicator = await connect(user)
    # when
    for n in range(4):
        await communicator.send_json_to({"type": "ping", "ts": n, "client_id": f"p{n}"})
    # then
    replies = [await communicator.receive_json_from(timeout=1) for _ in range(4)]
    assert replies == [
        {"type": "pong", "ts": 0},
        {"type": "pong", "ts": 1},
        {"type": "pong", "ts": 2},
        {
            "type": "error",
            "code": "rate_limited",
            "detail": "More than 3 frames in a second; this one was dropped.",
            "attr": None,
            "client_id": "p3",
        },
    ]
    assert await communicator.receive_nothing(timeout=0.1)


async def test_spawned_work_does_not_block_the_receive_loop(connect, user):
    # given: a handler whose work waits in a spawned task
    communicator = await connect(user)
    await communicator.send_json_to({"type": "test.wait"})
    # when: the socket still answers while that work waits
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}
    await communicator.send_json_to({"type": "test.release"})
    # then
    assert await communicator.receive_json_from(timeout=1) == {"type": "test.done"}


async def test_a_spawned_failure_is_reported_with_the_client_id(connect, user):
    communicator = await connect(user)
    await communicator.send_json_to({"type": "test.wait", "fail": True, "client_id": "w-1"})
    await communicator.send_json_to({"type": "test.release"})
    assert await communicator.receive_json_from(timeout=1) == {
        "type": "error",
        "code": "gave_up",
        "detail": "Gave up.",
        "attr": None,
        "client_id": "w-1",
    }


async def test_spawned_work_is_cancelled_when_the_socket_closes(connect, user):
    # given
    communicator = await connect(user)
    spawned_tasks.clear()
    await communicator.send_json_to({"type": "test.wait"})
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}
    (task,) = spawned_tasks
    # when
    await communicator.disconnect()
    # then
    assert task.cancelled()
