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
        ("delete", "/api/v1/coaching/plans/{id}"),
        ("delete", "/api/v1/coaching/goals/{id}"),
        ("delete", "/api/v1/coaching/tools/roadmap/{id}"),
        ("delete", "/api/v1/coaching/tools/brand/{id}"),
        ("delete", "/api/v1/coaching/tools/content/{id}"),
        ("delete", "/api/v1/coaching/tools/document/{id}"),
        ("delete", "/api/v1/coaching/projects/{id}"),
        ("post", "/api/v1/coaching/projects/{id}/duplicate"),
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
