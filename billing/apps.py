from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from accounts import selectors as account_selectors

        from . import checks, selectors, webhooks  # noqa: F401  (webhooks: dj-stripe handlers)

        account_selectors.register_plan_provider(selectors.plan_for)
        checks.register_database_checks()
