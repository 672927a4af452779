"""The socket at /ws/: fan-out to every socket of a member, across processes."""

import os
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction

from core import realtime

from .websocket_helpers import assert_closed_with

pytestmark = pytest.mark.django_db(transaction=True)


def _send_in_transaction(user_id, frame):
    with transaction.atomic():
        realtime.send_to_user(user_id, frame)


def _close_in_transaction(user_id):
    with transaction.atomic():
        realtime.close_user_sockets(user_id)


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
