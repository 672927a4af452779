"""Settings of the server that ``bench/ws_messaging.py`` starts: ``bench.settings`` (the
base settings, the bench URLs, throttles that count but never refuse) with the channel
layer that ``BENCH_WS_LAYER`` names and the socket's frame-rate limit off.

- ``BENCH_WS_LAYER=redis`` (default): channels-redis on ``REDIS_URL``, as production.
- ``BENCH_WS_LAYER=memory``: the in-memory layer, same capacity; the cache (throttle
  counters, tickets) stays on Redis, so only the layer differs between the two runs.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from bench.settings import *  # noqa: F403
from bench.settings import REST_FRAMEWORK, THROTTLE_RATES

# DRF's throttles keep the time of every request of their window in one cache entry. At
# "1000000/min" a member sending hundreds of messages a second would read and write a list
# of tens of thousands of timestamps on every send, a cost production (60/min, so at most
# 60 entries) never pays; a one-second window keeps the entry as short as the send rate.
THROTTLE_RATES = {scope: "1000000/s" for scope in THROTTLE_RATES}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": THROTTLE_RATES}

# Each bench client sends far more than the 20 frames a second a socket may (core.consumers).
WS_MAX_FRAMES_PER_SECOND = 0

BENCH_WS_LAYER = os.environ.get("BENCH_WS_LAYER", "redis")
if BENCH_WS_LAYER == "memory":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 60},
        }
    }
elif BENCH_WS_LAYER != "redis" or "channels_redis" not in CHANNEL_LAYERS["default"]["BACKEND"]:  # noqa: F405
    raise ImproperlyConfigured("BENCH_WS_LAYER is 'memory' or 'redis' (which needs REDIS_URL).")
