"""Price quotes: the server's price for one start of one course, asked before booking and
frozen into the booking that names it, so a price shown is the price charged.

Prices are static for now (the course's, ``rule_version`` "static", no variant); demand
pricing and price tests are meant to plug in here without changing the contract. A quote
lives ``MARKETPLACE_QUOTE_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from core.exceptions import Conflict, DomainError

from ..models import Coach, Course, Quote
from ..selectors.availability import is_free
from .bookings import SLOT_UNAVAILABLE

if TYPE_CHECKING:
    from accounts.models import User

RULE_VERSION = "static"


def price_quote(*, coach: Coach, course: Course, start: dt.datetime, user: User) -> Quote:
    """Quote ``course`` at ``start`` (UTC) for ``user``: a stored ``Quote`` (amount,
    currency, rule_version, variant, expires_at). A start the coach does not offer (``is_free``
    false): 409 ``slot_unavailable``. Nothing is held: the slot may still go to someone
    else before the booking."""
    now = timezone.now()
    if course.coach_id != coach.pk or not is_free(coach=coach, course=course, start=start, now=now):
        raise Conflict(SLOT_UNAVAILABLE, code="slot_unavailable", attr="start")
    return Quote.objects.create(
        user=user,
        course=course,
        start=start,
        amount=course.price_amount,
        currency=course.currency,
        rule_version=RULE_VERSION,
        variant="",
        expires_at=now + dt.timedelta(minutes=settings.MARKETPLACE_QUOTE_MINUTES),
    )


def quote_for_booking(*, quote: Quote, user: User, course: Course, start: dt.datetime) -> Quote:
    """``quote`` when a booking of ``course`` at ``start`` by ``user`` may use it: the
    caller's own, for that course and start, not expired. Otherwise a 400 on ``quote``
    (``does_not_exist`` for another member's, so their ids tell nothing)."""
    if quote.user_id != user.pk:
        raise DomainError(
            f'Invalid pk "{quote.pk}" - object does not exist.',
            code="does_not_exist",
            attr="quote",
        )
    if quote.course_id != course.pk or quote.start != start:
        raise DomainError(
            "This quote is for another course or start.", code="quote_mismatch", attr="quote"
        )
    if quote.expires_at <= timezone.now():
        raise DomainError(
            "This quote has expired; ask for a new one.", code="quote_expired", attr="quote"
        )
    return quote
