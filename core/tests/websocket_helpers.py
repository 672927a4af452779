"""Helpers of the /ws/ tests: how a socket is seen to close."""

from core import realtime


async def assert_closed_with(communicator, code):
    assert await communicator.receive_output(timeout=1) == {"type": "websocket.close", "code": code}


async def assert_refused_unauthorized(communicator, subprotocol=None):
    # Accepted first so that a browser can read the close code.
    assert await communicator.connect() == (True, subprotocol)
    await assert_closed_with(communicator, realtime.CLOSE_UNAUTHORIZED)
