"""Demo tiers and posts for `make run`, so the directory and feed are not empty."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from community.models import Membership, Post, Tier

DEMO_TIERS = [
    ("member", "Member", 0, "The feed, the directory and messages."),
    ("pro", "Pro", 10, "A monthly group coaching call and priority answers."),
    ("founding", "Founding member", 20, "Everything in Pro, and a say in what is built next."),
]

# (author email, tier slug, title, content): the members that seed_demo creates.
DEMO_POSTS = [
    (
        "ada@example.com",
        "founding",
        "Hello from Ada",
        "I coach career changers moving into research roles. Ask me anything about "
        "turning a portfolio into interviews.",
    ),
    (
        "grace@example.com",
        "pro",
        "What I learned negotiating my first contract",
        "Anchor on the outcome you deliver, not on your hours. Happy to compare notes.",
    ),
]


class Command(BaseCommand):
    help = (
        "Create demo tiers, and give the seed_demo members a tier and a post (run seed_demo "
        "first). Idempotent: what already exists is left as it is."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.DJANGO_ENV == "production":
            raise CommandError("community_demo writes demo content; not in production.")
        tiers = {}
        for slug, name, rank, perks in DEMO_TIERS:
            tiers[slug], created = Tier.objects.get_or_create(
                slug=slug, defaults={"name": name, "rank": rank, "perks": perks}
            )
            if created:
                self.stdout.write(f"tier {name}")
        users = get_user_model().objects.in_bulk(
            [email for email, *_ in DEMO_POSTS], field_name="email"
        )
        for email, tier, title, content in DEMO_POSTS:
            user = users.get(email)
            if user is None:
                self.stdout.write(f"{email} does not exist; run seed_demo first.")
                continue
            Membership.objects.get_or_create(user=user, defaults={"tier": tiers[tier]})
            _, created = Post.objects.get_or_create(
                author=user, title=title, defaults={"content": content}
            )
            if created:
                self.stdout.write(f"post {title!r} by {email}")
