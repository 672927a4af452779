"""Create the bench user and the rows the benchmarked endpoints read, then print an access
token for that user (so the read endpoints can be measured even before login is).

Run by ``bench/run.sh`` against the freshly created bench database:

    python -m bench.seed EMAIL PASSWORD --consents 50 --coaches 30

``--coaches`` published coaches, each with weekday hours, two courses and a cached next
free time: the public catalogue (``GET /marketplace/coaches``) lists 20 of them a page.
"""

import argparse

import django

OTHER_USERS = 4  # their consents share the table, so the list has to filter by owner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("email")
    parser.add_argument("password")
    parser.add_argument("--consents", type=int, default=50)
    parser.add_argument("--coaches", type=int, default=30)
    args = parser.parse_args()

    django.setup()
    from allauth.account.models import EmailAddress
    from django.db import transaction
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Consent, Onboarding, Profile, User

    kinds = list(Consent.Kind)

    def consents_for(user: User) -> list[Consent]:
        return [
            Consent(
                user=user,
                kind=kinds[i % len(kinds)],
                version=f"2026-{i // len(kinds) + 1:02d}",
                granted=i % 4 != 3,
                source="bench",
            )
            for i in range(args.consents)
        ]

    with transaction.atomic():
        # The real hasher hashes this password once, as registration would.
        user = User.objects.create_user(email=args.email, password=args.password)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        Profile.objects.get_or_create(user=user, defaults={"display_name": "Bench User"})
        Onboarding.objects.get_or_create(user=user)
        rows = consents_for(user)
        for n in range(OTHER_USERS):
            # No usable password: nobody signs in as them, and no hashing at setup.
            other = User.objects.create_user(email=f"other{n}@bench.invalid")
            rows += consents_for(other)
        Consent.objects.bulk_create(rows)
        coaches_create(args.coaches)

    print(RefreshToken.for_user(user).access_token)


def coaches_create(count: int) -> None:
    import datetime as dt

    from django.utils import timezone

    from accounts.models import Profile, User
    from marketplace.models import Coach, Course, WeeklyRule
    from marketplace.services.coaches import next_available_refresh

    zones = ["America/New_York", "Europe/Paris", "Asia/Tokyo"]
    now = timezone.now()
    for n in range(count):
        user = User.objects.create_user(email=f"coach{n}@bench.invalid")
        Profile.objects.get_or_create(user=user, defaults={"display_name": f"Coach {n}"})
        coach = Coach.objects.create(
            user=user,
            published=True,
            published_at=now,
            headline=f"Career and leadership coach {n}",
            bio="Twenty years of helping managers grow.",
            specialties=["leadership", "career", "communication"][: 1 + n % 3],
            languages=["en", "fr"][: 1 + n % 2],
            timezone=zones[n % len(zones)],
            rating_sum=(n % 5 + 1) * 10,
            rating_count=10,
        )
        WeeklyRule.objects.bulk_create(
            WeeklyRule(coach=coach, weekday=day, start_time=dt.time(9), end_time=dt.time(17))
            for day in range(5)
        )
        Course.objects.bulk_create(
            [
                Course(coach=coach, title="Intro call", duration_minutes=30),
                Course(coach=coach, title="Session", duration_minutes=60, price_amount=6000 + n),
            ]
        )
        next_available_refresh(coach=coach, now=now)


if __name__ == "__main__":
    main()
