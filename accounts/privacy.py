"""Export, erasure and retention for accounts' own tables and the library tables that hold a
user's data (allauth's email addresses, simplejwt's refresh tokens, the admin's history)."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db.models import Exists, OuterRef, Q
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from core import privacy

from .models import Consent, Onboarding, Profile, User


def users_past_retention(now):
    """Unverified accounts older than UNVERIFIED_ACCOUNT_RETENTION_DAYS, and accounts whose
    erasure grace period (ACCOUNT_ERASURE_GRACE_DAYS) is over."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    unverified_before = now - timedelta(days=settings.UNVERIFIED_ACCOUNT_RETENTION_DAYS)
    erase_before = now - timedelta(days=settings.ACCOUNT_ERASURE_GRACE_DAYS)
    return User.objects.filter(
        Q(date_joined__lt=unverified_before, is_staff=False) & ~Exists(verified)
        | Q(erasure_requested_at__lte=erase_before)
    )


privacy.register(
    User,
    user_field="pk",
    export_fields=("id", "email", "date_joined", "last_login", "is_active"),
    retention=users_past_retention,
    retention_note="unverified accounts and accounts past their erasure grace period",
)
privacy.register(Profile, export_fields=(*Profile.MEMBER_FIELDS, "created_at", "updated_at"))
privacy.register(Consent, export_fields=("kind", "version", "granted", "source", "created_at"))
privacy.register(
    Onboarding,
    export_fields=(
        *Onboarding.AGE_FIELDS,
        *Onboarding.PREFERENCE_FIELDS,
        *Onboarding.SKILL_GOAL_FIELDS,
        "completed_at",
    ),
)
privacy.register(EmailAddress, export_fields=("email", "verified", "primary"))
privacy.register(
    OutstandingToken,
    export_fields=("jti", "created_at", "expires_at"),
    retention=lambda now: OutstandingToken.objects.filter(expires_at__lt=now),
    retention_note="refresh tokens past their expiry (blacklist entries go with them)",
)
privacy.register(
    LogEntry,
    export_fields=("action_time", "object_repr", "action_flag", "change_message"),
)
# The admin's history of other objects names the member in its text (a profile's
# ``object_repr`` is its display name).
privacy.register_mentions(LogEntry, fields=("object_repr", "change_message"))


def names_of(user) -> list[str]:
    """What other members and staff see the member called: their display name, and every
    address they registered (the login email is added by ``core.privacy`` itself)."""
    names = list(Profile.objects.filter(user=user).values_list("display_name", flat=True))
    return names + list(EmailAddress.objects.filter(user=user).values_list("email", flat=True))


privacy.register_names(names_of)
