"""Calls to Stripe's API: every one with our key and API version, writes with an
idempotency key, and Stripe's errors turned into domain errors. The services (services.py)
and tasks call Stripe through :func:`call`."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from djstripe.settings import djstripe_settings

from core.exceptions import DomainError, ServiceUnavailable

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


class BillingUnavailable(ServiceUnavailable):
    code = "billing_unavailable"

    def __init__(self, detail: str | None = None):
        super().__init__(
            detail
            or "Billing is not available: this server has no Stripe keys configured "
            "(STRIPE_SECRET_KEY). Plans come from staff grants only."
        )


class StripeUnavailable(ServiceUnavailable):
    code = "stripe_unavailable"


def api_key() -> str:
    return settings.STRIPE_SECRET_KEY


def idempotency_key(action: str, user: User, client_key: str | None = None) -> str:
    """The Stripe idempotency key of one write. With the client's ``Idempotency-Key`` a
    retried request sends Stripe the same key, so Stripe does the work once; without one,
    every request is a new operation."""
    token = client_key or uuid.uuid4().hex
    digest = hashlib.sha256(f"{action}:{user.pk}:{token}".encode()).hexdigest()
    return f"{action}:{digest}"


def call(method: Callable[..., Any], *args: Any, **params: Any) -> Any:
    """Call the Stripe API with our key and API version, turning its errors into domain
    errors: a bad key is 503 ``billing_unavailable`` (and logged), a network or Stripe
    outage 503 ``stripe_unavailable``, a refused request 400 naming Stripe's parameter."""
    try:
        return method(
            *args,
            api_key=api_key(),
            stripe_version=djstripe_settings.STRIPE_API_VERSION,
            **params,
        )
    except stripe.AuthenticationError as exc:
        logger.error("Stripe refused the API key (STRIPE_SECRET_KEY): %s", exc)
        raise BillingUnavailable(
            "Billing is not available: Stripe refused this server's API key."
        ) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        logger.warning("Stripe is unavailable: %s", exc)
        raise StripeUnavailable("Stripe could not be reached; try again shortly.") from exc
    except stripe.CardError as exc:
        raise DomainError(
            exc.user_message or "The card was declined.",
            code="card_declined",
            attr="payment_method",
        ) from exc
    except stripe.InvalidRequestError as exc:
        raise DomainError(
            exc.user_message or str(exc), code="stripe_invalid_request", attr=exc.param
        ) from exc
