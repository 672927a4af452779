"""WebSocket frames of the marketplace, client -> server (docs/API.md, the paragraph after
the marketplace table).

``{"type": "availability.watch", "coach": "<uuid>"}``
    The socket joins the published coach's watch group and gets
    ``availability.watch.ack {coach}``; from then on ``availability.changed {coach}``
    arrives whenever a booking or group session of that coach is created, moved,
    cancelled or expired, or a seat changes hands (``services.watch``). Watching again
    changes nothing; a socket may watch at most ``WS_MAX_NAMED_GROUPS`` coaches at once
    (``too_many_groups``).

``{"type": "availability.unwatch", "coach": "<uuid>"}``
    The socket leaves that group and gets ``availability.unwatch.ack {coach}``; a coach
    not watched is acknowledged all the same.

An unknown or unpublished coach (or not a UUID) is refused with ``error`` ``not_found``
naming ``coach``; the socket stays open.
"""

from __future__ import annotations

import uuid
from typing import Any

from channels.db import database_sync_to_async

from core.exceptions import NotFound
from core.realtime import frame_handler

from . import frames
from .selectors.availability import published_coach
from .services.watch import watch_group


def _coach_id(value: Any) -> uuid.UUID:
    try:
        if isinstance(value, str) and len(value) <= 64:
            return uuid.UUID(value)
    except ValueError:
        pass
    raise NotFound("No such coach.", attr="coach")


def _published(coach_id: uuid.UUID) -> uuid.UUID:
    if published_coach(coach_id) is None:
        raise NotFound("No such coach.", attr="coach")
    return coach_id


_find_coach = database_sync_to_async(_published, thread_sensitive=False)


@frame_handler("availability.watch", required=("coach",))
async def availability_watch(consumer, frame: dict[str, Any]) -> None:
    coach_id = await _find_coach(_coach_id(frame["coach"]))
    await consumer.join_group(watch_group(coach_id))
    await consumer.send_frame(frames.availability_watch_ack(coach_id, watching=True))


@frame_handler("availability.unwatch", required=("coach",))
async def availability_unwatch(consumer, frame: dict[str, Any]) -> None:
    coach_id = _coach_id(frame["coach"])
    await consumer.leave_group(watch_group(coach_id))
    await consumer.send_frame(frames.availability_watch_ack(coach_id, watching=False))
