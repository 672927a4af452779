"""A Stripe API for tests: a real HTTP server on 127.0.0.1 that the real ``stripe`` client
(and so dj-stripe) talks to once ``stripe.api_base`` points at it. It answers with
Stripe's own example objects (``fixtures/stripe_objects.json``, from Stripe's OpenAPI
fixtures), keeps the objects it created or was given, applies the few writes billing makes
(create, update, cancel, confirm, refund, delete) and records every request with its
``Idempotency-Key``. As Stripe does, a write sent again with the same ``Idempotency-Key``
gets the first answer again, and an intent that succeeded, is processing or was cancelled
cannot be cancelled (400 ``payment_intent_unexpected_state``).

An object nobody stored is answered from its example with the asked id, as Stripe would
answer for an object that exists; ``missing`` lists ids that answer 404 instead.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

EXAMPLES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "stripe_objects.json").read_text()
)

# URL collection -> (example, id prefix)
COLLECTIONS = {
    "customers": ("customer", "cus_"),
    "subscriptions": ("subscription", "sub_"),
    "prices": ("price", "price_"),
    "products": ("product", "prod_"),
    "checkout/sessions": ("checkout.session", "cs_test_"),
    "billing_portal/sessions": ("billing_portal.session", "bps_"),
    "invoices": ("invoice", "in_"),
    "payment_intents": ("payment_intent", "pi_"),
    "charges": ("charge", "ch_"),
    "refunds": ("refund", "re_"),
    "events": ("event", "evt_"),
}


def example(kind: str, **overrides: Any) -> dict[str, Any]:
    """A deep copy of Stripe's example ``kind`` with ``overrides`` applied."""
    obj = copy.deepcopy(EXAMPLES[kind])
    obj.update(overrides)
    return obj


@dataclass
class Received:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (``items[0][price]=x``) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node: Any = root
        for part, following in itertools.pairwise(parts):
            container: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                node[index] = node[index] if node[index] is not None else container
                node = node[index]
            else:
                node = node.setdefault(part, container)
        last = parts[-1]
        if isinstance(node, list):
            index = int(last)
            while len(node) <= index:
                node.append(None)
            node[index] = value
        else:
            node[last] = value
    return _typed(root)


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and value.isdigit() and len(value) < 16:
        return int(value)
    return value


