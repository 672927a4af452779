"""Hears allauth: an address confirmed through allauth is an analytics event."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from analytics.services import track


@receiver(email_confirmed)
def track_email_verified(sender, request, email_address, **kwargs) -> None:
    track("email_verified", email_address.user)
