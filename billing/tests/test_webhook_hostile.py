"""Hostile bodies posted to the Stripe webhook (billing.views.StripeWebhookView): a 400 or
413 in the envelope, nothing stored, and real signed events still go through."""

import json

import pytest
from djstripe.models import Event, WebhookEventTrigger

from .conftest import WEBHOOK_UUID, event, sign
from .fake_stripe import example

pytestmark = pytest.mark.django_db

URL = f"/api/v1/stripe/webhook/{WEBHOOK_UUID}/"


def _post(api, body: str | bytes):
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return api.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(text)
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "[" * 1000 + "]" * 1000,
            {
                "type": "client_error",
                "errors": [
                    {
                        "code": "nesting_too_deep",
                        "detail": "JSON nested more than 32 levels deep is not accepted.",
                        "attr": None,
                    }
                ],
            },
        ),
        (
            '{"id": "evt_1", "livemode": false, "data": {"object": {"name": "a\\u0000"}}}',
            {
                "type": "validation_error",
                "errors": [
                    {
                        "code": "null_characters_not_allowed",
                        "detail": "Null characters are not allowed.",
                        "attr": "data.object.name",
                    }
                ],
            },
        ),
        (
            b'{"id": "evt_1", "livemode": false, "x": "\xff"}',
            {
                "type": "client_error",
                "errors": [
                    {
                        "code": "parse_error",
                        "detail": "JSON parse error - 'utf-8' codec can't decode byte 0xff in "
                        "position 41: invalid start byte",
                        "attr": None,
                    }
                ],
            },
        ),
    ],
)
def test_a_hostile_body_is_a_400_and_nothing_is_stored(api, webhook_endpoint, body, expected):
    # when
    response = _post(api, body)

    # then
    assert response.status_code == 400
    assert response.json() == expected
    assert WebhookEventTrigger.objects.count() == 0


def test_a_body_over_the_limit_is_a_413(api, webhook_endpoint):
    # when
    response = _post(api, '{"id": "' + "x" * (3 * 1024 * 1024) + '"}')

    # then
    assert response.status_code == 413
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "request_too_large",
                "detail": "Request bodies are limited to 2097152 bytes.",
                "attr": None,
            }
        ],
    }
    assert WebhookEventTrigger.objects.count() == 0


def test_a_signed_event_still_goes_through_and_a_bad_signature_is_still_refused(
    api, fake_stripe, webhook_endpoint
):
    # given
    product = example("product", id="prod_webhook", name="Webhook", active=True)
    fake_stripe.put(product)
    body = json.dumps(event("product.created", product))

    # when
    refused = api.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body, "whsec_x")
    )
    accepted = _post(api, body)

    # then
    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert Event.objects.filter(type="product.created").count() == 1