class FakeStripe:
    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.missing: set[str] = set()
        self.received: list[Received] = []
        self.replies: dict[str, tuple[int, Any]] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def api_base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.objects[obj["id"]] = copy.deepcopy(obj)
        return obj

    def get(self, object_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.objects[object_id])

    def writes(self) -> list[Received]:
        return [r for r in self.received if r.method != "GET"]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}fake{next(self._counter):06d}"

    # --- the API ------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")[1:]  # without "v1"
        if parts == ["account"]:
            return 200, example("account", id="acct_fake")
        for size in (2, 1):
            collection = "/".join(parts[:size])
            if collection in COLLECTIONS:
                rest = parts[size:]
                break
        else:
            return 404, _error(f"Unrecognized request URL ({method}: {path}).")
        kind, prefix = COLLECTIONS[collection]
        with self._lock:
            if not rest:
                if method == "POST":
                    return 200, self._create(kind, prefix, params)
                return 200, self._list(kind, params)
            object_id, action = rest[0], "/".join(rest[1:])
            if object_id in self.missing:
                return 404, _error(f"No such {kind}: '{object_id}'", param="id")
            if method == "GET" and action:
                # A sub-list (a product's features): none.
                return 200, {"object": "list", "data": [], "has_more": False, "url": path}
            obj = self.objects.get(object_id) or example(kind, id=object_id)
            if (kind, action) == ("payment_intent", "cancel") and obj["status"] in (
                "succeeded",
                "processing",
                "canceled",
            ):
                return 400, _error(
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{obj['status']}.",
                    code="payment_intent_unexpected_state",
                )
            if method == "DELETE":
                return 200, self._delete(kind, obj)
            if method == "POST":
                obj = self._update(kind, obj, action, params)
                self.objects[object_id] = obj
            return 200, copy.deepcopy(obj)

    def _create(self, kind: str, prefix: str, params: dict[str, Any]) -> dict[str, Any]:
        object_id = self.new_id(prefix)
        obj = example(kind, id=object_id, created=int(time.time()), livemode=False)
        items = params.pop("line_items", None)
        obj.update({k: v for k, v in params.items() if k not in ("expand",)})
        if kind == "customer":
            # A new customer has no discount yet.
            obj["discount"] = None
        elif kind == "checkout.session":
            obj.update(
                url=f"https://checkout.stripe.com/c/pay/{object_id}",
                subscription=None,
                payment_intent=None,
                status="open",
                line_items=None,
            )
            obj["metadata"] = params.get("metadata", {})
            obj["requested_prices"] = [item["price"] for item in items or []]
        elif kind == "billing_portal.session":
            obj["url"] = f"https://billing.stripe.com/p/session/{object_id}"
        elif kind == "payment_intent":
            obj.update(
                client_secret=f"{object_id}_secret_fake",
                status="requires_payment_method",
                last_payment_error=None,
                next_action=None,
                canceled_at=None,
                transfer_data=None,
                payment_method_configuration_details=None,
            )
        elif kind == "refund":
            intent = self.objects.get(params["payment_intent"]) or example(
                "payment_intent", id=params["payment_intent"]
            )
            obj.update(
                amount=params.get("amount", intent["amount"]),
                currency=intent["currency"],
                charge=intent.get("latest_charge"),
                status="succeeded",
            )
        self.objects[object_id] = obj
        return copy.deepcopy(obj)

    def _list(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        rows = [o for o in self.objects.values() if o.get("object") == EXAMPLES[kind]["object"]]
        if "customer" in params:
            rows = [o for o in rows if o.get("customer") == params["customer"]]
        return {"object": "list", "data": copy.deepcopy(rows), "has_more": False, "url": "/v1"}

    def _update(self, kind: str, obj: dict[str, Any], action: str, params: dict[str, Any]):
        obj = copy.deepcopy(obj)
        if kind == "payment_intent" and action == "confirm":
            obj.update(status="succeeded", payment_method=params.get("payment_method"))
            return obj
        if kind == "payment_intent" and action == "cancel":
            obj.update(
                status="canceled",
                cancellation_reason=params.get("cancellation_reason"),
                canceled_at=int(time.time()),
            )
            return obj
        if kind == "subscription" and action == "" and "items" in params:
            for change in params.pop("items"):
                for item in obj["items"]["data"]:
                    if item["id"] == change["id"]:
                        price = self.objects.get(change["price"]) or example(
                            "price", id=change["price"]
                        )
                        item["price"] = copy.deepcopy(price)
        params.pop("proration_behavior", None)
        obj.update(params)
        return obj

    def _delete(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        if kind == "subscription":
            now = int(time.time())
            obj.update(status="canceled", canceled_at=now, ended_at=now)
            self.objects[obj["id"]] = obj
            return copy.deepcopy(obj)
        self.objects.pop(obj["id"], None)
        return {"id": obj["id"], "object": obj["object"], "deleted": True}


def _error(
    message: str, param: str | None = None, code: str = "resource_missing"
) -> dict[str, Any]:
    return {
        "error": {
            "type": "invalid_request_error",
            "message": message,
            "code": code,
            "param": param,
        }
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeStripe


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:
        pass

    def _serve(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        params = decode_form(raw if self.command == "POST" else url.query)
        key = self.headers.get("Idempotency-Key")
        fake.received.append(Received(self.command, url.path, params, key))
        replayed = fake.replies.get(key) if key and self.command == "POST" else None
        if replayed is not None:
            status, body = replayed
        else:
            status, body = fake.handle(self.command, url.path, copy.deepcopy(params))
            if key and self.command == "POST":
                fake.replies[key] = (status, body)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Request-Id", "req_fake")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve
