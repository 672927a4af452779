"""The socket at /ws/: origin check, authentication, frame handling and fan-out."""

import asyncio
import json
import logging
import os
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from config.asgi import application
from core import realtime
from core.exceptions import DomainError

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"  # noqa: S105


# --- frame types that exist only for these tests -----------------------------------------


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


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def user():
    return User.objects.create_user(email="ada@example.com", password=PASSWORD)


@pytest.fixture
def other_user():
    return User.objects.create_user(email="grace@example.com", password=PASSWORD)


@pytest.fixture
async def sockets():
    """Open communicators against the real ASGI application; all are torn down at the end."""
    opened: list[WebsocketCommunicator] = []

    def open_socket(path="/ws/", **kwargs) -> WebsocketCommunicator:
        communicator = WebsocketCommunicator(application, path, **kwargs)
        opened.append(communicator)
        return communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture
def connect(sockets):
    """Connect one socket of ``user`` with a fresh ticket and assert it was accepted."""

    async def connect_as(user) -> WebsocketCommunicator:
        ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
        communicator = sockets(f"/ws/?ticket={ticket}")
        connected, subprotocol = await communicator.connect()
        assert (connected, subprotocol) == (True, None)
        return communicator

    return connect_as


async def assert_closed_with(communicator, code):
    assert await communicator.receive_output(timeout=1) == {"type": "websocket.close", "code": code}


async def assert_refused_unauthorized(communicator, subprotocol=None):
    # Accepted first so that a browser can read the close code.
    assert await communicator.connect() == (True, subprotocol)
    await assert_closed_with(communicator, realtime.CLOSE_UNAUTHORIZED)


def _send_in_transaction(user_id, frame):
    with transaction.atomic():
        realtime.send_to_user(user_id, frame)


def _close_in_transaction(user_id):
    with transaction.atomic():
        realtime.close_user_sockets(user_id)


# --- authentication -----------------------------------------------------------------------


async def test_ticket_opens_the_socket_and_ping_answers_pong(connect, user):
    # given
    communicator = await connect(user)
    # when
    await communicator.send_json_to({"type": "ping", "ts": 1712345678901})
    # then
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong", "ts": 1712345678901}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_ticket_works_only_once(sockets, user):
    # given
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    first = sockets(f"/ws/?ticket={ticket}")
    assert await first.connect() == (True, None)
    # when / then
    await assert_refused_unauthorized(sockets(f"/ws/?ticket={ticket}"))
    await first.send_json_to({"type": "ping"})
    assert await first.receive_json_from(timeout=1) == {"type": "pong"}


async def test_an_expired_ticket_is_refused(sockets, user, settings):
    # given: a TTL of 0 seconds makes the cache drop the ticket at once
    settings.WS_TICKET_TTL = 0
    ticket, ttl = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    assert ttl == 0
    # when / then
    await assert_refused_unauthorized(sockets(f"/ws/?ticket={ticket}"))


async def test_an_unknown_ticket_is_refused(sockets):
    await assert_refused_unauthorized(sockets("/ws/?ticket=not-a-ticket"))


async def test_a_ticket_of_a_user_deactivated_since_is_refused(sockets, user):
    # given
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    await User.objects.filter(pk=user.pk).aupdate(is_active=False)
    # when / then
    await assert_refused_unauthorized(sockets(f"/ws/?ticket={ticket}"))


async def test_bearer_subprotocol_opens_the_socket_and_never_echoes_the_token(sockets, user):
    # given
    token = str(AccessToken.for_user(user))
    communicator = sockets("/ws/", subprotocols=["bearer", token])
    # when
    connected, subprotocol = await communicator.connect()
    # then
    assert (connected, subprotocol) == (True, "bearer")
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_bad_jwt_is_refused(sockets):
    communicator = sockets("/ws/", subprotocols=["bearer", "not.a.jwt"])
    await assert_refused_unauthorized(communicator, subprotocol="bearer")


async def test_bearer_without_a_token_is_refused(sockets):
    await assert_refused_unauthorized(sockets("/ws/", subprotocols=["bearer"]), "bearer")


async def test_a_jwt_of_an_inactive_user_is_refused(sockets, user):
    # given
    token = str(AccessToken.for_user(user))
    await User.objects.filter(pk=user.pk).aupdate(is_active=False)
    # when / then
    communicator = sockets("/ws/", subprotocols=["bearer", token])
    await assert_refused_unauthorized(communicator, subprotocol="bearer")


