"""The OpenAPI document and its two viewers, served without any CDN."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

# Used before signing in, with nothing that could be refused as unauthenticated.
PUBLIC = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/verify-email"),
    ("get", "/api/v1/notifications/unsubscribe"),
    ("post", "/api/v1/notifications/unsubscribe"),
    ("post", "/api/v1/auth/verify-email/resend"),
    ("post", "/api/v1/auth/password/forgot"),
    ("post", "/api/v1/auth/password/reset"),
    ("get", "/api/v1/billing/plans"),
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_api_operation_documents_its_errors(schema):
    for method, path, operation in operations(schema):
        if not path.startswith("/api/v1/"):
            continue
        responses = operation["responses"]
        assert {"400", "429", "500"} <= responses.keys(), (method, path)
        # Everything else needs a token or checks credentials, and documents the 401.
        assert ("401" in responses) == ((method, path) not in PUBLIC), (method, path)


def test_every_write_documents_its_body(schema):
    bodyless = {
        ("post", "/api/v1/auth/ws-ticket"),
        ("post", "/api/v1/onboarding/complete"),
        ("post", "/api/v1/ai/generations/{id}/retry"),
        ("post", "/api/v1/notifications/{id}/read"),
        ("post", "/api/v1/notifications/read-all"),
        ("put", "/api/v1/messages/{id}/read"),
        ("post", "/api/v1/community/blocks/{user_id}"),
        ("delete", "/api/v1/community/blocks/{user_id}"),
        ("delete", "/api/v1/community/posts/{id}"),
        ("post", "/api/v1/community/posts/{id}/like"),
        ("delete", "/api/v1/community/posts/{id}/like"),
        ("post", "/api/v1/community/recommendations/{member_id}/apply"),
        ("post", "/api/v1/marketplace/me/calendar-feed"),
        ("delete", "/api/v1/marketplace/me/coach/sessions/{id}"),
        ("delete", "/api/v1/community/recommendations/{member_id}/apply"),
        ("delete", "/api/v1/coaching/plans/{id}"),
        ("delete", "/api/v1/coaching/goals/{id}"),
        ("delete", "/api/v1/coaching/tools/roadmap/{id}"),
        ("delete", "/api/v1/coaching/tools/brand/{id}"),
        ("delete", "/api/v1/coaching/tools/content/{id}"),
        ("delete", "/api/v1/coaching/tools/document/{id}"),
        ("delete", "/api/v1/coaching/projects/{id}"),
        ("post", "/api/v1/coaching/projects/{id}/duplicate"),
        ("delete", "/api/v1/billing/grants/{id}"),
        ("delete", "/api/v1/conversations/{id}"),
        ("post", "/api/v1/conversations/{id}/end"),
        ("post", "/api/v1/conversations/{id}/feedback/retry"),
        ("post", "/api/v1/conversations/{id}/messages/{message_id}/cancel"),
        ("delete", "/api/v1/conversations/coach/threads/{id}"),
        ("delete", "/api/v1/crm/customers/{id}"),
        ("delete", "/api/v1/crm/interactions/{id}"),
        ("post", "/api/v1/conversations/coach/threads/{id}/messages/{message_id}/cancel"),
        ("delete", "/api/v1/marketplace/me/coach/courses/{id}"),
        ("delete", "/api/v1/marketplace/me/coach/overrides/{date}"),
    }
    for method, path, operation in operations(schema):
        if method in {"post", "patch", "put", "delete"} and (method, path) not in bodyless:
            assert "requestBody" in operation, (method, path)


def test_the_schema_and_viewers_are_served_offline(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")
    redoc = client.get("/api/redoc/")

    assert schema.status_code == docs.status_code == redoc.status_code == 200
    assert schema["Content-Type"].startswith("application/vnd.oai.openapi")
    for page in (docs, redoc):
        html = page.content.decode()
        assert "drf_spectacular_sidecar" in html
        assert "cdn." not in html and "unpkg" not in html


def _error_codes(schema, node, attr=None, seen=None) -> set[tuple[str | None, str]]:
    """Every (attr, code) an error response allows, following $refs (core.schema)."""
    seen = seen if seen is not None else set()
    if isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return set()
        return _error_codes(schema, schema["components"]["schemas"][name], attr, seen | {name})
    found = set()
    if isinstance(node, dict):
        properties = node.get("properties", {})
        if "code" in properties:
            attr_schema = properties.get("attr", {})
            attr = (attr_schema.get("enum") or [attr_schema.get("pattern")])[0]
            codes = _enum(schema, properties["code"])
            found |= {(attr, code) for code in codes}
        for value in node.values():
            if isinstance(value, (dict, list)):
                found |= _error_codes(schema, value, attr, seen)
    elif isinstance(node, list):
        for value in node:
            found |= _error_codes(schema, value, attr, seen)
    return found


def _enum(schema, node) -> list[str]:
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node.get("enum", [])


def _codes(schema, method, path, status):
    response = schema["paths"][path][method]["responses"][status]
    return _error_codes(schema, response["content"]["application/json"]["schema"])


def test_operations_document_the_codes_they_raise(schema):
    # shared by kind: the bearer token's 401s, a body's 413, a cursor list's 400
    assert (None, "token_not_valid") in _codes(schema, "get", "/api/v1/auth/me", "401")
    assert (None, "request_too_large") in _codes(schema, "post", "/api/v1/coaching/goals", "413")
    assert ("cursor", "invalid_cursor") in _codes(schema, "get", "/api/v1/notifications", "400")
    # declared on the view (error_codes), or listed by an extend_schema error serializer
    assert (None, "billing_unavailable") in _codes(schema, "get", "/api/v1/billing/invoices", "503")
    assert (None, "plan_required") in _codes(schema, "post", "/api/v1/coaching/plans", "403")
    assert (None, "plan_required") in _codes(
        schema, "post", "/api/v1/coaching/tools/roadmap/generate", "403"
    )
    assert (None, "plan_required") in _codes(
        schema, "post", "/api/v1/ai/generations/{id}/retry", "403"
    )
    assert (None, "edit_window_closed") in _codes(
        schema, "patch", "/api/v1/community/posts/{id}", "403"
    )
    assert (None, "quota_exceeded") in _codes(schema, "post", "/api/v1/coaching/plans", "429")
    assert (None, "no_results") in _codes(
        schema, "get", "/api/v1/coaching/assessment/results", "404"
    )
    # query parameters: a serializer's fields, and a view's own checks
    assert ("is_applied", "invalid") in _codes(
        schema, "get", "/api/v1/coaching/recommendations", "400"
    )
    assert ("format", "invalid_choice") in _codes(
        schema, "get", "/api/v1/coaching/tools/roadmap/{id}/export", "400"
    )
    # NUL or a lone surrogate may be named on any attr
    assert (None, "null_characters_not_allowed") in _codes(
        schema, "get", "/api/v1/coaching/goals", "400"
    )
