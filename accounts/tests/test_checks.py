"""System checks: ``PLAN_PROVIDER`` and every ``USER_ADMIN_INLINES`` entry import."""

from django.core import checks

from accounts.checks import plan_provider_resolves, user_admin_inlines_resolve


def test_the_configured_paths_pass_the_system_checks():
    assert plan_provider_resolves() == []
    assert user_admin_inlines_resolve() == []


def test_an_unset_plan_provider_passes(settings):
    # given
    settings.PLAN_PROVIDER = ""

    # when
    errors = plan_provider_resolves()

    # then
    assert errors == []


def test_the_system_check_names_a_plan_provider_that_does_not_import(settings):
    # given
    settings.PLAN_PROVIDER = "billing.selectors.no_such_function"

    # when
    errors = plan_provider_resolves()

    # then
    assert [(e.id, e.msg) for e in errors] == [
        (
            "accounts.E001",
            "The PLAN_PROVIDER setting names 'billing.selectors.no_such_function', which does "
            'not import: Module "billing.selectors" does not define a "no_such_function" '
            "attribute/class.",
        )
    ]
    assert all(isinstance(e, checks.Error) for e in errors)


def test_the_system_check_names_each_user_admin_inline_that_does_not_import(settings):
    # given
    settings.USER_ADMIN_INLINES = [
        "billing.admin.StripeCustomerInline",
        "nowhere.admin.Inline",
    ]

    # when
    errors = user_admin_inlines_resolve()

    # then
    assert [(e.id, e.msg) for e in errors] == [
        (
            "accounts.E002",
            "The USER_ADMIN_INLINES setting names 'nowhere.admin.Inline', which does not "
            "import: No module named 'nowhere'.",
        )
    ]
    assert all(isinstance(e, checks.Error) for e in errors)
