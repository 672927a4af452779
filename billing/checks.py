"""Two of dj-stripe's checks (webhook endpoints' validation and secret) read the database,
yet they are registered as ordinary checks, so they run wherever checks run: at Celery
worker start (before the database may be reachable) and in tests without database access.
Django's convention for such checks is to run only for the databases asked for (``check
--database default``, ``migrate``); billing re-registers them that way.

And every payment purpose's hooks (``payments.py``) name functions that can be called
(billing.E001)."""

from collections.abc import Callable

from django.core import checks
from djstripe import checks as djstripe_checks

from core import hooks

from . import payments

DATABASE_CHECKS = (
    djstripe_checks.check_webhook_validation,
    djstripe_checks.check_webhook_endpoint_has_secret,
)


def _only_with_databases(check: Callable) -> Callable:
    def database_check(app_configs=None, databases=None, **kwargs):
        if not databases:
            return []
        return check(app_configs=app_configs, **kwargs)

    database_check.__name__ = check.__name__
    return database_check


def register_database_checks() -> None:
    registry = checks.registry.registry
    for check in DATABASE_CHECKS:
        registry.registered_checks.discard(check)
        registry.register(_only_with_databases(check), checks.Tags.database)


@checks.register()
def every_payment_hook_resolves(app_configs=None, **kwargs):
    return hooks.errors(
        (
            (f"payment purpose {purpose.name!r} {name}", getattr(purpose, name))
            for purpose in payments.all_purposes()
            for name in ("price", "on_succeeded", "on_failed")
        ),
        check_id="billing.E001",
    )
