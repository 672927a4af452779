"""Fixtures shared by community's test modules."""

import pytest
from channels.db import database_sync_to_async

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for


@pytest.fixture
def other_api(other_member):
    return client_for(other_member)


@pytest.fixture
def sockets(socket_of):
    """Open sockets against the real ASGI application; all are closed at the end."""
    return socket_of


@pytest.fixture
async def ada():
    return await database_sync_to_async(UserFactory)()


@pytest.fixture
async def bob():
    return await database_sync_to_async(UserFactory)()
