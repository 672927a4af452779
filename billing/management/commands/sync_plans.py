from django.core.management.base import BaseCommand, CommandError

from billing import services
from core.exceptions import DomainError


class Command(BaseCommand):
    help = "Mirror every Stripe product and price into dj-stripe's tables (needs Stripe keys)."

    def handle(self, *args, **options):
        try:
            counts = services.plans_sync()
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} synced")
