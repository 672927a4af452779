"""The kinds of the account lifecycle, sent by notifications itself when allauth announces a
signup (signals.py): the welcome, and the reminder to verify the address."""

from allauth.account.models import EmailAddress, EmailConfirmationHMAC

from accounts.adapters import AccountAdapter

from . import kinds


def _unverified_address(user) -> EmailAddress | None:
    return EmailAddress.objects.filter(user=user, verified=False).order_by("-primary", "pk").first()


def _already_verified(user, data) -> str | None:
    if EmailAddress.objects.filter(user=user, verified=True).exists():
        return "The email address was verified before the reminder was due."
    if _unverified_address(user) is None:
        return "No email address is waiting for verification."
    return None


def _fresh_verification_link(notification) -> dict:
    """A new key, made when the email is rendered, so it is valid for the full
    EMAIL_VERIFICATION_EXPIRE_DAYS from the moment the member receives it."""
    address = _unverified_address(notification.user)
    if address is None:
        raise LookupError("No email address is waiting for verification.")
    confirmation = EmailConfirmationHMAC(address)
    return {
        "email": address.email,
        "key": confirmation.key,
        "activate_url": AccountAdapter().get_email_confirmation_url(None, confirmation),
    }


kinds.register(
    "welcome",
    description="A welcome when you join, with how to get started.",
    in_app=True,
    email=True,
)

kinds.register(
    "verify_email_reminder",
    description="A reminder to confirm your email address, a day after signing up.",
    essential=True,
    in_app=False,
    email=True,
    skip_reason=_already_verified,
    email_context=_fresh_verification_link,
)
