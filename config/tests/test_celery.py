"""The Celery app reads Django's settings and every beat entry names a registered task."""

from config import celery_app


def test_every_beat_entry_names_a_registered_task(settings):
    celery_app.loader.import_default_modules()

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "accounts.tasks.purge_expired" in scheduled
    assert scheduled <= set(celery_app.tasks)


def test_tasks_are_acknowledged_late_with_time_limits(settings):
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
