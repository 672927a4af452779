"""System checks: every declared AI feature has its prompt templates, its ``on_finish`` and
``offline`` name functions that can be called, and so do the member context providers of
``AI_MEMBER_CONTEXT``."""

from django.core import checks
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines

from core import hooks

from . import context, features


@checks.register(checks.Tags.templates)
def every_feature_has_its_prompts(app_configs=None, **kwargs):
    errors = []
    for feature in features.all_features():
        names = [feature.system_template]
        if feature.structured:
            names.append(feature.user_template)
        for name in names:
            try:
                engines["django"].get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
                errors.append(
                    checks.Error(
                        f"The AI feature {feature.name!r} has no usable prompt template {name}: "
                        f"{exc.__class__.__name__}.",
                        hint="Add it under templates/prompts/ (see ai/features.py).",
                        id="ai.E001",
                    )
                )
    return errors


@checks.register()
def every_on_finish_resolves(app_configs=None, **kwargs):
    return hooks.errors(
        (
            (f"AI feature {feature.name!r} on_finish", feature.on_finish)
            for feature in features.all_features()
        ),
        check_id="ai.E002",
    )


@checks.register()
def every_offline_answer_resolves(app_configs=None, **kwargs):
    return hooks.errors(
        (
            (f"AI feature {feature.name!r} offline", feature.offline)
            for feature in features.all_features()
        ),
        check_id="ai.E003",
    )


@checks.register()
def every_member_context_provider_resolves(app_configs=None, **kwargs):
    """``AI_MEMBER_CONTEXT`` names functions that accept ``user`` by keyword."""
    return hooks.errors(
        ((f"AI_MEMBER_CONTEXT entry {hook.path!r}", hook) for hook in context.providers()),
        check_id="ai.E004",
    )
