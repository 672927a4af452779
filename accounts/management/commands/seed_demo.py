import secrets
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import choices, services
from accounts.models import Profile, User


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    company: str
    position: str
    staff: bool = False
    onboarded: bool = False
    skills: list[str] = field(default_factory=list)


DEMO_ACCOUNTS = [
    DemoAccount("admin@example.com", "Demo Admin", "Platform", "Operations", staff=True),
    DemoAccount(
        "ada@example.com",
        "Ada Lovelace",
        "Analytical Engines Ltd",
        "Head of Research",
        onboarded=True,
        skills=[choices.Skill.STORYTELLING, choices.Skill.PUBLIC_SPEAKING],
    ),
    DemoAccount(
        "grace@example.com",
        "Grace Hopper",
        "Compiler Works",
        "Principal Engineer",
        onboarded=True,
        skills=[choices.Skill.NEGOTIATION, choices.Skill.ASSERTIVENESS],
    ),
    DemoAccount("linus@example.com", "Linus Torvalds", "Kernel Co-op", "Maintainer"),
]


class Command(BaseCommand):
    help = (
        "Create the demo accounts for `make run` (a staff superuser and three verified "
        "members). Idempotent: existing accounts are left as they are, and a password is "
        "printed only when its account is created."
    )

    def handle(self, *args, **options):
        if settings.DJANGO_ENV == "production":
            raise CommandError("seed_demo creates accounts with known emails; not in production.")
        existing = set(
            User.objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS]).values_list(
                "email", flat=True
            )
        )
        created = []
        for account in DEMO_ACCOUNTS:
            if account.email in existing:
                continue
            password = secrets.token_urlsafe(12)
            _create(account, password)
            created.append(
                (account.email, password, "staff superuser" if account.staff else "member")
            )

        if existing:
            self.stdout.write(
                f"Demo accounts already exist ({', '.join(sorted(existing))}); their passwords "
                "are not shown again."
            )
        if created:
            self._print_box(created)

    def _print_box(self, rows: list[tuple[str, str, str]]) -> None:
        header = ("email", "password", "role")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
        rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

        def line(cells) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        self.stdout.write("Demo accounts created. Passwords are shown this once; note them now.")
        self.stdout.write("\n".join([rule, line(header), rule, *map(line, rows), rule]))


@transaction.atomic
def _create(account: DemoAccount, password: str) -> User:
    """The rows registration would create, with the address already verified: seeding
    sends no verification email (it would print a live verification key to the console)."""
    if account.staff:
        user = User.objects.create_superuser(email=account.email, password=password)
    else:
        user = User.objects.create_user(email=account.email, password=password)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    # The empty profile and onboarding came with the user (services.user_rows_ensure).
    Profile.objects.filter(user=user).update(
        display_name=account.display_name,
        company=account.company,
        position=account.position,
    )
    services.consents_record_registration(user=user, marketing_opt_in=False)
    if account.onboarded:
        services.onboarding_verify_age(user=user, birth_year=1980)
        services.onboarding_set_preferences(
            user=user,
            target_preferences=[choices.TargetPreference.PROFESSIONAL],
            goals=[choices.Goal.CAREER_GROWTH, choices.Goal.LEADERSHIP],
        )
        services.onboarding_set_skill_goals(
            user=user,
            primary_skills=account.skills,
            specific_challenges=[choices.Challenge.GIVING_FEEDBACK],
            experience_level=choices.ExperienceLevel.INTERMEDIATE,
            practice_frequency=choices.PracticeFrequency.WEEKLY,
        )
        services.onboarding_complete(user=user)
    return user
