"""A kind whose email cannot be rendered, or whose hook cannot be called, should fail at
start-up, not in a worker later."""

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from core import hooks

from . import kinds

EMAIL_FILES = ("subject.txt", "body.txt", "body.html")


@checks.register(checks.Tags.templates)
def every_kind_has_its_email_templates(app_configs=None, **kwargs):
    errors = []
    for kind in kinds.all_kinds():
        if kind.essential and not kind.email:
            continue  # never emailed: nobody can switch its email on
        for name in EMAIL_FILES:
            path = f"emails/{kind.template}/{name}"
            try:
                get_template(path)
            except TemplateDoesNotExist:
                errors.append(
                    checks.Error(
                        f"The notification kind {kind.name!r} has no template {path}.",
                        hint="Add it, or register the kind with email_template='notification' "
                        "for the generic one.",
                        id="notifications.E001",
                    )
                )
    return errors


@checks.register()
def every_kind_hook_resolves(app_configs=None, **kwargs):
    return hooks.errors(
        (
            (f"notification kind {kind.name!r} {name}", getattr(kind, name))
            for kind in kinds.all_kinds()
            for name in ("skip_reason", "email_context")
        ),
        check_id="notifications.E002",
    )
