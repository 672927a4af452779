"""What one AI generation costs the platform itself, measured in-process: ``POST
/api/v1/ai/summaries`` with the offline provider and eager Celery, so one request carries
everything a generation does except the model (JWT, throttles, the quota's conditional
UPDATE, the generation row, the task, prompt rendering, the offline answer, its pydantic
validation, the stored outcome and the socket notification), against the bare view
answering the same number of bytes (``bench/bare/<size>``, bench/urls.py). Also the task
alone (what a worker spends per generation) and a read of the generation. Prints a Markdown
block.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.ai_overhead [--runs 200]

It uses ``DATABASE_URL`` / ``REDIS_URL`` as given (``bench/run.sh`` points them at the
``bench`` database and Redis db 2); without ``DATABASE_URL`` it migrates a throwaway
SQLite file. It creates its own member, lifts the AI quota out of the way (the quota check
still runs), and erases the member at the end.
"""

import argparse
import io
import json
import os
import platform
import secrets
import statistics
import tempfile
import time
from importlib import metadata

import django

TEXT = (
    "Our team moved the billing service to the new platform in six weeks. We cut the "
    "monthly infrastructure bill by a third and halved the time a deploy takes. Two "
    "incidents slowed us down: a misconfigured queue and a schema change that locked a "
    "table. Both were fixed within a day, and we wrote runbooks for each. Next quarter we "
    "want to move the invoicing jobs, add tracing to every service and train two more "
    "engineers to be on call. "
) * 2  # about 1 KB, a typical text to summarise


def _configure_environment() -> str | None:
    """Settings this measurement needs, fixed before Django starts."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["AI_API_KEY"] = ""
    os.environ["AI_QUOTAS"] = json.dumps({plan: {"*": 10**9} for plan in ("free", "premium")})
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if os.environ.get("DATABASE_URL"):
        return None
    path = os.path.join(tempfile.mkdtemp(prefix="ai-bench-"), "bench.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200, help="requests per measurement")
    args = parser.parse_args()

    scratch = _configure_environment()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from accounts.services import account_erase
    from ai import tasks
    from ai.models import Generation

    if scratch:
        call_command("migrate", verbosity=0)
    app = get_wsgi_application()
    user = User.objects.create_user(email=f"ai-bench-{secrets.token_hex(4)}@bench.invalid")
    token = str(RefreshToken.for_user(user).access_token)
    body = json.dumps({"text": TEXT}).encode()

    def call(method: str, path: str, payload: bytes = b"") -> tuple[str, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(payload)),
            "wsgi.input": io.BytesIO(payload),
            "wsgi.url_scheme": "http",
        }
        status = []
        content = b"".join(app(environ, lambda s, headers: status.append(s)))
        return status[0], content

    def measure(action) -> dict[str, float]:
        action()  # warm: imports, URL resolver, templates, connections
        cpu, wall = [], []
        for _ in range(args.runs):
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            action()
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)
        with CaptureQueriesContext(connection) as queries:
            action()
        return {
            "cpu_ms": statistics.median(cpu),
            "wall_ms": statistics.median(wall),
            "queries": len(queries),
        }

    def generate() -> None:
        status, _ = call("POST", "/api/v1/ai/summaries", body)
        if not status.startswith("202"):
            raise SystemExit(f"POST /api/v1/ai/summaries answered {status}")

    try:
        status, accepted = call("POST", "/api/v1/ai/summaries", body)
        if not status.startswith("202"):
            raise SystemExit(f"POST /api/v1/ai/summaries answered {status}: {accepted[:300]!r}")
        generation = Generation.objects.get(pk=json.loads(accepted)["id"])
        if generation.status != Generation.Status.SUCCEEDED:
            raise SystemExit(f"The generation did not succeed: {generation.error}")
        detail_path = f"/api/v1/ai/generations/{generation.pk}"
        detail_size = len(call("GET", detail_path)[1])

        results = {
            "post": measure(generate),
            "post_bare": measure(lambda: call("POST", f"/bench/bare/{len(accepted)}", body)),
            "get": measure(lambda: call("GET", detail_path)),
            "get_bare": measure(lambda: call("GET", f"/bench/bare/{detail_size}")),
        }

        # The worker's share: the task alone, on generations queued without running.
        queued = [
            Generation.objects.create(
                user=user,
                feature=generation.feature,
                provider=generation.provider,
                model=generation.model,
                prompt_version=generation.prompt_version,
                input={"text": TEXT},
                quota_cost=1,
            )
            for _ in range(args.runs + 2)
        ]
        pending = iter(queued)
        results["task"] = measure(lambda: tasks.run_generation(str(next(pending).pk)))
    finally:
        account_erase(user=user, source="bench")

    database = connection.vendor
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    post, post_bare, get, get_bare, task = (
        results[key] for key in ("post", "post_bare", "get", "get_bare", "task")
    )

    def row(label: str, status: str, size: str, entry: dict, bare: dict | None) -> str:
        bare_cell = f"{bare['cpu_ms']:.2f} ms" if bare else "-"
        return (
            f"| {label} | {status} | {size} | {entry['cpu_ms']:.2f} ms | "
            f"{entry['wall_ms']:.2f} ms | {entry['queries']} | {bare_cell} |"
        )

    lines = [
        "### AI generation overhead (offline provider, eager Celery, in-process)",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, Django "
        f"{metadata.version('django')}, DRF {metadata.version('djangorestframework')}, "
        f"pydantic {metadata.version('pydantic')}; database {database}, channel layer "
        f"{layer}; medians of {args.runs} runs; text to summarise {len(TEXT):,} characters.",
        "",
        "| request | status | response | CPU per request | wall | queries | bare view CPU |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row(
            "`POST /api/v1/ai/summaries` (the task included, eager)",
            "202",
            f"{len(accepted):,} B",
            post,
            post_bare,
        ),
        row("the task `ai.tasks.run_generation` alone", "-", "-", task, None),
        row("`GET /api/v1/ai/generations/{id}`", "200", f"{detail_size:,} B", get, get_bare),
        "",
        f"- One generation costs **{post['cpu_ms']:.1f} ms** of CPU end to end, "
        f"{post['cpu_ms'] - post_bare['cpu_ms']:.1f} ms more than the bare view answering "
        f"the same bytes; the task's share (what a worker spends, the offline answer "
        f"included) is {task['cpu_ms']:.1f} ms, the request's {post['cpu_ms'] - task['cpu_ms']:.1f} ms.",
        f"- {post['queries']} queries per generate request as Django counts them on "
        f"{database}: the member, the quota's conditional UPDATE and the generation's INSERT in one "
        "transaction; then the task's claim (a conditional UPDATE), its read and the "
        "stored outcome. A real model adds its latency on a worker, not on the request.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