async def test_a_jwt_issued_before_a_password_change_is_refused(sockets, user):
    # given
    token = str(AccessToken.for_user(user))

    def change_password():
        user.set_password("another-long-password")
        user.save()

    await database_sync_to_async(change_password)()
    # when / then
    communicator = sockets("/ws/", subprotocols=["bearer", token])
    await assert_refused_unauthorized(communicator, subprotocol="bearer")


async def test_no_credentials_are_refused(sockets):
    await assert_refused_unauthorized(sockets("/ws/"))


async def test_a_jwt_in_the_url_is_ignored(sockets, user):
    token = str(AccessToken.for_user(user))
    await assert_refused_unauthorized(sockets(f"/ws/?token={token}"))


async def test_a_refused_socket_ignores_frames(sockets):
    # given
    communicator = sockets("/ws/")
    await assert_refused_unauthorized(communicator)
    # when
    await communicator.send_json_to({"type": "ping"})
    # then
    assert await communicator.receive_nothing(timeout=0.1)


# --- origin and routing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "https://localhost.evil.example", "null", "http://[broken"],
)
async def test_a_foreign_or_malformed_origin_is_refused_before_authentication(
    sockets, user, origin
):
    # given
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    refused = sockets(f"/ws/?ticket={ticket}", headers=[(b"origin", origin.encode())])
    # when / then: refused at the handshake, and the ticket was not spent
    assert await refused.connect() == (False, 1000)
    assert await sockets(f"/ws/?ticket={ticket}").connect() == (True, None)


async def test_own_hosts_and_cors_origins_are_accepted(sockets, user, settings):
    # given
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    for origin, accepted in [
        (b"http://localhost:8000", True),
        (b"https://app.example.com", True),
        (b"http://app.example.com", False),
        (b"https://app.example.com:99999999", False),
    ]:
        ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
        communicator = sockets(f"/ws/?ticket={ticket}", headers=[(b"origin", origin)])
        # when
        connected, _ = await communicator.connect()
        # then
        assert connected is accepted, origin


async def test_an_unknown_path_is_refused_cleanly(sockets):
    assert await sockets("/ws/other/").connect() == (False, 1000)
    assert await sockets("/elsewhere").connect() == (False, 1000)


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


# --- fan-out -----------------------------------------------------------------------------


async def test_send_to_user_reaches_every_socket_of_that_user_only(connect, user, other_user):
    # given
    first, second = await connect(user), await connect(user)
    stranger = await connect(other_user)
    frame = {"type": "notification.new", "id": str(uuid.uuid4())}
    # when
    await database_sync_to_async(_send_in_transaction)(user.pk, frame)
    # then
    assert await first.receive_json_from(timeout=1) == frame
    assert await second.receive_json_from(timeout=1) == frame
    assert await stranger.receive_nothing(timeout=0.1)


async def test_close_user_sockets_closes_that_users_sockets_with_4403(connect, user, other_user):
    # given
    first, second = await connect(user), await connect(user)
    stranger = await connect(other_user)
    # when
    await database_sync_to_async(_close_in_transaction)(user.pk)
    # then
    await assert_closed_with(first, realtime.CLOSE_REVOKED)
    await assert_closed_with(second, realtime.CLOSE_REVOKED)
    assert await stranger.receive_nothing(timeout=0.1)
    await stranger.send_json_to({"type": "ping"})
    assert await stranger.receive_json_from(timeout=1) == {"type": "pong"}


async def test_a_socket_leaves_its_group_when_it_closes(connect, user):
    # given
    communicator = await connect(user)
    layer = get_channel_layer()
    # when
    await communicator.disconnect()
    # then
    assert realtime.group_for(user.pk) not in layer.groups


@pytest.fixture
async def redis_channel_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [os.environ["REDIS_URL"]],
                "prefix": f"test-asgi-{uuid.uuid4().hex[:12]}",
            },
        }
    }
    channel_layers.backends = {}
    layer = get_channel_layer()
    yield layer
    await layer.flush()
    await layer.close_pools()
    channel_layers.backends = {}


@pytest.mark.redis
async def test_send_to_user_is_delivered_through_redis(
    redis_channel_layer, connect, user, other_user
):
    # given
    first, second = await connect(user), await connect(user)
    stranger = await connect(other_user)
    frame = {"type": "notification.new", "id": str(uuid.uuid4())}
    # when
    await database_sync_to_async(_send_in_transaction)(user.pk, frame)
    # then
    assert await first.receive_json_from(timeout=1) == frame
    assert await second.receive_json_from(timeout=1) == frame
    assert await stranger.receive_nothing(timeout=0.2)
