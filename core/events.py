"""Client frames every app shares."""

from core import frames
from core.realtime import frame_handler


@frame_handler("ping")
async def ping(consumer, frame):
    """Keep-alive and latency probe: proxies close sockets that stay silent, so clients ping
    on a timer; a ``ts`` they send comes back untouched so they can measure the round trip."""
    await consumer.send_frame(frames.pong(frame))
