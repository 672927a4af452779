"""``track``: the one way any app records a product event."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from .models import Event

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


def track(name: str, user: User | None = None, **properties) -> None:
    """Record event ``name`` once the current transaction commits (at once outside one).

    It never fails the caller: an error is logged and the event dropped. ``properties``
    must be JSON-serialisable (ids as strings).
    """
    occurred_at = timezone.now()
    user_id = user.pk if user is not None and getattr(user, "pk", None) else None

    def write() -> None:
        try:
            Event.objects.create(
                name=name, user_id=user_id, properties=properties, occurred_at=occurred_at
            )
        except Exception:
            logger.exception("Could not record analytics event %s", name)

    transaction.on_commit(write, robust=True)
