"""Hostile bodies and inputs never give a 500 (core.parsers, core.middleware, core.fields,
core.pagination, the catch-all 404). The write endpoints and cursor-paginated lists are
found from the URL resolver, so a new one is covered without touching this file."""

import base64
import json
import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import pagination
from rest_framework import serializers as drf_serializers
from rest_framework.test import APIClient

from community.tests.factories import PostFactory, TierFactory
from core import fields as core_fields

pytestmark = pytest.mark.django_db

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


def _fill(route: str, values: dict[str, object] | None = None) -> str:
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


def test_the_generated_routes_include_the_known_ones():
    assert len(WRITES) >= 48
    assert ("api/v1/auth/login", "post") in WRITES
    assert ("api/v1/stripe/webhook/<uuid:uuid>/", "post") in WRITES
    assert ("api/v1/community/members/<uuid:pk>/tier", "patch") in WRITES
    assert "api/v1/notifications" in CURSOR_LISTS
    assert "api/v1/messages/conversation/<uuid:user_id>" in CURSOR_LISTS


@pytest.fixture(params=["member", "anonymous"])
def caller(request, member_api) -> APIClient:
    return member_api if request.param == "member" else APIClient()


def _send(client, method: str, path: str, body: str):
    return getattr(client, method)(path, data=body, content_type="application/json")


def _assert_refused_before_reading(response):
    """An answer that never needed the body: a success of an endpoint that takes none
    (ws-ticket), or a refusal in the envelope for another reason (401, 403, 404, 503, or a
    400 about the caller's state, like onboarding/complete's pending steps)."""
    if response.status_code in (200, 201, 202, 204):
        return
    assert response.status_code in {400, *REFUSED_BEFORE_READING}, response.content[:300]
    body = response.json()
    assert body["type"] in ("client_error", "validation_error", "server_error")
    assert body["errors"]
    assert all(set(error) == {"code", "detail", "attr"} for error in body["errors"])


# --- bodies sent to every write endpoint ----------------------------------------------------


@pytest.mark.parametrize(("route", "method"), WRITES)
def test_a_deeply_nested_body_is_a_400_on_every_write_endpoint(caller, route, method):
    # when
    response = _send(caller, method, _fill(route), DEEP_BODY)

    # then: refused by the parser, or answered without reading the body; never a 500
    if not (response.status_code == 400 and response.json() == TOO_DEEP):
        _assert_refused_before_reading(response)


@pytest.mark.parametrize(("route", "method"), WRITES)
def test_a_body_over_the_limit_is_a_413_on_every_write_endpoint(caller, route, method):
    # when
    response = _send(caller, method, _fill(route), HUGE_BODY)

    # then
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


@pytest.mark.parametrize(("route", "method"), WRITES)
def test_a_nul_character_is_a_400_naming_the_field_on_every_write_endpoint(caller, route, method):
    # when
    response = _send(caller, method, _fill(route), NUL_BODY)

    # then: refused by the parser, or answered without reading the body; never a 500
    if not (response.status_code == 400 and response.json() == null_in("content")):
        _assert_refused_before_reading(response)


# --- the parser, on core's echo view ---------------------------------------------------------

with_test_urls = pytest.mark.urls("core.tests.urls")


@with_test_urls
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"content": "a\\u0000b"}', null_in("content")),
        ('{"items": [{"name": "ok"}, {"name": "\\u0000"}]}', null_in("items.1.name")),
        ('{"a\\u0000b": 1}', null_in("a\ufffdb")),
        ('"\\u0000"', null_in(None)),
        ('{"content": "\\ud800"}', surrogate_in("content")),
        (
            '{"items": [{"\\udfff": 1}]}',
            {
                "type": "validation_error",
                "errors": [
                    {
                        "code": "surrogate_characters_not_allowed",
                        "detail": "Surrogate characters are not allowed: U+DFFF.",
                        "attr": "items.0.\ufffd",
                    }
                ],
            },
        ),
    ],
)
def test_nul_and_lone_surrogates_are_refused_naming_their_path(api, body, expected):
    # when
    response = api.post("/echo/", body, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == expected


@with_test_urls
def test_a_surrogate_pair_is_a_character_like_any_other(api):
    # when
    response = api.post("/echo/", '{"content": "\\ud83d\\ude00"}', content_type="application/json")

    # then
    assert response.status_code == 200
    assert response.json() == {"content": "\U0001f600"}


@with_test_urls
def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_is_not(api):
    # given
    at_limit = "[" * 32 + "]" * 32
    over_limit = "[" * 33 + "]" * 33

    # when
    accepted = api.post("/echo/", at_limit, content_type="application/json")
    refused = api.post("/echo/", over_limit, content_type="application/json")

    # then
    assert accepted.status_code == 200
    assert refused.status_code == 400
    assert refused.json() == TOO_DEEP


@with_test_urls
def test_the_limits_are_settings(api, settings):
    # given
    settings.JSON_MAX_DEPTH = 2
    settings.REQUEST_MAX_BODY_BYTES = 10

    # when
    deep = api.post("/echo/", "[[[1]]]", content_type="application/json")
    large = api.post("/echo/", '{"content": "abcdefgh"}', content_type="application/json")

    # then
    assert deep.json()["errors"][0]["code"] == "nesting_too_deep"
    assert large.status_code == 413
    assert large.json()["errors"] == [
        {
            "code": "request_too_large",
            "detail": "Request bodies are limited to 10 bytes.",
            "attr": None,
        }
    ]


# --- related fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "detail"),
    [
        ([[["gold"]]], "Incorrect type. Expected a slug, received list."),
        ({"slug": "gold"}, "Incorrect type. Expected a slug, received dict."),
        (True, "Incorrect type. Expected a slug, received bool."),
        (1.5, "Incorrect type. Expected a slug, received float."),
    ],
)
def test_a_slug_field_given_a_wrong_type_is_a_400_naming_it(staff_api, member, tier, detail):
    # given
    TierFactory(slug="gold")

    # when
    response = staff_api.patch(f"/api/v1/community/members/{member.pk}/tier", {"tier": tier})

    # then
    assert response.status_code == 400
    assert response.json() == incorrect_type("tier", detail)


