"""The Celery app reads Django's settings and every beat entry names a registered task."""

import threading

from celery import current_app

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


def test_the_app_is_celerys_current_app_in_every_thread():
    # given: core.health's broker check runs in a thread of its own and finds the app as
    # celery.current_app, since core imports nothing above it
    found = []

    # when
    thread = threading.Thread(target=lambda: found.append(current_app._get_current_object()))
    thread.start()
    thread.join()

    # then
    assert found == [celery_app]
