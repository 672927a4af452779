"""One error envelope for every failure (docs/API.md): ``{type, errors: [{code, detail, attr}]}``,
whether DRF, Django or a service raised it."""

import pytest
from django.core.signals import got_request_exception
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

with_test_urls = pytest.mark.urls("core.tests.urls")


def _client_error(code: str, detail: str) -> dict:
    return {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": None}]}


SERVER_ERROR = {
    "type": "server_error",
    "errors": [{"code": "error", "detail": "Server Error (500)", "attr": None}],
}


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint/", "/api/v1/auth/me/"])
def test_an_unknown_api_url_is_a_404_in_the_envelope(api, settings, debug, path):
    # given
    settings.DEBUG = debug

    # when
    response = api.get(path)

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == _client_error("not_found", "Not found.")


@with_test_urls
def test_a_404_raised_in_a_view(api):
    # when
    response = api.get("/missing/")

    # then
    assert response.status_code == 404
    assert response.json() == _client_error("not_found", "Not found.")


@with_test_urls
def test_a_method_the_view_does_not_have_is_a_405(api):
    # when
    response = api.get("/echo/")

    # then
    assert response.status_code == 405
    assert response.json() == _client_error("method_not_allowed", 'Method "GET" not allowed.')


@with_test_urls
def test_a_body_that_is_not_json_is_a_415(api):
    # when
    response = api.post("/echo/", "hello", content_type="text/plain")

    # then
    assert response.status_code == 415
    assert response.json() == _client_error(
        "unsupported_media_type", 'Unsupported media type "text/plain" in request.'
    )


@with_test_urls
def test_malformed_json_is_a_400_parse_error(api):
    # when
    response = api.post("/echo/", '{"title": ', content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == _client_error(
        "parse_error", "JSON parse error - Expecting value: line 1 column 11 (char 10)"
    )


@with_test_urls
def test_a_throttled_request_is_a_429_with_retry_after(api):
    # given
    assert api.get("/throttled/").status_code == 200

    # when
    response = api.get("/throttled/")

    # then
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == _client_error(
        "throttled", "Request was throttled. Expected available in 60 seconds."
    )


@with_test_urls
def test_a_domain_error_is_a_400_naming_the_field(api):
    # when
    response = api.post("/domain-error/", {})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": "duplicate", "detail": "Titles must be unique.", "attr": "title"}],
    }


@with_test_urls
def test_a_domain_error_can_name_several_fields(api):
    # when
    response = api.post("/domain-error/fields/", {})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {"code": "invalid_booking", "detail": "Must be in the future.", "attr": "starts_at"},
            {"code": "invalid_booking", "detail": "Not available.", "attr": "coach"},
        ],
    }


@with_test_urls
def test_a_domain_error_with_its_own_status_keeps_it(api):
    # when
    response = api.post("/conflict/", {})

    # then
    assert response.status_code == 409
    assert response.json() == _client_error("slot_taken", "The slot was just taken.")


@with_test_urls
def test_a_domain_error_that_says_when_to_retry_sends_retry_after(api):
    # when
    response = api.post("/limit/", {})

    # then
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert response.json() == _client_error("export_limit", "Ten exports a day.")


@with_test_urls
def test_a_service_refusing_with_503_is_an_answer_not_a_reported_crash(api):
    # given
    reported = []

    def listener(**kwargs):
        reported.append(kwargs)

    got_request_exception.connect(listener)

    # when
    try:
        response = api.get("/unavailable/")
    finally:
        got_request_exception.disconnect(listener)

    # then
    assert response.status_code == 503
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {"code": "payments_unavailable", "detail": "Payments are not configured.", "attr": None}
        ],
    }
    assert reported == []


@with_test_urls
def test_an_unhandled_exception_in_a_view_is_a_500_without_details():
    # given
    client = APIClient(raise_request_exception=False)

    # when
    response = client.get("/crash/")

    # then
    assert response.status_code == 500
    assert response.json() == SERVER_ERROR
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content


@with_test_urls
def test_an_unhandled_exception_outside_drf_is_a_500_in_the_envelope():
    # given
    client = APIClient(raise_request_exception=False)

    # when
    response = client.get("/django-crash/")

    # then
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == SERVER_ERROR
    assert b"hunter2" not in response.content
