from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import services


@shared_task(
    name="accounts.tasks.purge_expired",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def purge_expired() -> dict[str, int]:
    """The daily retention run (CELERY_BEAT_SCHEDULE). Safe to run twice: a second run
    finds nothing left past retention."""
    return services.purge_expired()


# The two below run the lookup that the views leave out (accounts.views._accept_email), so a
# request answers alike whether or not an account matches. Both send nothing when none does.
# ``base_url`` is the platform's address as that request reached it, which the links in the
# email start with (accounts.adapters); a task queued without one uses PUBLIC_URL.


@shared_task(
    name="accounts.tasks.password_reset_send",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def password_reset_send(email: str, base_url: str = "") -> None:
    services.password_reset_request(email=email, base_url=base_url)


@shared_task(
    name="accounts.tasks.verification_resend",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def verification_resend(email: str, base_url: str = "") -> None:
    services.verification_resend(email=email, base_url=base_url)


@shared_task(name="accounts.tasks.purge_sign_in_records")
def purge_sign_in_records() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): forget successful sign-ins (email, address) older than
    LOGIN_KNOWN_ADDRESS_DAYS; failed ones go by themselves once their lockout is over."""
    return AxesProxyHandler.reset_logs(age_days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
