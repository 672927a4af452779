"""``DJANGO_ENV=production`` selects the hardened settings; anything else is development."""

import os

if os.environ.get("DJANGO_ENV") == "production":
    from .production import *  # noqa: F403
else:
    from .base import *  # noqa: F403
