"""The registry of one-off payment purposes: the app that owns a paid object (a booking,
a course) declares what it costs and how it reacts when Stripe reports the payment. Each
hook is the dotted path of a public function, called with keywords (``core.hooks``:
imported at first use, and a system check, billing.E001, fails at start-up when a path does
not name a function accepting them)::

    from billing import payments

    payments.register(
        "marketplace.booking",
        price="marketplace.selectors.booking_price",            # (*, user, object_id)
        on_succeeded="marketplace.services.booking_mark_paid",  # (*, payment_intent, object_id)
        on_failed="marketplace.services.booking_release",       # (*, payment_intent, object_id)
    )

``price`` runs when the member asks to pay and returns a :class:`Price`: it raises
``core.exceptions.NotFound`` (or a ``DomainError``) when the object is not theirs to pay
for, and the amount always comes from here, never from the client. The hooks run inside
the webhook's transaction, once per Stripe event (a replayed event is not handled twice).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.hooks import Hook

# The keywords each hook is called with.
PRICE_PARAMS = ("user", "object_id")
OUTCOME_PARAMS = ("payment_intent", "object_id")


@dataclass(frozen=True)
class Price:
    amount: int  # in the currency's smallest unit (cents)
    currency: str
    description: str = ""


@dataclass(frozen=True)
class Purpose:
    name: str
    price: Hook
    on_succeeded: Hook | None = None
    on_failed: Hook | None = None


_purposes: dict[str, Purpose] = {}


def register(
    name: str,
    *,
    price: str,
    on_succeeded: str | None = None,
    on_failed: str | None = None,
) -> Purpose:
    if name in _purposes:
        raise ValueError(f"The payment purpose {name!r} is already registered.")
    purpose = Purpose(
        name=name,
        price=Hook(price, params=PRICE_PARAMS),
        on_succeeded=Hook.optional(on_succeeded, params=OUTCOME_PARAMS),
        on_failed=Hook.optional(on_failed, params=OUTCOME_PARAMS),
    )
    _purposes[name] = purpose
    return purpose


def unregister(name: str) -> None:
    _purposes.pop(name, None)


def find(name: str) -> Purpose | None:
    return _purposes.get(name)


def names() -> list[str]:
    return sorted(_purposes)


def all_purposes() -> list[Purpose]:
    return [_purposes[name] for name in sorted(_purposes)]
