"""Follow-ups: reminders a member sets on a customer, sent through ``notifications.schedule``
as the ``crm_follow_up`` kind (crm/notification_kinds.py)."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from ..models import FollowUp

if TYPE_CHECKING:
    from accounts.models import User


def follow_up_skip_reason(*, user: "User", data: dict[str, Any]) -> str | None:
    """Asked by the notifications dispatcher when a reminder is due: a reason not to send it
    when the follow-up is gone (its customer deleted) or no longer pending. A moved follow-up
    cancels its old reminder and schedules a new one (``follow_up_update``)."""
    try:
        follow_up = (
            FollowUp.objects.filter(pk=data.get("follow_up_id"), owner=user).only("status").first()
        )
    except (ValidationError, ValueError):
        follow_up = None
    if follow_up is None:
        return "The follow-up or its customer is gone."
    if follow_up.status != FollowUp.Status.PENDING:
        return f"The follow-up is {follow_up.status}."
    return None
