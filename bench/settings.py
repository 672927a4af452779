"""Settings for ``make bench``: the laptop/production base settings, the bench URLs (the
project's plus bare views), and throttles that count but never refuse.

Everything else comes from the environment exactly as in production (``bench/run.sh`` sets
``DATABASE_URL``, ``REDIS_URL`` and the keys). The password hasher is deliberately left at
Django's default PBKDF2: the login numbers are only meaningful with the real work factor.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK, THROTTLE_RATES

ROOT_URLCONF = "bench.urls"
DEBUG = False

# Every scope, including ones other apps add to THROTTLE_RATES, gets a rate no run can reach:
# the throttles still do their cache round-trips (part of the real cost) but never answer 429.
THROTTLE_RATES = {scope: "1000000/min" for scope in THROTTLE_RATES}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": THROTTLE_RATES}
