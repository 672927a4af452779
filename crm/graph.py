"""Meta's Graph API, the few calls crm makes: connecting a Facebook Page or an Instagram
account, publishing to them, and sending WhatsApp messages (Cloud API).

A thin httpx client with a settable base URL (``CRM_GRAPH_BASE_URL``) and version
(``CRM_GRAPH_VERSION``): Meta's SDKs add nothing we need and are harder to fake. Every call
has a connect and a read timeout (``CRM_GRAPH_CONNECT_TIMEOUT``, ``CRM_GRAPH_TIMEOUT``) and
none is retried here: the dispatcher decides, from ``GraphError.retryable`` and
``GraphError.outcome_unknown``, whether to try again later or to check first.

Tokens and the app secret travel in the ``Authorization`` header or a form body, never in
the query string: httpx logs every URL it requests, and Meta's ``paging.next`` links carry
the token, so pages are followed by their ``after`` cursor instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypedDict

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

# Instagram container states (the container's ``status_code``).
IN_PROGRESS = "IN_PROGRESS"
FINISHED = "FINISHED"
ERROR = "ERROR"
EXPIRED = "EXPIRED"
PUBLISHED = "PUBLISHED"

# Meta's error codes (developers.facebook.com/docs/graph-api/guides/error-handling, the
# WhatsApp Cloud API's error codes, and the rate-limiting guide).
_TOKEN_CODES = {102, 190}
# Subcodes of an invalid session: app removed, checkpoint, password changed, expired,
# unconfirmed user, logged out, invalid session.
_TOKEN_SUBCODES = {458, 459, 460, 463, 464, 467, 492}
_PERMISSION_CODES = {10, *range(200, 300)}
_THROTTLING_CODES = {4, 17, 32, 341, 613, 130429, 131056}
_TEMPORARY_CODES = {1, 2, 131016}
# Business use case rate limits: 80001 Pages, 80002 Instagram, 80008 WhatsApp Business...
_BUC_THROTTLING = range(80001, 80100)

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class Page(TypedDict):
    id: str
    name: str
    access_token: str
    instagram_business_account: str | None


class ContainerStatus(NamedTuple):
    status_code: str  # IN_PROGRESS, FINISHED, ERROR, EXPIRED or PUBLISHED
    detail: str  # Meta's description, e.g. "Error: Media upload has failed with error code 2207026"


class PublishingLimit(NamedTuple):
    used: int
    total: int
    window_seconds: int


@dataclass(eq=False)
class GraphError(Exception):
    """A Graph call that did not succeed: Meta's error answer, a bad HTTP status, or no
    answer at all (``transport`` is ``"timeout"``, ``"connection"``, or ``"gateway"`` for a
    proxy's 502/504 page instead of Meta's answer)."""

    code: int | None = None
    subcode: int | None = None
    type: str = ""
    message: str = ""
    fbtrace_id: str = ""
    status: int | None = None
    user_message: str = ""  # error_user_msg: Meta's sentence for the person, when it has one
    details: str = ""  # error_data.details (WhatsApp): the precise cause
    is_transient: bool = False
    transport: str | None = None
    # True when the request may have reached Meta and been acted on although no answer came
    # back: a publish that must be checked, not sent again.
    sent: bool = False

    def __post_init__(self) -> None:
        super().__init__(self.reason)

    def __reduce__(self):
        # Exceptions pickle as cls(*args); Celery and copy need every field back.
        return (self.__class__, tuple(getattr(self, f.name) for f in fields(self)))

    def __str__(self) -> str:
        code = f" (code {self.code}" + (f"/{self.subcode}" if self.subcode else "") + ")"
        return self.reason + (code if self.code is not None else "")

    @property
    def needs_reauth(self) -> bool:
        """The token is expired, revoked or lacks a permission: only the member reconnecting
        fixes it, so later calls with this token should not be made."""
        return (
            self.code in _TOKEN_CODES
            or self.code in _PERMISSION_CODES
            or self.subcode in _TOKEN_SUBCODES
        )

    @property
    def outcome_unknown(self) -> bool:
        """No answer to a call that may have published: check before sending it again."""
        return self.sent

    @property
    def retryable(self) -> bool:
        """Trying the same call again later may succeed (and cannot publish twice)."""
        if self.outcome_unknown or self.needs_reauth:
            return False
        if self.transport is not None:
            return True
        if self.code in _THROTTLING_CODES or self.code in _TEMPORARY_CODES:
            return True
        if self.code is not None and self.code in _BUC_THROTTLING:
            return True
        return self.is_transient or self.status == 429 or (self.status or 0) >= 500

    @property
    def throttled(self) -> bool:
        return (
            self.status == 429
            or self.code in _THROTTLING_CODES
            or (self.code is not None and self.code in _BUC_THROTTLING)
        )

    @property
    def reason(self) -> str:
        """A short sentence for the member: Meta's own words when it has useful ones."""
        if self.transport is not None:
            if self.sent:
                return (
                    "Meta did not answer after receiving the request; it may have been "
                    "published, so check before trying again."
                )
            if self.transport == "timeout":
                return "Meta could not be reached in time; nothing was sent."
            return "The connection to Meta failed before the request was sent."
        for text in (self.user_message, self.details, self.message):
            if text and "unknown error" not in text.lower():
                return text
        if self.needs_reauth:
            return "The connection to the account has expired or was revoked; reconnect it."
        if self.throttled:
            return "Meta is limiting how often this account can call it; try again later."
        if self.retryable:
            return "Meta had a temporary problem; try again later."
        if self.status is not None:
            return f"Meta refused the request (HTTP {self.status})."
        return "Meta refused the request."


