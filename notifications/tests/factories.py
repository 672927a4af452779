import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import Notification, NotificationPreference, ScheduledNotification


class NotificationFactory(factory.django.DjangoModelFactory):
    """An inbox entry, unread, of the ``welcome`` kind."""

    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "welcome"
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something happened."
    data = factory.LazyFunction(dict)


class ScheduledNotificationFactory(factory.django.DjangoModelFactory):
    """A pending ``welcome``, due now."""

    class Meta:
        model = ScheduledNotification

    user = factory.SubFactory(UserFactory)
    kind = "welcome"
    send_at = factory.LazyFunction(timezone.now)
    payload = factory.LazyFunction(
        lambda: {"title": "Welcome aboard", "body": "Hello there.", "data": {}}
    )


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    kind = "welcome"
