"""Meta's Graph API for tests: a real HTTP server on 127.0.0.1 that answers the calls
crm.graph makes with Meta's shapes, keeps what was published, and records every request it
got. crm.graph talks to it through ``CRM_GRAPH_BASE_URL`` (the ``fake_graph`` fixture).

    fake_graph.fail("/1001/feed", graph_error(190, "Error validating access token.", subcode=463))
    fake_graph.fail("/1001/feed", status=500, times=2)
    fake_graph.delay("/1001/feed", 1.0)  # answered after the client's read timeout
    fake_graph.container_statuses["c-1"] = ["IN_PROGRESS", "FINISHED"]

Scripted failures and delays apply to the next calls of a path (without the version),
in order. A failed call does nothing; a delayed one does its work first, so a client that
times out waiting has still published. A call with no route, or without a Bearer token where
one is needed, gets Meta's error for it.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

APP_ID = "1234567890"
APP_SECRET = "fake-app-secret"
AUTH_CODE = "fake-auth-code"
SHORT_TOKEN = "EAAshort-user-token"
LONG_TOKEN = "EAAlong-user-token"
LONG_TOKEN_SECONDS = 5_183_944  # about 60 days, as Meta answers
PAGE_ID = "1001"
PAGE_TOKEN = "EAApage-token-1001"
IG_USER_ID = "17841400000000001"
PHONE_NUMBER_ID = "109000000000001"
WABA_ID = "102000000000001"
WA_TOKEN = "EAAwhatsapp-system-token"


@dataclass
class Failure:
    status: int
    body: Any
    drop: bool = False  # close the connection without answering


@dataclass
class Received:
    method: str
    path: str  # without the version: "/1001/feed"
    target: str  # the request line's target, query string included
    version: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # a form as a dict, JSON decoded, else the text

    @property
    def token(self) -> str:
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""


def graph_error(
    code: int,
    message: str = "An error occurred.",
    *,
    type: str = "OAuthException",
    subcode: int | None = None,
    user_msg: str | None = None,
    details: str | None = None,
    is_transient: bool | None = None,
    status: int = 400,
) -> Failure:
    """Meta's error answer: ``{"error": {message, type, code, error_subcode, fbtrace_id}}``."""
    error: dict[str, Any] = {"message": message, "type": type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if user_msg is not None:
        error["error_user_title"] = "Error"
        error["error_user_msg"] = user_msg
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if is_transient is not None:
        error["is_transient"] = is_transient
    error["fbtrace_id"] = "AbCdEfGhIjK"
    return Failure(status=status, body={"error": error})


def expired_token() -> Failure:
    return graph_error(
        190,
        "Error validating access token: Session has expired on Thursday, 03-Dec-26 10:00:00 PST.",
        subcode=463,
        status=401,
    )


def rate_limited() -> Failure:
    return graph_error(4, "(#4) Application request limit reached", is_transient=True, status=403)


class FakeGraph:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.pages: list[dict[str, Any]] = [
            {
                "id": PAGE_ID,
                "name": "Corner Bakery",
                "access_token": PAGE_TOKEN,
                "instagram_business_account": {"id": IG_USER_ID},
            },
            {"id": "1002", "name": "Second Shop", "access_token": "EAApage-token-1002"},
        ]
        self.page_size = 25
        self.granted = ["pages_show_list", "pages_manage_posts", "pages_read_engagement"]
        self.declined: list[str] = []
        self.revoked: set[str] = set()  # tokens answered with error 190
        self.posts: list[dict[str, Any]] = []  # feed and photo posts published
        self.containers: dict[str, dict[str, Any]] = {}
        # Statuses a container reports, one per read (the last one repeats); else FINISHED.
        self.container_statuses: dict[str, list[str]] = {}
        self.media: list[dict[str, Any]] = []  # Instagram media published
        self.quota_usage = 0
        self.messages: list[dict[str, Any]] = []  # WhatsApp messages sent
        self.templates: list[dict[str, Any]] = [
            {
                "name": "appointment_reminder",
                "language": "en_US",
                "category": "UTILITY",
                "status": "APPROVED",
                "components": [{"type": "BODY", "text": "Hi {{1}}, see you on {{2}}."}],
                "id": "900001",
            },
            {
                "name": "spring_sale",
                "language": "en_US",
                "category": "MARKETING",
                "status": "REJECTED",
                "components": [{"type": "BODY", "text": "Sale!"}],
                "id": "900002",
            },
        ]
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGraph:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    # --- scripting ---

    def fail(
        self,
        path: str,
        failure: Failure | None = None,
        *,
        status: int = 500,
        body: Any = None,
        times: int = 1,
        drop: bool = False,
    ) -> None:
        """The next ``times`` calls of ``path`` fail: with ``failure`` (graph_error(...)),
        else with ``status`` and ``body`` (an empty body by default), or, with ``drop``,
        by closing the connection once the request is read."""
        failure = failure or Failure(status=status, body=body, drop=drop)
        with self._lock:
            self._failures[path].extend([failure] * times)

    def delay(self, path: str, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` calls of ``path`` do their work, then wait before answering."""
        with self._lock:
            self._delays[path].extend([seconds] * times)

    def calls(self, path: str, method: str | None = None) -> list[Received]:
        return [r for r in self.received if r.path == path and method in (None, r.method)]

    @property
    def pending(self) -> dict[str, int]:
        """Scripted failures and delays not used yet, by path."""
        with self._lock:
            left = {path: len(items) for path, items in self._failures.items() if items}
            for path, items in self._delays.items():
                if items:
                    left[path] = left.get(path, 0) + len(items)
            return left

    # --- serving ---

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up when the server stops (a test must not wait on it)."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def _take(self, request: Received) -> tuple[Failure | None, float]:
        with self._lock:
            self.received.append(request)
            failures = self._failures.get(request.path)
            delays = self._delays.get(request.path)
            failure = failures.popleft() if failures else None
            delay = delays.popleft() if delays and failure is None else 0.0
            return failure, delay

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def answer(self, request: Received) -> tuple[int, Any]:
        """The status and body of Meta's answer to a call that was not scripted to fail."""
        path, method, body = request.path, request.method, request.body
        if path == "/oauth/access_token" and method == "POST":
            return self._oauth(body if isinstance(body, dict) else {})
        token = request.token
        if not token:
            return _error(400, 104, "An access token is required to request this resource.")
        if token in self.revoked:
            return expired_token().status, expired_token().body
        params = {**request.query, **(body if isinstance(body, dict) else {})}
        if path == "/me/accounts" and method == "GET":
            return 200, self._paged([dict(page) for page in self.pages], request)
        if path == "/me/permissions" and method == "GET":
            rows = [{"permission": name, "status": "granted"} for name in self.granted]
            rows += [{"permission": name, "status": "declined"} for name in self.declined]
            return 200, {"data": rows}
        if match := re.fullmatch(r"/(\w+)/(feed|photos)", path):
            return self._page_post(match[1], match[2], token, params)
        if match := re.fullmatch(r"/(\w+)/media", path):
            return self._ig_container(match[1], params)
        if match := re.fullmatch(r"/(\w+)/media_publish", path):
            return self._ig_publish(match[1], params)
        if re.fullmatch(r"/\w+/content_publishing_limit", path):
            config = {"quota_total": 50, "quota_duration": 86400}
            return 200, {"data": [{"quota_usage": self.quota_usage, "config": config}]}
        if match := re.fullmatch(r"/(\w+)/messages", path):
            return self._whatsapp(match[1], params)
        if re.fullmatch(r"/\w+/message_templates", path):
            return 200, self._paged(self.templates, request)
        if match := re.fullmatch(r"/([\w-]+)", path):
            return self._node(match[1], token)
        return _error(400, 100, f"Unsupported {method} request.", type="GraphMethodException")

    def _oauth(self, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("client_id") != APP_ID or form.get("client_secret") != APP_SECRET:
            return _error(400, 1, "Error validating client secret.")
        if form.get("grant_type") == "fb_exchange_token":
            if form.get("fb_exchange_token") in self.revoked:
                return expired_token().status, expired_token().body
            return 200, {
                "access_token": LONG_TOKEN,
                "token_type": "bearer",
                "expires_in": LONG_TOKEN_SECONDS,
            }
        if form.get("code") != AUTH_CODE:
            return _error(400, 100, "Invalid verification code format.", subcode=36008)
        if not form.get("redirect_uri"):
            return _error(400, 100, "Missing redirect_uri parameter.", subcode=36009)
        return 200, {"access_token": SHORT_TOKEN, "token_type": "bearer", "expires_in": 5183}

    def _paged(self, rows: list[dict[str, Any]], request: Received) -> dict[str, Any]:
        query = request.query
        size = min(int(query.get("limit", 25)), self.page_size)
        start = int(query.get("after") or 0)
        body: dict[str, Any] = {"data": rows[start : start + size]}
        cursors = {"before": str(start), "after": str(start + size)}
        body["paging"] = {"cursors": cursors}
        if start + size < len(rows):
            # Meta's next link carries the token: a client must not follow it as is.
            body["paging"]["next"] = (
                f"{self.base_url}/{request.version}{request.path}?access_token={request.token}"
                f"&limit={size}&after={start + size}"
            )
        return body

    def _page_post(self, page_id: str, edge: str, token: str, params: dict) -> tuple[int, Any]:
        page = next((p for p in self.pages if p["id"] == page_id), None)
        if page is None:
            return _error(400, 100, "Unsupported post request.", type="GraphMethodException")
        if token != page["access_token"]:
            # A user token where the Page's was needed.
            return _error(
                403,
                200,
                "(#200) If posting to a page, requires both pages_read_engagement "
                "and pages_manage_posts as an admin with sufficient administrative permission",
            )
        post_id = f"{page_id}_{self._next_id()}"
        with self._lock:
            self.posts.append({"id": post_id, "edge": edge, **params})
        if edge == "photos":
            return 200, {"id": str(self._next_id()), "post_id": post_id}
        return 200, {"id": post_id}

    def _ig_container(self, ig_user_id: str, params: dict) -> tuple[int, Any]:
        if not params.get("image_url"):
            return _error(400, 100, "The parameter image_url is required.", type="OAuthException")
        container_id = f"{ig_user_id}{self._next_id():04d}"
        with self._lock:
            self.containers[container_id] = {"ig_user_id": ig_user_id, **params}
        return 200, {"id": container_id}

    def _ig_publish(self, ig_user_id: str, params: dict) -> tuple[int, Any]:
        container_id = params.get("creation_id", "")
        if container_id not in self.containers:
            return _error(
                400,
                100,
                "Invalid parameter",
                subcode=2207006,
                user_msg=("The media with id was not found. Please check the media id."),
            )
        if self.containers[container_id].get("media_id"):
            return _error(400, 100, "Media already published.", subcode=2207001)
        media_id = f"1790{self._next_id():04d}"
        with self._lock:
            self.containers[container_id]["media_id"] = media_id
            self.container_statuses[container_id] = ["PUBLISHED"]
            self.media.append({"id": media_id, "container_id": container_id})
            self.quota_usage += 1
        return 200, {"id": media_id}

    def _whatsapp(self, phone_number_id: str, body: dict) -> tuple[int, Any]:
        if body.get("messaging_product") != "whatsapp":
            return _error(400, 100, "The parameter messaging_product is required.")
        wamid = f"wamid.HBgLMTU1NTAxMjM0NTY{self._next_id():04d}"
        with self._lock:
            self.messages.append({"id": wamid, "phone_number_id": phone_number_id, **body})
        wa_id = str(body.get("to", "")).lstrip("+")
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body.get("to"), "wa_id": wa_id}],
            "messages": [{"id": wamid}],
        }

    def _node(self, node_id: str, token: str) -> tuple[int, Any]:
        if node_id in self.containers:
            with self._lock:
                statuses = self.container_statuses.get(node_id) or ["FINISHED"]
                status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            detail = {
                "ERROR": "Error: Media upload has failed with error code 2207026",
                "EXPIRED": "Expired: the container was not published within 24 hours",
            }.get(status, "Finished: Media has been uploaded and it is ready to be published.")
            return 200, {"status_code": status, "status": detail, "id": node_id}
        page = next((p for p in self.pages if p["id"] == node_id), None)
        if page is not None and token == page["access_token"]:
            return 200, {"id": node_id, "name": page["name"]}
        return _error(
            400,
            100,
            f"Unsupported get request. Object with ID '{node_id}' does not exist.",
            subcode=33,
            type="GraphMethodException",
        )


def _error(status: int, code: int, message: str, **kwargs: Any) -> tuple[int, Any]:
    failure = graph_error(code, message, status=status, **kwargs)
    return failure.status, failure.body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGraph

    def handle_error(self, request, client_address) -> None:
        # A client that timed out has hung up: writing to it fails, which is expected.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        version, _, rest = parts.path.lstrip("/").partition("/")
        request = Received(
            method=method,
            path="/" + rest,
            target=self.path,
            version=version,
            query=dict(parse_qsl(parts.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=_decode(raw, self.headers.get("Content-Type", "")),
        )
        failure, delay = fake._take(request)
        if failure is not None and failure.drop:
            self.close_connection = True
            self.connection.close()
            return
        if failure is not None:
            status, body = failure.status, failure.body
        elif not re.fullmatch(r"v\d+\.\d+", version):
            status, body = _error(400, 2635, f"Unknown API version {version!r}.")
        else:
            status, body = fake.answer(request)
        fake.wait(delay)
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-fb-trace-id", "AbCdEfGhIjK")
        self.send_header("x-app-usage", json.dumps({"call_count": 1, "total_time": 1}))
        self.end_headers()
        self.wfile.write(payload)


def _decode(raw: bytes, content_type: str) -> Any:
    text = raw.decode(errors="replace")
    if content_type.startswith("application/json"):
        try:
            return json.loads(text or "null")
        except ValueError:
            return text
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(text, keep_blank_values=True))
    return text
