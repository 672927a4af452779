"""The registry of one-off payment purposes: the app that owns a paid object (a booking,
a course) declares what it costs and how it reacts when Stripe reports the payment.

    from billing import payments

    payments.register(
        "marketplace.booking",
        price=lambda user, object_id: payments.Price(amount=4500, currency="eur",
                                                     description="Coaching session"),
        on_succeeded=lambda payment_intent, object_id: booking_mark_paid(object_id),
        on_failed=lambda payment_intent, object_id: booking_release(object_id),
    )

``price`` runs when the member asks to pay: it raises ``core.exceptions.NotFound`` (or a
``DomainError``) when the object is not theirs to pay for, and the amount always comes
from here, never from the client. The hooks run inside the webhook's transaction, once per
Stripe event (a replayed event is not handled twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Price:
    amount: int  # in the currency's smallest unit (cents)
    currency: str
    description: str = ""


PriceFor = Callable[[Any, str], Price]
Hook = Callable[[Any, str], None]


@dataclass(frozen=True)
class Purpose:
    name: str
    price: PriceFor
    on_succeeded: Hook | None = None
    on_failed: Hook | None = None


_purposes: dict[str, Purpose] = {}


def register(
    name: str,
    *,
    price: PriceFor,
    on_succeeded: Hook | None = None,
    on_failed: Hook | None = None,
) -> Purpose:
    if name in _purposes:
        raise ValueError(f"The payment purpose {name!r} is already registered.")
    purpose = Purpose(name=name, price=price, on_succeeded=on_succeeded, on_failed=on_failed)
    _purposes[name] = purpose
    return purpose


def unregister(name: str) -> None:
    _purposes.pop(name, None)


def find(name: str) -> Purpose | None:
    return _purposes.get(name)


def names() -> list[str]:
    return sorted(_purposes)
