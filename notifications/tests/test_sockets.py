"""The member's open sockets hear of new notifications, and of ones read elsewhere."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from accounts.services import tokens_for
from accounts.tests.factories import UserFactory
from config.asgi import application
from core import realtime
from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


async def open_socket(user) -> WebsocketCommunicator:
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    communicator = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    assert await communicator.connect() == (True, None)
    return communicator


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def post_as(user, url: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user=user)['access']}")
    return client.post(url)


async def test_notify_pushes_notification_new_to_every_socket_of_the_member():
    # given
    member = await database_sync_to_async(UserFactory)()
    bystander = await database_sync_to_async(UserFactory)()
    sockets = [await open_socket(member), await open_socket(member)]
    other = await open_socket(bystander)

    # when
    notification = await database_sync_to_async(services.notify)(
        user=member,
        kind="welcome",
        title="Your coach replied",
        body="Open the app to read it.",
        data={"thread": 7},
    )

    # then
    expected = {
        "type": "notification.new",
        "notification": {
            "id": str(notification.pk),
            "kind": "welcome",
            "title": "Your coach replied",
            "body": "Open the app to read it.",
            "data": {"thread": 7},
            "is_read": False,
            "read_at": None,
            "created_at": iso(notification.created_at),
        },
    }
    for socket in sockets:
        assert await socket.receive_json_from(timeout=1) == expected
    assert await other.receive_nothing(timeout=0.1)
    for communicator in [*sockets, other]:
        await communicator.disconnect()


async def test_a_notification_switched_off_in_app_is_not_pushed():
    # given
    member = await database_sync_to_async(UserFactory)()
    await database_sync_to_async(services.preferences_update)(
        user=member, changes={"welcome": {"in_app": False}}
    )
    socket = await open_socket(member)

    # when
    await database_sync_to_async(services.notify)(user=member, kind="welcome", title="Hi")

    # then
    assert await socket.receive_nothing(timeout=0.1)
    await socket.disconnect()


async def test_reading_a_notification_tells_the_members_other_sockets():
    # given
    member = await database_sync_to_async(UserFactory)()
    first = await database_sync_to_async(Notification.objects.create)(
        user=member, kind="welcome", title="One"
    )
    await database_sync_to_async(Notification.objects.create)(
        user=member, kind="welcome", title="Two"
    )
    socket = await open_socket(member)

    # when
    one = await database_sync_to_async(post_as)(member, f"/api/v1/notifications/{first.pk}/read")
    rest = await database_sync_to_async(post_as)(member, "/api/v1/notifications/read-all")

    # then
    assert (one.status_code, rest.status_code) == (200, 200)
    assert await socket.receive_json_from(timeout=1) == {
        "type": "notification.read",
        "id": str(first.pk),
        "unread_count": 1,
    }
    assert await socket.receive_json_from(timeout=1) == {
        "type": "notification.read",
        "id": None,
        "unread_count": 0,
    }
    await socket.disconnect()