def test_a_nul_in_a_tier_change_is_a_400_naming_the_field(staff_api, member):
    # when
    response = staff_api.patch(
        f"/api/v1/community/members/{member.pk}/tier",
        '{"tier": "gold\\u0000"}',
        content_type="application/json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == null_in("tier")


@pytest.mark.parametrize(
    ("project", "code", "detail"),
    [
        ([[["x"]]], "incorrect_type", "Incorrect type. Expected pk value, received list."),
        ({"id": "x"}, "incorrect_type", "Incorrect type. Expected pk value, received dict."),
        (1.5, "incorrect_type", "Incorrect type. Expected pk value, received float."),
        ("not-a-uuid", "invalid", "\u201cnot-a-uuid\u201d is not a valid UUID."),
    ],
)
def test_a_primary_key_field_given_a_wrong_type_is_a_400_naming_it(
    member_api, offline_ai, project, code, detail
):
    # when
    response = member_api.post(
        "/api/v1/coaching/tools/roadmap/generate",
        {"prompt": "Become a data analyst", "project": project},
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": code, "detail": detail, "attr": "project"}],
    }


def _project_serializers():
    pending = [drf_serializers.BaseSerializer]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        module = cls.__module__.split(".")[0]
        if module in {"accounts", "ai", "billing", "coaching", "community", "notifications"}:
            yield cls


def test_every_declared_related_field_refuses_what_cannot_be_a_lookup():
    # given: every serializer is imported with the URLconf
    assert get_resolver().url_patterns

    # when
    raw = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _project_serializers()
        for name, field in getattr(cls, "_declared_fields", {}).items()
        if isinstance(field, drf_serializers.RelatedField)
        and not field.read_only
        and not isinstance(field, core_fields.ScalarLookupMixin)
    ]

    # then: use core.fields.PrimaryKeyRelatedField / SlugRelatedField
    assert raw == []


# --- query strings and paths ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "attr"),
    [("search=a%00b", "search"), ("tier=%00", "tier"), ("a%00b=1", "a\ufffdb")],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(member_api, query, attr):
    # when
    response = member_api.get(f"/api/v1/community/members?{query}")

    # then
    assert response.status_code == 400
    assert response.json() == null_in(attr)


@pytest.mark.postgres
def test_a_nul_in_a_search_never_reaches_postgresql(member_api):
    # when
    response = member_api.get("/api/v1/community/members", {"search": "ada\x00"})

    # then
    assert response.status_code == 400
    assert response.json() == null_in("search")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/billing/payment-intents/pi_1%00/confirm",
        "/api/v1/community/posts/%00",
        "/api/v1/notifications%00",
    ],
)
def test_a_nul_in_a_path_is_a_404(member_api, path):
    # when
    response = member_api.post(path, {}) if "confirm" in path else member_api.get(path)

    # then
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- the catch-all --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/messages/",
        "/api/v1/community/posts/not-a-uuid",
        "/api/v1/no-such-thing",
        "/api/v1/notifications/00000000-0000-0000-0000-00000000000g/read",
    ],
)
def test_an_unrouted_api_path_is_a_json_404_for_every_method(method, path):
    # given: a browser-like client, with the CSRF check Django's test client skips by default
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.generic(method.upper(), path, "{}", content_type="application/json")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


# --- cursors -----------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


BAD_CURSORS = [
    "cD0yMDI0",  # p=2024
    _b64("p=not a time"),
    _b64("p=2024-01-01 00:00:00+00:00&o=-1"),
    _b64("r=yes"),
    _b64("p=\x00"),
    "%%%not-base64",
    "w6k=",  # not ASCII once decoded
]


@pytest.fixture
def cursor_list_path(member, other_member):
    """A concrete path of a cursor-paginated route; routes whose parameters must name a
    real object get one here."""
    real = {
        "api/v1/community/posts/<uuid:pk>/comments": lambda: {"pk": PostFactory().pk},
        "api/v1/messages/conversation/<uuid:user_id>": lambda: {"user_id": other_member.pk},
    }

    def path_of(route: str) -> str:
        return _fill(route, real[route]() if route in real else None)

    return path_of


@pytest.mark.parametrize("route", CURSOR_LISTS)
@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_cursor_that_does_not_fit_is_a_400_on_every_cursor_list(
    member_api, cursor_list_path, route, cursor
):
    # given: the route is a cursor-paginated list
    path = cursor_list_path(route)
    listed = member_api.get(path)
    assert listed.status_code == 200, f"{route}: give it a real object in cursor_list_path"
    assert set(listed.json()) == {"next", "previous", "results"}

    # when
    response = member_api.get(path, {"cursor": cursor})

    # then
    assert response.status_code == 400
    assert response.json() == INVALID_CURSOR


@pytest.mark.postgres
def test_a_crafted_cursor_never_reaches_postgresql(member_api):
    # when
    response = member_api.get("/api/v1/notifications", {"cursor": "cD0yMDI0"})

    # then
    assert response.status_code == 400
    assert response.json() == INVALID_CURSOR


@pytest.mark.postgres
def test_a_nul_in_a_message_never_reaches_postgresql(member_api, other_member):
    # when
    response = member_api.post(
        "/api/v1/messages",
        json.dumps({"recipient": str(other_member.pk), "content": "hi\x00"}),
        content_type="application/json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == null_in("content")
