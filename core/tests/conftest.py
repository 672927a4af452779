"""Fixtures shared by core's test modules: members and sockets of the /ws/ tests."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from config.asgi import application
from core import realtime

PASSWORD = "a-long-test-password"  # noqa: S105


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
