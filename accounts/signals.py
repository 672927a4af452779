"""Hears allauth (an address confirmed through allauth is an analytics event) and the
creation of users by Django itself (``createsuperuser``, the admin, the ORM)."""

from allauth.account.signals import email_confirmed
from django.db.models.signals import post_save
from django.dispatch import receiver

from analytics.services import track

from . import services
from .models import User


@receiver(email_confirmed)
def track_email_verified(sender, request, email_address, **kwargs) -> None:
    track("email_verified", email_address.user)


@receiver(post_save, sender=User, dispatch_uid="accounts.user_rows_on_create")
def user_rows_on_create(sender, instance: User, created: bool, raw: bool, **kwargs) -> None:
    """Every user gets a profile and an onboarding row, however they were made.

    Accounts' own model, heard by accounts: not a signal between apps. A receiver rather
    than the manager, because Django creates users on paths that never reach
    ``create_user`` (the admin's add form saves the form's instance; ``User.objects.create``
    skips the manager's helpers), and a view of ``/me/profile`` by any of them was a 500.
    Fixture loading (``raw``) is left alone: the fixture carries its own rows, and a
    missing one is made when first read."""
    if created and not raw:
        services.user_rows_ensure(user=instance)
