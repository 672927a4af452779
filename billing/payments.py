"""The registry of one-off payment purposes: the app that owns a paid object (a booking,
a course) declares what it costs and how it reacts when Stripe reports the payment. Each
hook is the dotted path of a public function, called with keywords (``core.hooks``:
imported at first use, and a system check, billing.E001, fails at start-up when a path does
not name a function accepting them)::

    from billing import payments

    payments.register(
        "marketplace.booking",
        price="marketplace.selectors.bookings.booking_price",  # (*, user, object_id)
        client_key="marketplace.services.payments.booking_client_key",  # (*, user, object_id)
        on_succeeded="marketplace.services.bookings.booking_mark_paid",
        on_failed="marketplace.services.bookings.booking_payment_failed",
        on_refunded="marketplace.services.payments.booking_refunded",
    )

``price`` runs when the member asks to pay and returns a :class:`Price`: it raises
``core.exceptions.NotFound`` (or a ``DomainError``) when the object is not theirs to pay
for, and the amount always comes from here, never from the client.

``client_key`` (optional) returns the object's own key for Stripe's idempotency, used
instead of the client's ``Idempotency-Key``: every request to pay for one object (the
owning app's own, a client's retry, a second device) then reaches the same PaymentIntent
rather than a second one. Stripe remembers a key for 24 hours.

``on_succeeded`` and ``on_failed`` are called with ``(*, payment_intent, object_id)``,
``on_refunded`` with ``(*, payment_intent, object_id, amount_refunded)``: the dj-stripe
PaymentIntent, the object's id as ``price`` got it, and the total refunded so far on the
payment in minor units (not the last refund's amount, so hearing a refund twice is
harmless). A refund arrives whether billing made it (``services.refund_create``) or staff
made it in Stripe's dashboard. The hooks run inside the webhook's transaction, once per
Stripe event (a replayed event is not handled twice); a hook that raises rolls the event
back and Stripe sends it again, so a business outcome is recorded, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.hooks import Hook

# The keywords each hook is called with.
PRICE_PARAMS = ("user", "object_id")
OUTCOME_PARAMS = ("payment_intent", "object_id")
REFUNDED_PARAMS = ("payment_intent", "object_id", "amount_refunded")
# The hooks each purpose may declare, as the system check (billing.E001) reads them.
HOOKS = ("price", "client_key", "on_succeeded", "on_failed", "on_refunded")


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
    client_key: Hook | None = None
    on_refunded: Hook | None = None


_purposes: dict[str, Purpose] = {}


def register(
    name: str,
    *,
    price: str,
    on_succeeded: str | None = None,
    on_failed: str | None = None,
    client_key: str | None = None,
    on_refunded: str | None = None,
) -> Purpose:
    if name in _purposes:
        raise ValueError(f"The payment purpose {name!r} is already registered.")
    purpose = Purpose(
        name=name,
        price=Hook(price, params=PRICE_PARAMS),
        on_succeeded=Hook.optional(on_succeeded, params=OUTCOME_PARAMS),
        on_failed=Hook.optional(on_failed, params=OUTCOME_PARAMS),
        client_key=Hook.optional(client_key, params=PRICE_PARAMS),
        on_refunded=Hook.optional(on_refunded, params=REFUNDED_PARAMS),
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
