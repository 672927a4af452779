"""System checks: the dotted paths accounts is configured with (``PLAN_PROVIDER`` and
``PLANS_PROVIDER``, the functions that answer ``selectors.plan_for`` and ``plans_for``, and
``USER_ADMIN_INLINES``, the inlines other
apps add to the user's admin page) import, so a typo fails at start-up rather than on the
first request that needs them."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string


def _unresolved(paths: Iterable[tuple[str, str]], *, check_id: str) -> list[checks.Error]:
    errors = []
    for setting, path in paths:
        try:
            import_string(path)
        except ImportError as exc:
            errors.append(
                checks.Error(
                    f"The {setting} setting names {path!r}, which does not import: {exc}.",
                    hint="Name it by its dotted path (see config/settings/base.py).",
                    id=check_id,
                )
            )
    return errors


@checks.register()
def plan_provider_resolves(app_configs=None, **kwargs) -> list[checks.Error]:
    """``PLAN_PROVIDER`` and ``PLANS_PROVIDER`` (when set) name importable functions."""
    paths = [(name, getattr(settings, name)) for name in ("PLAN_PROVIDER", "PLANS_PROVIDER")]
    return _unresolved([(name, path) for name, path in paths if path], check_id="accounts.E001")


@checks.register(checks.Tags.admin)
def user_admin_inlines_resolve(app_configs=None, **kwargs) -> list[checks.Error]:
    """Every entry of ``USER_ADMIN_INLINES`` names an importable inline class."""
    return _unresolved(
        (("USER_ADMIN_INLINES", path) for path in settings.USER_ADMIN_INLINES),
        check_id="accounts.E002",
    )
