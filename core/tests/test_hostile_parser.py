"""Hostile JSON never gives a 500: the parser (core.parsers), on core's echo view."""

import pytest

from .hostile_helpers import (
    TOO_DEEP,
    null_in,
    surrogate_in,
)

pytestmark = pytest.mark.django_db


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
