"""Who the member is, for the prompts of the features that serve them.

:func:`member_context` is the one way a prompt learns about the member: the gateway calls it
for every generation of a feature declared with ``member_context=True``, records what it
returned on the generation (``Generation.member_context``, for audit, cleared with the input
by retention) and renders it into the prompts as ``member_context``
(``templates/prompts/member_context.txt``).

The pieces come from the apps that own them: ``AI_MEMBER_CONTEXT`` lists functions by dotted
path (``core.hooks``), each called as ``provider(user=...)`` and answering a dict of sections
(``{"goals": [...]}``, ``{"onboarding": {...}}``) merged in the order listed. A setting
rather than a registry, as ``PLAN_PROVIDER``: ai imports no domain app, grep lands on the
providers, and a system check (ai.E004) fails at start-up when one does not resolve.

What goes in is the member's own and only what a prompt needs: no names, emails or contact
details, nothing of other members, and every text cut short (:func:`cut`). The gateway adds
the member's time zone (a provider's ``time_zone``, else UTC) and today's date there, so
"this week" and due dates in an answer mean the member's week.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from core.hooks import Hook

if TYPE_CHECKING:
    from accounts.models import User

# Providers are called as provider(user=<the member>).
PROVIDER_PARAMS = ("user",)
TEXT_MAX_LENGTH = 160
DEFAULT_TIME_ZONE = "UTC"


@functools.cache
def _hooks(paths: tuple[str, ...]) -> tuple[Hook, ...]:
    return tuple(Hook(path, params=PROVIDER_PARAMS) for path in paths)


def providers() -> tuple[Hook, ...]:
    """The hooks ``AI_MEMBER_CONTEXT`` names, in order."""
    return _hooks(tuple(settings.AI_MEMBER_CONTEXT))


def member_context(user: User, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The member's context: every provider's sections, then ``time_zone`` and ``today``
    (ISO date in that zone). The same member at the same moment gives the same dict."""
    context: dict[str, Any] = {}
    for provider in providers():
        context.update(provider(user=user) or {})
    zone = _zone(context.get("time_zone"))
    context["time_zone"] = zone.key
    context["today"] = (now or timezone.now()).astimezone(zone).date().isoformat()
    return context


def _zone(name: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(str(name or DEFAULT_TIME_ZONE))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


def cut(value: Any, limit: int = TEXT_MAX_LENGTH) -> str:
    """``value`` as one line of at most ``limit`` characters, cut at a word when it can be."""
    text = " ".join(str(value or "").split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:") + "…"


def cut_all(values: Iterable[Any], *, limit: int, length: int = TEXT_MAX_LENGTH) -> list[str]:
    """At most ``limit`` non-empty values, each cut to ``length``."""
    cleaned = (cut(value, length) for value in values)
    return [value for value in cleaned if value][:limit]
