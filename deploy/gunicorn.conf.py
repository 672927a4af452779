"""Gunicorn settings for the REST API (``config.wsgi:application``).

Used by the ``web`` service of docker-compose.yml and by ``make bench``:

    gunicorn -c deploy/gunicorn.conf.py config.wsgi:application

Every value can be overridden from the environment, so a deployment tunes it without
rebuilding the image. WebSockets are not served here: ``/ws/`` goes to uvicorn (nginx routes).
"""

import os


def _env_int(name: str, default: int) -> int:
    # An empty value (a compose variable passed through unset) means the default.
    return int(os.environ.get(name) or default)


def _cpu_count() -> int:
    """CPUs this container may use: the cgroup v2 quota when one is set (``docker run
    --cpus``), else the CPUs the process may be scheduled on. ``os.cpu_count()`` alone
    would report every core of the host."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()
        if quota != "max":
            return max(1, int(quota) // int(period))
    except (OSError, ValueError):
        pass
    return len(os.sched_getaffinity(0))


bind = f"{os.environ.get('HOST') or '0.0.0.0'}:{_env_int('PORT', 8000)}"  # noqa: S104

# The usual 2 x cores + 1, capped: each worker is a full Django process (~100 MB) holding its
# own database connections, and past a dozen the CPU is saturated anyway, so more workers only
# add memory and PostgreSQL connections.
workers = _env_int("WEB_CONCURRENCY", min(2 * _cpu_count() + 1, 12))

# gthread rather than sync: the REST API is CPU-bound Python (DRF, the ORM, PBKDF2 at login),
# where both classes give the same throughput, but a few requests wait on the network (a
# Stripe checkout session, SMTP when not queued); with threads such a wait blocks one thread,
# not the whole worker. gthread also keeps connections from nginx alive between requests.
# Threads stay few because the GIL lets only one run Python at a time: more would only
# lengthen the tail. Each thread holds its own database connection (CONN_MAX_AGE), so
# PostgreSQL sees up to workers x threads connections per container.
worker_class = "gthread"
threads = _env_int("GUNICORN_THREADS", 2)

# A request still running after this long is stuck (real work over ~200 ms goes to Celery):
# the worker is killed and replaced. Graceful shutdown lets in-flight requests finish.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than nginx's upstream keepalive_timeout (60 s), so nginx always closes an idle
# connection first and never sends a request on one gunicorn is closing.
keepalive = _env_int("GUNICORN_KEEPALIVE", 65)

# Recycle workers now and then so a slow leak cannot grow without bound; the jitter keeps
# them from restarting at the same moment. A restart costs about a second of CPU (Django's
# start-up), so it has to stay rare even when a worker serves a thousand requests a second.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# The worker heartbeat file on tmpfs: a container's overlay filesystem can stall it long
# enough for the master to think the worker hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Logs to stdout/stderr for the container runtime; request time (%(M)s ms) in the access log.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Only the proxy may set X-Forwarded-*; docker-compose.yml sets FORWARDED_ALLOW_IPS because
# the web container is reachable only on the compose network, from nginx.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The runtime control socket is unused; without it no file is written to $HOME.
control_socket_disable = True
