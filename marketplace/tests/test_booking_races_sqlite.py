"""The SQLite side of "ten bookings of one slot give exactly one": on a file database, in a
process of its own (marketplace/tests/sqlite_race.py explains why), whatever database the
rest of the suite runs on."""

import json
import os
import subprocess
import sys

from django.conf import settings


def test_ten_bookings_of_one_slot_on_a_sqlite_file_give_exactly_one(tmp_path):
    # given: a clean environment but for the settings module
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

    # when
    run = subprocess.run(
        [sys.executable, "-m", "marketplace.tests.sqlite_race", str(tmp_path / "race.sqlite3")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    # then: one booking, nine 409s, and the trigger refuses a row written past the service
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["outcomes"] == ["booked"] + ["slot_unavailable"] * 9
    assert result["confirmed"] == 1
    assert "booking_no_overlap" in result["direct_insert"]
