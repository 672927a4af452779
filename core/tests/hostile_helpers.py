"""Helpers of the hostile input tests: the bodies sent, the error envelopes expected, and
the write endpoints and cursor-paginated lists, found from the URL resolver."""

import re
import uuid

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import pagination

DEEP_BODY = "[" * 1000 + "]" * 1000
HUGE_BODY = '{"content": "' + "x" * (3 * 1024 * 1024) + '"}'
NUL_BODY = '{"content": "a\\u0000b", "title": "t", "email": "a@example.com"}'

TOO_DEEP = {
    "type": "client_error",
    "errors": [
        {
            "code": "nesting_too_deep",
            "detail": "JSON nested more than 32 levels deep is not accepted.",
            "attr": None,
        }
    ],
}
TOO_LARGE = {
    "type": "client_error",
    "errors": [
        {
            "code": "request_too_large",
            "detail": "Request bodies are limited to 2097152 bytes.",
            "attr": None,
        }
    ],
}
NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}
INVALID_CURSOR = {
    "type": "validation_error",
    "errors": [{"code": "invalid_cursor", "detail": "Invalid cursor.", "attr": "cursor"}],
}
# Answers given before the body is read: not signed in, not allowed, no such object,
# billing switched off. Anything else must be the parser's refusal.
REFUSED_BEFORE_READING = {401, 403, 404, 503}


def null_in(attr: str) -> dict:
    return {
        "type": "validation_error",
        "errors": [
            {
                "code": "null_characters_not_allowed",
                "detail": "Null characters are not allowed.",
                "attr": attr,
            }
        ],
    }


def surrogate_in(attr: str) -> dict:
    return {
        "type": "validation_error",
        "errors": [
            {
                "code": "surrogate_characters_not_allowed",
                "detail": "Surrogate characters are not allowed: U+D800.",
                "attr": attr,
            }
        ],
    }


def incorrect_type(attr: str, detail: str) -> dict:
    return {
        "type": "validation_error",
        "errors": [{"code": "incorrect_type", "detail": detail, "attr": attr}],
    }


# --- the routes, from the resolver ---------------------------------------------------------


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _methods(callback) -> dict[str, str]:
    """{http method: action or handler name} of a view callback."""
    actions = getattr(callback, "actions", None)
    if actions:
        return dict(actions)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return {}
    return {m: m for m in view_class.http_method_names if hasattr(view_class, m)}


def _view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def _api_routes():
    for route, callback in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") and ".*" not in route:
            yield route, callback


_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def fill(route: str, values: dict[str, object] | None = None) -> str:
    """A concrete path for ``route``: each parameter from ``values``, else a fresh UUID."""
    values = values or {}

    def value(match):
        name = match.group("name") or match.group("rname")
        return str(values.get(name, uuid.uuid4()))

    return "/" + _PARAM.sub(value, route).replace("^", "").replace("$", "")


WRITES = sorted(
    (route, method)
    for route, callback in _api_routes()
    for method in _methods(callback)
    if method in ("post", "put", "patch")
)


def _cursor_lists():
    for route, callback in _api_routes():
        view_class = _view_class(callback)
        paginator = getattr(view_class, "pagination_class", None)
        get = _methods(callback).get("get")
        # A viewset's lists are its "list" action; a plain view's GET is its list.
        if (
            get in ("get", "list")
            and paginator is not None
            and issubclass(paginator, pagination.CursorPagination)
        ):
            yield route


CURSOR_LISTS = sorted(_cursor_lists())
