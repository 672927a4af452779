"""Factories of the CRM's rows. Contact details go through the same normalisation and
blind index as the services, so a factory's customer is found and deduplicated like one
created through the API."""

import datetime as dt

import factory

from accounts.tests.factories import UserFactory
from crm.contacts import contact_index


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Customer"
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = ""
    phone = ""
    email_index = factory.LazyAttribute(lambda o: contact_index(o.owner.pk, "email", o.email))
    phone_index = factory.LazyAttribute(lambda o: contact_index(o.owner.pk, "phone", o.phone))
    status = "active"

    @factory.post_generation
    def tags(self, create, names, **kwargs):
        if not create or not names:
            return
        for name in names:
            tag, _ = self.owner.crm_tags.get_or_create(name=name)
            self.tags.add(tag)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Interaction"

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    kind = "call"
    occurred_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    notes = ""


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Tag"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"tag-{n}")


class SocialAccountFactory(factory.django.DjangoModelFactory):
    """An active account; ``access_token`` is what the fake Graph server accepts
    (crm/tests/fake_graph.py) when the test gives it one."""

    class Meta:
        model = "crm.SocialAccount"

    owner = factory.SubFactory(UserFactory)
    platform = "facebook"
    external_id = factory.Sequence(lambda n: f"{1000 + n}")
    name = factory.Sequence(lambda n: f"Page {n}")
    status = "active"
    access_token = factory.Sequence(lambda n: f"page-token-{n}")
    scopes = factory.LazyFunction(lambda: ["pages_manage_posts", "pages_read_engagement"])
