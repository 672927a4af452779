import hashlib
import hmac

from django.conf import settings

from core import privacy

from .models import Event


def pseudonymise(events, user) -> int:
    pseudonym = hmac.new(
        settings.SECRET_KEY.encode(), f"event-subject:{user.pk}".encode(), hashlib.sha256
    ).hexdigest()
    return events.update(user=None, pseudonym=pseudonym)


privacy.register(
    Event,
    export_fields=("id", "name", "properties", "occurred_at"),
    erase=pseudonymise,
)
# Other members' events may carry the member's id in their properties.
privacy.register_mentions(Event, fields=("properties",))
