"""The Celery app. It reads every ``CELERY_*`` Django setting (eager on a laptop, Redis when
``REDIS_URL`` is set, the beat schedule in ``CELERY_BEAT_SCHEDULE``) and finds each app's
``tasks.py``.

Run at scale with ``celery -A config worker`` and ``celery -A config beat``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("platform")
# The default in every thread, not only the current one of the thread that made it: code
# below config (core.health's broker check, which runs in a thread of its own) reaches it
# as ``celery.current_app`` rather than by importing config.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
