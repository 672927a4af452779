"""CPU time of one request to each endpoint and to its bare twin (medians), measured in-process
through the WSGI handler (no server, no network, no other process), and of one password check
with the configured hasher (Django's default PBKDF2), alternated with the logins. wrk's numbers depend on whatever else the
machine runs; these do not, and they show where a request's time goes. Prints one JSON object.

    python -m bench.cpucost --token ACCESS "GET /api/v1/auth/me" "POST /api/v1/auth/login"

A POST sends the bench user's credentials (BENCH_EMAIL, BENCH_PASSWORD) as its JSON body.
"""

import argparse
import io
import json
import os
import secrets
import statistics
import time

import django

RUNS = {"GET": 200, "POST": 8}  # a login spends a quarter of a second hashing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", required=True, help="access token for the GET requests")
    parser.add_argument("endpoints", nargs="+", metavar="METHOD PATH")
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth.hashers import check_password, get_hasher, make_password
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    login_body = json.dumps(
        {"email": os.environ["BENCH_EMAIL"], "password": os.environ["BENCH_PASSWORD"]}
    ).encode()

    def call(method: str, target: str) -> tuple[str, int]:
        path, _, query = target.partition("?")
        body = login_body if method == "POST" else b""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {args.token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
        }
        status = []
        content = b"".join(app(environ, lambda s, headers: status.append(s)))
        return status[0], len(content)

    hasher = get_hasher()
    password = secrets.token_urlsafe(16)
    encoded = make_password(password)

    def check() -> None:
        if not check_password(password, encoded):
            raise SystemExit("check_password rejected the password it was given")

    def cpu_ms(action) -> float:
        start = time.process_time()
        action()
        return (time.process_time() - start) * 1000

    def median_ms(method: str, target: str, samples: list[float] | None = None) -> float:
        call(method, target)  # warm: imports, URL resolver, connections
        timings = []
        for _ in range(RUNS[method]):
            timings.append(cpu_ms(lambda: call(method, target)))
            if samples is not None:
                # Alternating with the requests, the hash sees the same machine they do.
                samples.append(cpu_ms(check))
        return round(statistics.median(timings), 2)

    hash_samples: list[float] = []
    requests = {}
    for spec in args.endpoints:
        method, target = spec.split(maxsplit=1)
        status, size = call(method, target)
        entry = {"status": status, "bytes": size, "cpu_ms": None, "bare_cpu_ms": None}
        if status.startswith("200"):
            entry["cpu_ms"] = median_ms(method, target, hash_samples if method == "POST" else None)
            entry["bare_cpu_ms"] = median_ms(method, f"/bench/bare/{size}")
        requests[spec] = entry
    if not hash_samples:
        hash_samples = [cpu_ms(check) for _ in range(RUNS["POST"])]

    print(
        json.dumps(
            {
                "hash": {
                    "algorithm": hasher.algorithm,
                    "iterations": getattr(hasher, "iterations", None),
                    "cpu_ms": round(statistics.median(hash_samples), 1),
                    "runs": len(hash_samples),
                },
                "requests": requests,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
