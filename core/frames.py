"""Server -> client frames of the socket itself (core/consumers.py, core/events.py).

``{"type": "pong", "ts"?: <anything>}``
    The answer to ``{"type": "ping"}``; a ``ts`` the client sent comes back untouched.

``{"type": "error", "code", "detail", "attr", "client_id"?, "fields"?}``
    A refused frame (the socket stays open). ``client_id`` echoes the frame's own when it
    had a usable one; ``fields`` carries a ``DomainError``'s per-field details.
"""

from __future__ import annotations

from typing import Any


def pong(ping: dict[str, Any]) -> dict[str, Any]:
    """The answer to the client's ``ping`` frame, echoing its ``ts`` if it had one (even a
    null: the client measures the round trip with whatever it put there)."""
    frame: dict[str, Any] = {"type": "pong"}
    if "ts" in ping:
        frame["ts"] = ping["ts"]
    return frame


def error(
    *,
    code: str,
    detail: str,
    attr: str | None = None,
    client_id: str | int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "detail": detail, "attr": attr}
    if client_id is not None:
        frame["client_id"] = client_id
    frame.update(extra)
    return frame
