"""Two of dj-stripe's checks (webhook endpoints' validation and secret) read the database,
yet they are registered as ordinary checks, so they run wherever checks run: at Celery
worker start (before the database may be reachable) and in tests without database access.
Django's convention for such checks is to run only for the databases asked for (``check
--database default``, ``migrate``); billing re-registers them that way.

And every payment purpose's hooks (``payments.py``) name functions that can be called
(billing.E001); the plan table (``BILLING_PLANS``, read by ``accounts.entitlements``) is
well-formed (billing.E002), ``DEFAULT_PLAN`` is one of its plans (billing.E003), and every
feature and limit it names has a label for ``/billing/plans`` (billing.W001)."""

import re
from collections.abc import Callable

from django.conf import settings
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
            for name in payments.HOOKS
        ),
        check_id="billing.E001",
    )


# A feature or limit is named like an AI feature or a permission: ``app.thing``.
SLUG = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
PLAN_KEYS = frozenset({"rank", "prices", "features", "limits"})


def _plan_problems(name, plan) -> list[str]:
    if not isinstance(plan, dict):
        return [f"plan {name!r} is not a mapping"]
    problems = [f"plan {name!r} has an unknown key {key!r}" for key in plan if key not in PLAN_KEYS]
    rank = plan.get("rank", 0)
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        problems.append(f"plan {name!r}: rank must be a whole number >= 0, not {rank!r}")
    for key in ("prices", "features"):
        values = plan.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            problems.append(f"plan {name!r}: {key} must be a list of strings")
    for feature in plan.get("features", []) if isinstance(plan.get("features"), list) else []:
        if isinstance(feature, str) and not SLUG.match(feature):
            problems.append(f"plan {name!r}: feature {feature!r} is not like 'app.feature'")
    limits = plan.get("limits", {})
    if not isinstance(limits, dict):
        problems.append(f"plan {name!r}: limits must be a mapping of name to count")
        limits = {}
    for limit, value in limits.items():
        if not SLUG.match(str(limit)):
            problems.append(f"plan {name!r}: limit {limit!r} is not like 'app.limit'")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"plan {name!r}: limit {limit!r} must be a count >= 0, not {value!r}")
    return problems


@checks.register()
def plans_are_well_formed(app_configs=None, **kwargs):
    table = settings.BILLING_PLANS
    hint = (
        'BILLING_PLANS maps plan names to {"rank": int, "prices": [...], "features": '
        '["app.feature", ...], "limits": {"app.limit": int}} (config/settings/base.py).'
    )
    if not isinstance(table, dict) or not table:
        return [checks.Error("BILLING_PLANS names no plan.", hint=hint, id="billing.E002")]
    errors = [
        checks.Error(f"BILLING_PLANS: {problem}.", hint=hint, id="billing.E002")
        for name, plan in table.items()
        for problem in _plan_problems(name, plan)
    ]
    if settings.DEFAULT_PLAN not in table:
        errors.append(
            checks.Error(
                f"DEFAULT_PLAN {settings.DEFAULT_PLAN!r} is not a plan of BILLING_PLANS "
                f"({', '.join(sorted(table))}).",
                hint="Every member without a subscription or a grant is on DEFAULT_PLAN.",
                id="billing.E003",
            )
        )
    if errors:
        return errors
    labels = settings.BILLING_FEATURE_LABELS
    named = {
        slug
        for plan in table.values()
        for slug in (*plan.get("features", []), *plan.get("limits", {}))
    }
    return [
        checks.Warning(
            f"{slug!r} of BILLING_PLANS has no label in BILLING_FEATURE_LABELS.",
            hint="/billing/plans shows the slug itself until it has one.",
            id="billing.W001",
        )
        for slug in sorted(named - set(labels))
    ]
