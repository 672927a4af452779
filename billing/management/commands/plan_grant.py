import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing import selectors, services
from core.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Give a member a plan without Stripe (a complimentary grant, audited; their plan "
        "follows at once), or with --end end their grants in force now."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The member's email address.")
        parser.add_argument(
            "plan", nargs="?", help="A plan of BILLING_PLANS; with --end, only grants of it."
        )
        parser.add_argument(
            "--days", type=int, help="The grant ends after this many days (default: never)."
        )
        parser.add_argument("--reason", default="", help="Why; required to grant.")
        parser.add_argument("--end", action="store_true", help="End the member's grants now.")

    def handle(self, *args, email, plan, days, reason, end, **options):
        user = get_user_model().objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No member has the address {email}.")
        if end:
            self._end(user, plan)
        else:
            self._grant(user, plan, days, reason)

    def _grant(self, user, plan, days, reason):
        if not plan:
            raise CommandError("Name the plan to grant (or pass --end).")
        if not reason.strip():
            raise CommandError('Say why with --reason "...".')
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        ends_at = timezone.now() + dt.timedelta(days=days) if days is not None else None
        try:
            grant = services.grant_create(
                user=user, plan=plan, ends_at=ends_at, reason=reason.strip()
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        until = f"until {grant.ends_at:%Y-%m-%d %H:%M} UTC" if grant.ends_at else "until ended"
        self.stdout.write(
            f"Granted {grant.plan} to {user.email} {until} (grant {grant.pk}); "
            f"their plan is now {selectors.plan_for(user)}."
        )

    def _end(self, user, plan):
        current = selectors.grants_current(user)
        if plan:
            current = current.filter(plan=plan)
        grants = list(current)
        if not grants:
            self.stdout.write(f"{user.email} has no grant in force{f' of {plan}' if plan else ''}.")
            return
        for grant in grants:
            services.grant_end(grant=grant)
            self.stdout.write(f"Ended the {grant.plan} grant {grant.pk} of {user.email}.")
        self.stdout.write(f"Their plan is now {selectors.plan_for(user)}.")
