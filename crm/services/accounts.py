"""Connected social accounts: what every Graph call's caller does when Meta says the token is
dead (error 190, 102, or a missing permission)."""

from django.db import transaction
from django.utils import timezone

from notifications.services import notify

from ..frames import account_updated
from ..graph import GraphError
from ..models import SocialAccount

Status = SocialAccount.Status


def account_needs_reauth(*, account: SocialAccount, error: GraphError | str) -> bool:
    """Flag ``account`` ``needs_reauth`` with Meta's reason, so later posts and sends fail
    fast without calling Meta, and tell the owner once (until they reconnect). Returns False
    when the account was already flagged or is disconnected."""
    reason = (error.reason if isinstance(error, GraphError) else error)[:500]
    now = timezone.now()
    with transaction.atomic():
        flagged = SocialAccount.objects.filter(
            pk=account.pk, status__in=[Status.ACTIVE, Status.PENDING_SELECTION]
        ).update(status=Status.NEEDS_REAUTH, last_error=reason, updated_at=now)
        if not flagged:
            return False
        account.status, account.last_error = Status.NEEDS_REAUTH, reason
        first_notice = SocialAccount.objects.filter(
            pk=account.pk, reauth_notified_at__isnull=True
        ).update(reauth_notified_at=now)
        if first_notice:
            account.reauth_notified_at = now
            notify(
                user=account.owner,
                kind="crm_account_needs_reauth",
                title=f"Reconnect {account.get_platform_display()} {account.name}".strip(),
                body=reason,
                data={"account_id": str(account.pk), "url": f"/crm/social/accounts/{account.pk}"},
            )
        account_updated(account)
    return True
