"""End to end on the real services: a Celery worker process, fed through Redis, runs a
generation against the test database (CI runs it; a laptop without the services skips)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from ai import services
from ai.ai_features import TEXT_SUMMARY, TextSummary
from ai.models import Generation
from config.celery import app as celery_app

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

WAIT_SECONDS = 30


def url_of_the_test_database() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path: Path):
    """``celery -A config worker`` with the laptop/production settings (not the test ones,
    which run tasks inline), on the test database, offline AI provider."""
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DATABASE_URL": url_of_the_test_database(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "AI_API_KEY": "",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"ai-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    process.log = log
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def tasks_sent_to_the_broker():
    """The test settings run tasks inline; this test sends them to Redis instead."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def test_a_worker_runs_a_generation_end_to_end(member, worker, tasks_sent_to_the_broker):
    # when
    generation = services.generate(
        user=member, feature=TEXT_SUMMARY.name, inputs={"text": "Tea is grown on hills."}
    )

    # then
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and worker.poll() is None:
        generation.refresh_from_db()
        if generation.status not in (Generation.Status.QUEUED, Generation.Status.RUNNING):
            break
        time.sleep(0.2)
    log = worker.log.read_text(errors="replace")[-3000:]
    assert (generation.status, generation.provider, generation.attempts) == (
        "succeeded",
        "offline",
        1,
    ), log
    assert TextSummary.model_validate(generation.output).title == "Tea is grown on hills"
