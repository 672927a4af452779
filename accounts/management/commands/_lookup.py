"""How operator commands name a member: by id or by email address."""

import uuid

from django.core.management.base import CommandError

from accounts.addresses import normalise_email
from accounts.models import User


def user_from_identifier(value: str) -> User:
    """A value that parses as a UUID is the user's id; anything else is their email
    (compared lower-case, as it is stored)."""
    try:
        lookup = {"pk": uuid.UUID(value)}
    except ValueError:
        lookup = {"email": normalise_email(value)}
    try:
        return User.objects.get(**lookup)
    except User.DoesNotExist:
        raise CommandError(f"No user with id or email {value!r}.") from None
