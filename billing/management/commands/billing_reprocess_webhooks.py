from django.core.management.base import BaseCommand
from djstripe.models import WebhookEventTrigger


class Command(BaseCommand):
    help = (
        "Process again the verified Stripe webhooks whose handling failed (a bug fixed "
        "since, a service that was down). Events already handled are not handled twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit, **options):
        failed = WebhookEventTrigger.objects.filter(valid=True, processed=False).order_by("created")
        done = errors = 0
        for trigger in failed[:limit]:
            try:
                trigger.process()
            except Exception as exc:  # noqa: BLE001  (report it and carry on with the rest)
                errors += 1
                self.stderr.write(f"trigger {trigger.pk}: {exc}")
            else:
                done += 1
        self.stdout.write(f"reprocessed {done}, still failing {errors}")
