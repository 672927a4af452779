from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # The plan every app asks accounts.selectors.plan_for comes from the PLAN_PROVIDER
        # setting (billing.selectors.plan_for), not from a registration here.
        from . import checks, webhooks  # noqa: F401  (webhooks: dj-stripe handlers)

        checks.register_database_checks()
