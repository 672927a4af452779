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
def messaging_members(member, other_member, grant_plan):
    """``member`` and ``other_member`` on the premium plan, which sending a message needs
    (``community.messaging``); a module of tests that send uses it for all of them."""
    grant_plan(member)
    grant_plan(other_member)


@pytest.fixture
async def ada(grant_plan):
    """The member who writes in the socket tests: on the premium plan, as sending needs
    it. ``bob``, who receives and reads, stays on the free plan, which does both."""
    user = await database_sync_to_async(UserFactory)()
    await database_sync_to_async(grant_plan)(user)
    return user


@pytest.fixture
async def bob():
    return await database_sync_to_async(UserFactory)()
