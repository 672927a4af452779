from django.core.management.base import BaseCommand

from billing import services


class Command(BaseCommand):
    help = (
        "Create local demo plans (a product and a monthly price per paid plan) for a laptop "
        "without Stripe. They exist only in this database, marked demo."
    )

    def handle(self, *args, **options):
        for price_id in services.demo_plans_create():
            self.stdout.write(f"demo price {price_id} (not in Stripe)")
