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


def conversation_between(a, b):
    """The conversation of members ``a`` and ``b`` (users or ids), created if need be."""
    from community.models import Conversation

    a_id, b_id = getattr(a, "pk", a), getattr(b, "pk", b)
    low, high = sorted([a_id, b_id], key=str)
    conversation, _ = Conversation.objects.get_or_create(user_low_id=low, user_high_id=high)
    return conversation


class MessageFactory(factory.django.DjangoModelFactory):
    """A message from ``sender`` to ``recipient`` in their conversation, which it becomes
    the last message of (as ``message_send`` would make it)."""

    class Meta:
        model = "community.Message"
        skip_postgeneration_save = True

    sender = factory.SubFactory(UserFactory)
    recipient = factory.SubFactory(UserFactory)
    conversation = factory.LazyAttribute(lambda o: conversation_between(o.sender, o.recipient))
    content = factory.Sequence(lambda n: f"Message {n}")
    read_at = None
    # A message read was delivered (a check constraint), at the latest when it was read.
    delivered_at = factory.LazyAttribute(lambda o: o.read_at)

    @factory.post_generation
    def last_of_its_conversation(self, create, extracted, **kwargs):
        if create:
            type(self.conversation).objects.filter(pk=self.conversation_id).update(
                last_message=self, last_message_at=self.created_at
            )
