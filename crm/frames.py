"""The CRM's WebSocket frames (docs/API.md, "crm"), pushed to the owner's sockets after
commit through ``core.realtime.send_to_user``."""

from typing import Any

from core.realtime import send_to_user

from .models import SocialAccount


def account_data(account: SocialAccount) -> dict[str, Any]:
    """An account as the list shows it: never a token."""
    return {
        "id": str(account.pk),
        "platform": account.platform,
        "name": account.name,
        "external_id": account.external_id,
        "status": account.status,
        "expires_at": account.expires_at.isoformat() if account.expires_at else None,
        "scopes": list(account.scopes or []),
        "last_error": account.last_error,
    }


def account_updated(account: SocialAccount) -> None:
    send_to_user(
        account.owner_id, {"type": "crm.account.updated", "account": account_data(account)}
    )
