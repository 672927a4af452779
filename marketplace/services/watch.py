"""Live refresh of open availability views: sockets that sent ``availability.watch``
(marketplace/events.py) are in the coach's group, and hear ``availability.changed``
(marketplace/frames.py) after every committed change of that coach's calendar.

A courtesy, never a guarantee: a frame lost on the way costs a stale view for a moment,
and the booking itself is decided by the database. So the push is best effort: after
commit, and dropped (the outage logged once) when the channel layer is unreachable.
"""

from __future__ import annotations

from core.realtime import send_to_group

from .. import frames


def watch_group(coach_id) -> str:
    """The channel-layer group of the sockets watching ``coach_id``'s availability."""
    return f"marketplace.availability.{coach_id}"


def availability_changed(coach_id) -> None:
    """Tell the coach's watchers their availability view is stale, once the current
    transaction commits (at once outside one). Every writer of a coach's bookings calls
    it: create, move, cancel, expire, and a seat taken or given back."""
    send_to_group(watch_group(coach_id), frames.availability_changed(coach_id))