def is_configured() -> bool:
    """A Meta app is set up (its id and secret), so accounts can be connected."""
    return bool(settings.CRM_META_APP_ID and settings.CRM_META_APP_SECRET)


# --- Accounts -------------------------------------------------------------------------------


def exchange_code(code: str, redirect_uri: str) -> str:
    """The short-lived (about an hour) user token for the code Meta's login dialog gave
    back; ``redirect_uri`` must be the one the dialog was opened with."""
    body = _call(
        "POST",
        "/oauth/access_token",
        data={**_app_credentials(), "redirect_uri": redirect_uri, "code": code},
    )
    return _field(body, "access_token")


def long_lived_user_token(token: str) -> tuple[str, datetime | None]:
    """A long-lived (about 60 days) user token for a short-lived one, and when it expires
    (None when Meta gives no expiry). An expired token cannot be exchanged."""
    body = _call(
        "POST",
        "/oauth/access_token",
        data={**_app_credentials(), "grant_type": "fb_exchange_token", "fb_exchange_token": token},
    )
    expires_in = body.get("expires_in")
    expires_at = datetime.now(tz=UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
    return _field(body, "access_token"), expires_at


def permissions(user_token: str) -> dict[str, list[str]]:
    """The permissions the member granted and declined: ``{"granted": [...], "declined":
    [...]}`` (expired ones count as declined)."""
    result: dict[str, list[str]] = {"granted": [], "declined": []}
    for row in _pages_of("/me/permissions", user_token, {}):
        key = "granted" if row.get("status") == "granted" else "declined"
        result[key].append(row.get("permission", ""))
    return result


def pages(user_token: str) -> list[Page]:
    """The Pages the member manages, each with its own Page token (derived from a long-lived
    user token, it does not expire) and its Instagram business account, if any."""
    fields = {"fields": "id,name,access_token,instagram_business_account"}
    return [
        Page(
            id=str(row["id"]),
            name=row.get("name", ""),
            access_token=row.get("access_token", ""),
            instagram_business_account=(row.get("instagram_business_account") or {}).get("id"),
        )
        for row in _pages_of("/me/accounts", user_token, fields)
    ]


def page(page_id: str, page_token: str) -> dict[str, str]:
    """The Page read as itself (``{id, name}``): proves a Page token works."""
    body = _call("GET", f"/{page_id}", token=page_token, params={"fields": "id,name"})
    return {"id": str(_field(body, "id")), "name": body.get("name", "")}


# --- Publishing -----------------------------------------------------------------------------


def publish_page_post(
    page_id: str,
    page_token: str,
    message: str,
    *,
    link: str | None = None,
    image_url: str | None = None,
) -> str:
    """Publish on a Page with its Page token; the post's id (``{page_id}_{post_id}``). With
    ``image_url`` a photo post (Meta fetches the image), else a feed post with the link."""
    if image_url:
        body = _call(
            "POST",
            f"/{page_id}/photos",
            token=page_token,
            data={"url": image_url, "message": message},
            publish=True,
        )
        return str(body.get("post_id") or _field(body, "id"))
    data = {"message": message, **({"link": link} if link else {})}
    body = _call("POST", f"/{page_id}/feed", token=page_token, data=data, publish=True)
    return str(_field(body, "id"))


def ig_create_container(ig_user_id: str, token: str, image_url: str, caption: str) -> str:
    """A media container for an image post (Meta fetches ``image_url``, which must be public);
    publish it with ig_publish once its status is FINISHED. Counted as a publish: a timeout
    leaves an unknown container behind, and a post must never get a second one."""
    body = _call(
        "POST",
        f"/{ig_user_id}/media",
        token=token,
        data={"image_url": image_url, "caption": caption},
        publish=True,
    )
    return str(_field(body, "id"))


def ig_container_status(container_id: str, token: str) -> ContainerStatus:
    """The container's state: IN_PROGRESS (ask again later), FINISHED (ready to publish),
    ERROR, EXPIRED (24 hours after its creation) or PUBLISHED."""
    body = _call("GET", f"/{container_id}", token=token, params={"fields": "status_code,status"})
    return ContainerStatus(str(_field(body, "status_code")), str(body.get("status") or ""))


def ig_publish(ig_user_id: str, token: str, container_id: str) -> str:
    """Publish a FINISHED container; the media id."""
    body = _call(
        "POST",
        f"/{ig_user_id}/media_publish",
        token=token,
        data={"creation_id": container_id},
        publish=True,
    )
    return str(_field(body, "id"))


def ig_publishing_limit(ig_user_id: str, token: str) -> PublishingLimit:
    """Posts published through the API in the rolling window, and how many are allowed."""
    body = _call(
        "GET",
        f"/{ig_user_id}/content_publishing_limit",
        token=token,
        params={"fields": "quota_usage,config"},
    )
    row = (body.get("data") or [{}])[0]
    config = row.get("config") or {}
    return PublishingLimit(
        used=int(row.get("quota_usage") or 0),
        total=int(config.get("quota_total") or 50),
        window_seconds=int(config.get("quota_duration") or 86400),
    )


# --- WhatsApp -------------------------------------------------------------------------------


def whatsapp_send_text(
    phone_number_id: str, token: str, to: str, text: str, *, preview_url: bool = False
) -> str:
    """Free text to ``to`` (E.164), only inside the 24-hour service window; the message id
    (``wamid...``), whose delivery arrives later through the webhook."""
    return _whatsapp_send(
        phone_number_id,
        token,
        to,
        {"type": "text", "text": {"body": text, "preview_url": preview_url}},
    )


def whatsapp_send_template(
    phone_number_id: str,
    token: str,
    to: str,
    template: str,
    language: str,
    params: list[str] | tuple[str, ...] = (),
) -> str:
    """An approved template to ``to`` (E.164), its body's ``{{n}}`` filled from ``params``;
    the message id."""
    content: dict[str, Any] = {"name": template, "language": {"code": language}}
    if params:
        parameters = [{"type": "text", "text": str(value)} for value in params]
        content["components"] = [{"type": "body", "parameters": parameters}]
    return _whatsapp_send(phone_number_id, token, to, {"type": "template", "template": content})


def whatsapp_templates(waba_id: str, token: str) -> list[dict[str, Any]]:
    """The WhatsApp Business Account's approved message templates."""
    fields = {"fields": "name,language,category,status,components"}
    rows = _pages_of(f"/{waba_id}/message_templates", token, fields)
    return [row for row in rows if row.get("status") == "APPROVED"]


def _whatsapp_send(phone_number_id: str, token: str, to: str, message: dict[str, Any]) -> str:
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    body = _call(
        "POST",
        f"/{phone_number_id}/messages",
        token=token,
        json={**payload, **message},
        publish=True,
    )
    messages = body.get("messages") or [{}]
    return str(_field(messages[0], "id"))


# --- The HTTP layer -------------------------------------------------------------------------


def _app_credentials() -> dict[str, str]:
    if not is_configured():
        raise ImproperlyConfigured("CRM_META_APP_ID and CRM_META_APP_SECRET are not set.")
    return {"client_id": settings.CRM_META_APP_ID, "client_secret": settings.CRM_META_APP_SECRET}


def _client() -> httpx.Client:
    base = settings.CRM_GRAPH_BASE_URL.rstrip("/")
    return httpx.Client(
        base_url=f"{base}/{settings.CRM_GRAPH_VERSION}",
        timeout=httpx.Timeout(
            settings.CRM_GRAPH_TIMEOUT, connect=settings.CRM_GRAPH_CONNECT_TIMEOUT
        ),
        follow_redirects=False,
    )


def _call(
    method: str,
    path: str,
    *,
    token: str | None = None,
    params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    json: dict[str, Any] | None = None,
    publish: bool = False,
) -> dict[str, Any]:
    """One request; the JSON answer, or GraphError. ``publish`` marks a call that changes
    something at Meta once received: without an answer its outcome is unknown."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.monotonic()
    try:
        with _client() as client:
            response = client.request(
                method, path, params=params, data=data, json=json, headers=headers
            )
    except httpx.TransportError as exc:
        transport = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection"
        # Once the connection is open the request may have been read and acted on even if
        # writing it or reading the answer failed: only a publish cares, and it must be
        # checked rather than sent again.
        sent = publish and not isinstance(exc, _NOT_SENT)
        logger.warning("graph %s %s failed: %s (%s)", method, path, transport, type(exc).__name__)
        raise GraphError(transport=transport, sent=sent) from exc
    elapsed = time.monotonic() - started
    fbtrace_id = response.headers.get("x-fb-trace-id", "")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success and isinstance(body, dict):
        logger.info("graph %s %s %s in %.2fs", method, path, response.status_code, elapsed)
        return body
    error = _error_from(response, body, publish=publish)
    logger.warning(
        "graph %s %s %s code=%s subcode=%s fbtrace_id=%s",
        method,
        path,
        response.status_code,
        error.code,
        error.subcode,
        error.fbtrace_id or fbtrace_id,
    )
    raise error


def _error_from(response: httpx.Response, body: Any, *, publish: bool) -> GraphError:
    payload = body.get("error") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        # Not Meta's answer but a proxy's (a 502 or 504 page): it gave up waiting on Meta,
        # which may have published all the same.
        unanswered = publish and response.status_code in (502, 504)
        return GraphError(
            status=response.status_code,
            fbtrace_id=response.headers.get("x-fb-trace-id", ""),
            transport="gateway" if unanswered else None,
            sent=unanswered,
        )
    error_data = payload.get("error_data")
    details = error_data.get("details", "") if isinstance(error_data, dict) else ""
    return GraphError(
        code=_int(payload.get("code")),
        subcode=_int(payload.get("error_subcode")),
        type=str(payload.get("type") or ""),
        message=str(payload.get("message") or ""),
        fbtrace_id=str(payload.get("fbtrace_id") or response.headers.get("x-fb-trace-id", "")),
        status=response.status_code,
        user_message=str(payload.get("error_user_msg") or ""),
        details=str(details or ""),
        is_transient=bool(payload.get("is_transient")),
    )


def _pages_of(path: str, token: str, params: dict[str, Any], limit: int = 20) -> list[dict]:
    """Every row of a paged list, following the ``after`` cursor (at most ``limit`` pages)."""
    rows: list[dict] = []
    query = {**params, "limit": 100}
    for _ in range(limit):
        body = _call("GET", path, token=token, params=query)
        rows.extend(body.get("data") or [])
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            break
        query = {**params, "limit": 100, "after": after}
    return rows


def _field(body: dict[str, Any], name: str) -> Any:
    if body.get(name) in (None, ""):
        raise GraphError(message=f"Meta's answer has no {name}.")
    return body[name]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
