import factory

from accounts.tests.factories import UserFactory
from community.models import Block, Comment, Like, Membership, Post, Report, Tier


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    slug = factory.Sequence(lambda n: f"tier-{n}")
    rank = factory.Sequence(lambda n: n)
    perks = "Monthly office hours."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tier = factory.SubFactory(TierFactory)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Post {n}")
    content = "What helped you most in your first month as a freelancer?"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    content = "Saying no to the wrong clients."


class LikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Like

    post = factory.SubFactory(PostFactory)
    user = factory.SubFactory(UserFactory)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    post = factory.SubFactory(PostFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = Report.Reason.SPAM


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)
