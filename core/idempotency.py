"""``Idempotency-Key`` for writes (docs/API.md): a retried request runs the write at most once.

A client that may retry a POST (a timeout, a dropped connection, a double tap) sends a key
of its choosing, unique per attempt at one logical operation. The first request with a key
reserves it and runs the view; a retry with the same key and body gets the first response
back, marked ``Idempotent-Replayed: true``, and the write does not run again. Keys are per
user, so they only apply to authenticated requests; without the header the view runs as
usual.

A view opts in per method, and documents the header in the schema::

    from drf_spectacular.utils import extend_schema

    from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

    class BookingViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
        @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
        @idempotent
        def create(self, request, *args, **kwargs):
            return super().create(request, *args, **kwargs)

Outcomes for a request that carries a key:

- first use: the view runs; a 2xx response is stored, anything else (4xx, 5xx, an
  exception) frees the key so the client can fix the request and retry with it;
- same key, same method, path and body, first request finished: the stored status, body
  and ``Location`` are replayed;
- same key while the first request is still running: 409 ``idempotency_in_progress``
  (a reservation older than ``IDEMPOTENCY_PENDING_TIMEOUT`` seconds belongs to a request
  that died, and is taken over);
- same key with another body, method or path: 409 ``idempotency_key_reused``;
- a key longer than 255 characters (or empty): 400 naming ``Idempotency-Key``.

The key is reserved by inserting its row in a transaction of its own before the view runs,
so of two concurrent requests the unique (user, key) constraint lets exactly one through.
That needs the view to run outside an outer transaction (``ATOMIC_REQUESTS`` is off), or
the reservation would only be seen by other requests once the whole request commits.
Records are kept ``IDEMPOTENCY_KEY_RETENTION_HOURS`` (core/privacy.py purges them).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .exceptions import Conflict, DomainError
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Response headers a replay must carry to mean the same as the original.
STORED_HEADERS = ("Location",)
# A reservation can vanish between our failed insert and our read (the first request failed
# and freed the key); trying again a few times turns that into a fresh reservation.
_RESERVE_ATTEMPTS = 3

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value (at most 255 characters, a UUID works well) that makes this request "
        "safe to retry: a retry with the same key and body returns the first response, with "
        "the header `Idempotent-Replayed: true`, and changes nothing. The same key with a "
        "different body is refused with 409 `idempotency_key_reused`; a retry while the first "
        "request is still running gets 409 `idempotency_in_progress`. A key is remembered "
        f"for {settings.IDEMPOTENCY_KEY_RETENTION_HOURS} hours."
    ),
)

Handler = Callable[..., Response]


def idempotent(handler: Handler) -> Handler:
    """Make a DRF view method (``post``, ``create``...) honour the ``Idempotency-Key``."""

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        _validate_key(key)

        fingerprint = {
            "method": request.method,
            "path": request.path,
            "request_hash": body_hash(request.data),
        }
        record, created = _reserve(user=request.user, key=key, fingerprint=fingerprint)
        if not created:
            return _replay(record, fingerprint)

        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if 200 <= response.status_code < 300:
            _store(record, response)
        else:
            record.delete()
        return response

    return wrapper


def body_hash(data: Any) -> str:
    """SHA-256 of the request body as canonical JSON (sorted keys, no spacing), so that the
    same content sent with other key order or whitespace counts as the same request."""
    if hasattr(data, "lists"):  # a QueryDict from a form body
        data = {key: values for key, values in data.lists()}
    canonical = json.dumps(
        data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _validate_key(key: str) -> None:
    if not key:
        raise DomainError(f"{HEADER} must not be empty.", code="blank", attr=HEADER)
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            f"{HEADER} must be at most {MAX_KEY_LENGTH} characters.",
            code="max_length",
            attr=HEADER,
        )


def _reserve(*, user, key: str, fingerprint: dict[str, str]) -> tuple[IdempotencyRecord, bool]:
    """The row for ``key``, and whether this request inserted it (and so runs the view)."""
    for _ in range(_RESERVE_ATTEMPTS):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=user, key=key, **fingerprint), True
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if existing is not None and _abandoned(existing):
                # Its request died without freeing the key (a killed worker): take it over.
                IdempotencyRecord.objects.filter(
                    pk=existing.pk, status=IdempotencyRecord.Status.PENDING
                ).delete()
                continue
            if existing is not None:
                return existing, False
    raise _in_progress()


def _abandoned(record: IdempotencyRecord) -> bool:
    """A reservation older than any request may run (``IDEMPOTENCY_PENDING_TIMEOUT``) whose
    response was never stored."""
    deadline = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_PENDING_TIMEOUT)
    return record.status == IdempotencyRecord.Status.PENDING and record.updated_at < deadline


def _replay(record: IdempotencyRecord, fingerprint: dict[str, str]) -> Response:
    """Answer a request whose key is taken: the stored response, or a 409 saying why not."""
    if any(getattr(record, field) != value for field, value in fingerprint.items()):
        raise Conflict(
            f"This {HEADER} was already used for a different request.",
            code="idempotency_key_reused",
        )
    if record.status == IdempotencyRecord.Status.PENDING:
        raise _in_progress()
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(record.response_body, status=record.response_status, headers=headers)


def _in_progress() -> Conflict:
    return Conflict(
        f"A request with this {HEADER} is still being processed; retry later.",
        code="idempotency_in_progress",
    )


def _store(record: IdempotencyRecord, response: Response) -> None:
    # Encode as the renderer does, so a replay carries the very values the client first
    # received (UUIDs, datetimes and decimals written as strings the same way).
    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
    record.status = IdempotencyRecord.Status.DONE
    record.response_status = response.status_code
    record.response_body = body
    record.response_headers = {
        name: response[name] for name in STORED_HEADERS if response.has_header(name)
    }
    record.save(
        update_fields=[
            "status",
            "response_status",
            "response_body",
            "response_headers",
            "updated_at",
        ]
    )
