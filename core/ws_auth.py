"""Who may open a socket: the Origin check and the two ways to authenticate (docs/API.md).

Browsers cannot set headers on a WebSocket handshake, so a client proves who it is either
with a one-time ``?ticket=`` from ``POST /auth/ws-ticket``, or by offering the subprotocol
pair ``bearer, <access JWT>``. A long-lived credential never goes in the URL: URLs end up
in proxy and server access logs, so ``?token=`` is ignored and only a ticket, which works
once and expires within a minute, may ride in the query string.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from core import realtime

logger = logging.getLogger(__name__)

BEARER_SUBPROTOCOL = "bearer"
# Far above any access token we mint; anything longer is refused before it is parsed.
MAX_CREDENTIAL_LENGTH = 4096


@dataclass(frozen=True)
class SocketAuth:
    """The outcome of a handshake: the user (None when refused) and the subprotocol to
    accept with, which is ``bearer`` whenever the client offered it, refused or not, since
    a browser that offered subprotocols fails a handshake that picks none."""

    user: Any
    subprotocol: str | None


def _bearer_token(subprotocols: list[str]) -> str | None:
    """The JWT that follows ``bearer`` in the offered subprotocols, if any."""
    try:
        index = subprotocols.index(BEARER_SUBPROTOCOL)
    except ValueError:
        return None
    if index + 1 < len(subprotocols):
        return subprotocols[index + 1]
    return None


def _ticket(query_string: bytes) -> str | None:
    params = parse_qs(query_string.decode("latin-1"))
    tickets = params.get("ticket")
    return tickets[0] if tickets else None


_user_from_ticket = database_sync_to_async(realtime.redeem_ws_ticket)


@database_sync_to_async
def _user_from_jwt(raw: str):
    # get_user() also refuses inactive users and, with CHECK_REVOKE_TOKEN, tokens minted
    # before the user's last password change.
    try:
        return JWTAuthentication().get_user(AccessToken(raw))
    except (TokenError, InvalidToken, AuthenticationFailed, ValidationError, ValueError):
        return None


async def authenticate(scope: dict[str, Any]) -> SocketAuth:
    """Authenticate a WebSocket handshake. A ticket wins when both are offered; either
    way, a ticket is spent by the attempt."""
    subprotocols = [str(p) for p in scope.get("subprotocols") or []]
    subprotocol = BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in subprotocols else None
    ticket = _ticket(scope.get("query_string", b""))
    token = _bearer_token(subprotocols)

    user = None
    if ticket:
        if len(ticket) <= MAX_CREDENTIAL_LENGTH:
            user = await _user_from_ticket(ticket)
    elif token and len(token) <= MAX_CREDENTIAL_LENGTH:
        user = await _user_from_jwt(token)
    return SocketAuth(user=user, subprotocol=subprotocol)


def allowed_socket_origins() -> list[str]:
    """Hosts (``ALLOWED_HOSTS``) and full origins (``CORS_ALLOWED_ORIGINS``) whose pages may
    open a socket; a host pattern matches any scheme and port, an origin must match exactly."""
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        # The hosts Django itself accepts in DEBUG with an empty ALLOWED_HOSTS.
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts + list(getattr(settings, "CORS_ALLOWED_ORIGINS", []))


class SocketOriginValidator(OriginValidator):
    """Refuse handshakes whose ``Origin`` names a foreign site; let those without one in.

    The Origin check exists to stop cross-site WebSocket hijacking: a page on another site
    opening a socket with the visitor's ambient credentials. Browsers always send ``Origin``
    on a WebSocket handshake, so that attack always carries one and is refused here.
    Native and mobile clients send none and hold their own credentials, which must still
    pass :func:`authenticate`; a missing header is therefore let through. Channels'
    ``AllowedHostsOriginValidator`` refuses a missing Origin unless ``"*"`` is allowed,
    which would lock those clients out, hence this subclass.

    The allowed list is read from settings at each handshake (cheap), and a malformed
    Origin is refused instead of raising.
    """

    def __init__(self, application):
        super().__init__(application, allowed_origins=())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SocketOriginValidator only guards WebSocket connections.")
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                origin = value.decode("latin-1")
        if origin is None or self._allowed(origin):
            return await self.application(scope, receive, send)
        logger.info("WebSocket handshake refused for origin %r", origin[:200])
        return await WebsocketDenier()(scope, receive, send)

    def _allowed(self, origin: str) -> bool:
        try:
            parsed = urlparse(origin)
            return any(
                pattern == "*" or self.match_allowed_origin(parsed, pattern)
                for pattern in allowed_socket_origins()
            )
        except ValueError:  # an unparsable host or port
            return False
