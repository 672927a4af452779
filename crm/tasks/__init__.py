"""The CRM's Celery tasks, one module per area; imported here so Celery's autodiscovery
(which imports ``crm.tasks``) registers them all."""

from . import imports, posts, referrals, social  # noqa: F401
