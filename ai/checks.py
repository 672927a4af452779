"""System checks: every declared AI feature has its prompt templates, its ``on_finish`` and
``offline`` name functions that can be called, and so do the member context providers of
``AI_MEMBER_CONTEXT``; ``AI_PRICES`` has the shape costs are computed from."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
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


@checks.register()
def every_price_is_a_number(app_configs=None, **kwargs):
    """``AI_PRICES`` maps models to ``{"input_per_million": n, "output_per_million": n}``:
    checked at start-up, since recording a generation prices it and must not fail then."""
    prices = settings.AI_PRICES
    if not isinstance(prices, dict):
        return [checks.Error("AI_PRICES must be a JSON object of models.", id="ai.E005")]
    errors = []
    for model, price in prices.items():
        try:
            valid = isinstance(price, dict) and all(
                Decimal(str(price[key])) >= 0 for key in ("input_per_million", "output_per_million")
            )
        except (KeyError, InvalidOperation):
            valid = False
        if not valid:
            errors.append(
                checks.Error(
                    f"AI_PRICES[{model!r}] must be {{input_per_million, output_per_million}}, "
                    "each a number of US dollars of at least 0.",
                    id="ai.E005",
                )
            )
    return errors
