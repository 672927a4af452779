"""System checks that keep later apps honest."""

from django.core import checks

from . import privacy


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
