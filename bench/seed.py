"""Create the bench user and the rows the benchmarked endpoints read, then print an access
token for that user (so the read endpoints can be measured even before login is).

Run by ``bench/run.sh`` against the freshly created bench database:

    python -m bench.seed EMAIL PASSWORD --consents 50
"""

import argparse

import django

OTHER_USERS = 4  # their consents share the table, so the list has to filter by owner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("email")
    parser.add_argument("password")
    parser.add_argument("--consents", type=int, default=50)
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

    print(RefreshToken.for_user(user).access_token)


if __name__ == "__main__":
    main()
