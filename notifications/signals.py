"""Hears allauth: a new member gets the welcome and, a day later unless they have verified
their address by then, a verification reminder."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from . import services


@receiver(user_signed_up)
def schedule_signup_notifications(sender, request, user, **kwargs) -> None:
    # accounts sends the signal once the registration has committed.
    services.signup_notifications_schedule(user=user)
