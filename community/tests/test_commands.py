from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from community.models import Membership, Post, Tier

pytestmark = pytest.mark.django_db


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_community_demo_gives_the_demo_members_tiers_and_posts():
    # given
    run("seed_demo")

    # when
    output = run("community_demo")

    # then
    assert list(Tier.objects.values_list("slug", "rank")) == [
        ("founding", 20),
        ("pro", 10),
        ("member", 0),
    ]
    assert sorted(Membership.objects.values_list("user__email", "tier__slug")) == [
        ("ada@example.com", "founding"),
        ("grace@example.com", "pro"),
    ]
    assert sorted(Post.objects.values_list("author__email", "title")) == [
        ("ada@example.com", "Hello from Ada"),
        ("grace@example.com", "What I learned negotiating my first contract"),
    ]
    assert "post 'Hello from Ada' by ada@example.com" in output


def test_community_demo_runs_twice_without_duplicating_anything():
    # given
    run("seed_demo")
    run("community_demo")

    # when
    output = run("community_demo")

    # then
    assert output == ""
    assert (Tier.objects.count(), Membership.objects.count(), Post.objects.count()) == (3, 2, 2)


def test_community_demo_without_the_demo_members_only_creates_tiers():
    # when
    output = run("community_demo")

    # then
    assert Tier.objects.count() == 3
    assert Post.objects.count() == 0
    assert "ada@example.com does not exist; run seed_demo first." in output


def test_community_demo_refuses_to_run_in_production(settings):
    # given
    settings.DJANGO_ENV = "production"

    # when / then
    with pytest.raises(CommandError, match="not in production"):
        run("community_demo")
    assert Tier.objects.count() == 0
