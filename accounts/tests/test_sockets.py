"""Ending sessions ends sockets: password change and deletion close every open socket."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from accounts.services import tokens_for
from config.asgi import application
from core import realtime

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def open_socket(user) -> WebsocketCommunicator:
    ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
    communicator = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def api_call(user, method: str, url: str, body: dict):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user=user)['access']}")
    return getattr(client, method)(url, body)


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        (
            "post",
            "/api/v1/auth/password/change",
            {"old_password": PASSWORD, "new_password": "a brand new passphrase 7"},
            200,
        ),
        ("delete", "/api/v1/me/account", {"password": PASSWORD}, 204),
    ],
)
async def test_open_sockets_close_when_the_session_ends(method, url, body, status):
    # given
    member = await database_sync_to_async(UserFactory)()
    bystander = await database_sync_to_async(UserFactory)()
    sockets = [await open_socket(member), await open_socket(member)]
    other = await open_socket(bystander)

    # when
    response = await database_sync_to_async(api_call)(member, method, url, body)

    # then
    assert response.status_code == status
    for socket in sockets:
        assert await socket.receive_output(timeout=1) == {
            "type": "websocket.close",
            "code": realtime.CLOSE_REVOKED,
        }
    await other.send_json_to({"type": "ping"})
    assert await other.receive_json_from(timeout=1) == {"type": "pong"}
    await other.disconnect()
