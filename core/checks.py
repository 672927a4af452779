"""System checks that keep later apps honest, and deployments told where they live."""

from django.conf import settings
from django.core import checks

from . import links, privacy


@checks.register(checks.Tags.models)
def every_user_model_is_registered_for_privacy(app_configs=None, **kwargs):
    """A model that points at the user must say how it is exported and erased."""
    errors = []
    for model, field in privacy.user_foreign_keys():
        if not privacy.registry.is_registered(model):
            errors.append(
                checks.Error(
                    f"{model._meta.label}.{field} points at the user but the model is not "
                    "registered with core.privacy.",
                    hint="Register it in the app's privacy.py (see core/privacy.py).",
                    obj=model,
                    id="core.E001",
                )
            )
    return errors


@checks.register(deploy=True)
def public_url_is_known(app_configs=None, **kwargs):
    """Emails written with no request behind them (the verification reminder, unsubscribe
    links) and Stripe's return URLs need the platform's address; without one they name the
    laptop's (``core.links``)."""
    if settings.PUBLIC_URL or settings.FRONTEND_URL:
        return []
    return [
        checks.Warning(
            "Neither PUBLIC_URL nor FRONTEND_URL is set: links written with no request "
            "behind them (the verification reminder, unsubscribe links, Stripe's return "
            f"URLs) point at {links.LOCAL_URL}.",
            hint="Set PUBLIC_URL to the platform's public address, e.g. https://api.example.com.",
            id="core.W001",
        )
    ]
