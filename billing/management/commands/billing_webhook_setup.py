from django.core.management.base import BaseCommand, CommandError

from billing import services


class Command(BaseCommand):
    help = (
        "Store STRIPE_WEBHOOK_UUID and STRIPE_WEBHOOK_SECRET in dj-stripe's WebhookEndpoint "
        "row, which verifies the signatures of /api/v1/stripe/webhook/<uuid>/."
    )

    def handle(self, *args, **options):
        endpoint = services.webhook_endpoint_ensure()
        if endpoint is None:
            raise CommandError("Set STRIPE_WEBHOOK_UUID and STRIPE_WEBHOOK_SECRET first.")
        self.stdout.write(f"Stripe webhook: /api/v1/stripe/webhook/{endpoint.djstripe_uuid}/")
