"""The one way client JSON is read: REST bodies (DRF's parser), socket frames
(core.consumers) and the Stripe webhook (billing.views) all go through :func:`loads`.

Python's ``json`` accepts what the rest of the stack cannot take, and each of those turned
into a 500 before: nesting deep enough to hit the recursion limit (a 2 KB body of ``[``),
NUL characters (PostgreSQL refuses them in text and jsonb) and lone UTF-16 surrogates
(``"\\ud800"``, which no UTF-8 encoder accepts). :func:`loads` refuses all three, naming
the path of the string at fault (``content``, ``items.0.name``) so the client can tell
which field to fix, and the parser also bounds the body it reads.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ErrorDetail, ParseError, ValidationError
from rest_framework.utils.json import strict_constant

DEFAULT_JSON_MAX_DEPTH = 32
DEFAULT_REQUEST_MAX_BODY_BYTES = 2 * 1024 * 1024

# NUL and the surrogate block: json.loads joins a valid pair into one astral character,
# so any surrogate left in a decoded string is a lone one.
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")

NULL_CHARACTER = "null_characters_not_allowed"
SURROGATE_CHARACTER = "surrogate_characters_not_allowed"
TOO_DEEP = "nesting_too_deep"
PARSE_ERROR = "parse_error"


class RequestTooLarge(APIException):
    """413: the body is over ``REQUEST_MAX_BODY_BYTES`` (core.middleware, the parser below,
    Django's RequestDataTooBig in core.exceptions)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit: int):
        super().__init__(detail=too_large_detail(limit), code=self.default_code)


def too_large_detail(limit: int) -> str:
    return f"Request bodies are limited to {limit} bytes."


class JSONRejected(ValueError):
    """Client JSON that is not taken: a ``code``, a human ``detail`` and the ``attr``
    (dotted path) of the string at fault, when one is."""

    def __init__(self, code: str, detail: str, attr: str | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.attr = attr
        # What did decode, when the refusal came after decoding (a socket echoes its
        # ``client_id``).
        self.document: Any = None


def max_depth() -> int:
    return int(getattr(settings, "JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH))


def max_body_bytes() -> int:
    return int(getattr(settings, "REQUEST_MAX_BODY_BYTES", DEFAULT_REQUEST_MAX_BODY_BYTES))


def loads(data: str | bytes, *, depth: int | None = None) -> Any:
    """Decode client JSON, or raise :class:`JSONRejected`. Bytes must be UTF-8."""
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONRejected(PARSE_ERROR, f"JSON parse error - {exc}") from None
    limit = max_depth() if depth is None else depth
    try:
        value = json.loads(data, parse_constant=strict_constant)
    except RecursionError:
        # Far deeper than the limit: the C decoder ran out of stack before we could look.
        raise JSONRejected(TOO_DEEP, _too_deep(limit)) from None
    except ValueError as exc:
        raise JSONRejected(PARSE_ERROR, f"JSON parse error - {exc}") from None
    try:
        check(value, depth=limit)
    except JSONRejected as exc:
        exc.document = value
        raise
    return value


def check(value: Any, *, depth: int | None = None) -> None:
    """Refuse nesting deeper than ``depth`` and strings (values or keys) holding NUL or
    lone surrogates in an already decoded value. Iterative, so no input can exhaust the
    stack of the check itself."""
    limit = max_depth() if depth is None else depth
    stack: list[tuple[Any, tuple[str, ...], int]] = [(value, (), 0)]
    while stack:
        node, path, level = stack.pop()
        if isinstance(node, str):
            _check_string(node, path)
        elif isinstance(node, dict | list):
            if level >= limit:
                raise JSONRejected(TOO_DEEP, _too_deep(limit))
            if isinstance(node, dict):
                for key, item in node.items():
                    _check_string(key, (*path, printable(key)))
                    stack.append((item, (*path, key), level + 1))
            else:
                for index, item in enumerate(node):
                    stack.append((item, (*path, str(index)), level + 1))


def _check_string(text: str, path: tuple[str, ...]) -> None:
    found = FORBIDDEN_CHARACTERS.search(text)
    if found is None:
        return
    attr = ".".join(printable(part) for part in path) or None
    raise JSONRejected(*refusal_for(found.group()), attr)


def refusal_for(character: str) -> tuple[str, str]:
    """The code and detail for a forbidden character (DRF's CharField uses the same)."""
    if character == "\x00":
        return NULL_CHARACTER, "Null characters are not allowed."
    return SURROGATE_CHARACTER, f"Surrogate characters are not allowed: U+{ord(character):X}."


def printable(part: str) -> str:
    # A key at fault is named with its bad characters replaced, so the answer (and any log
    # line quoting it) never carries them itself.
    return FORBIDDEN_CHARACTERS.sub("\ufffd", part)


def _too_deep(limit: int) -> str:
    return f"JSON nested more than {limit} levels deep is not accepted."


def to_api_exception(exc: JSONRejected) -> Exception:
    """The DRF exception for a refusal: a 400 in the envelope, naming the field when one
    is at fault (validation_error), else a client_error like any unparseable body."""
    if exc.attr is None and exc.code in (PARSE_ERROR, TOO_DEEP):
        return ParseError(exc.detail, code=exc.code)
    detail = [ErrorDetail(exc.detail, code=exc.code)]
    return ValidationError(detail if exc.attr is None else {exc.attr: detail})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on :func:`loads`, reading at most ``REQUEST_MAX_BODY_BYTES``:
    core.middleware refuses a declared Content-Length over the limit, this catches a body
    streamed without one."""

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return None
        limit = max_body_bytes()
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge(limit)
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        if isinstance(body, bytes) and encoding.lower().replace("-", "") != "utf8":
            try:
                body = body.decode(encoding)
            except (LookupError, UnicodeDecodeError) as exc:
                raise ParseError(f"JSON parse error - {exc}") from None
        try:
            return loads(body)
        except JSONRejected as exc:
            raise to_api_exception(exc) from None
