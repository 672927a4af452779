"""The test purpose's hooks, registered by dotted path as apps do (``core.hooks``); what
they hear is kept here for the test to read, and cleared by the ``purpose`` fixture."""

from billing import payments
from core.exceptions import NotFound

heard: list[tuple[str, str, str]] = []
failures: list[str] = []


def price(*, user, object_id: str) -> payments.Price:
    if object_id == "not-yours":
        raise NotFound("No such booking.")
    return payments.Price(amount=4500, currency="eur", description=f"Booking {object_id}")


def no_price(*, user, object_id: str) -> None:
    return None


def succeeded(*, payment_intent, object_id: str) -> None:
    heard.append(("succeeded", payment_intent.id, object_id))


def failed(*, payment_intent, object_id: str) -> None:
    heard.append(("failed", payment_intent.id, object_id))


def flaky(*, payment_intent, object_id: str) -> None:
    """Fails once, then succeeds (a booking service that was down)."""
    if not failures:
        failures.append(object_id)
        raise RuntimeError("the booking service is down")
    succeeded(payment_intent=payment_intent, object_id=object_id)
