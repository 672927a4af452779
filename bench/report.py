"""Turn the wrk outputs of one ``make bench`` run into the results table of bench/README.md.

``bench/run.sh`` writes, in the results directory: ``runs.tsv`` (one line per endpoint: name,
method, path, kind, HTTP status of the probe, body size, wrk output of the endpoint and of its
bare twin) and ``cpu.json`` (``bench.cpucost``). This script reads them, writes
``summary.md`` there, and replaces the block between the markers in bench/README.md.

    python -m bench.report bench/results
"""

import argparse
import csv
import json
import os
import platform
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

README = Path(__file__).with_name("README.md")
START = "<!-- bench:results:start -->"
SECTIONS = ("ai", "dispatcher", "marketplace", "ws_messaging")
END = "<!-- bench:results:end -->"
READ_GOAL = 0.5  # an API read should keep at least half the throughput of a bare view

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Wrk:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors

    @classmethod
    def parse(cls, text: str) -> "Wrk":
        def latency(percent: str) -> float:
            match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
            if not match:
                raise ValueError(f"no {percent}% latency in wrk output (was --latency given?)")
            return float(match[1]) * _UNITS_MS[match[2]]

        rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
        requests = re.search(r"^\s+(\d+) requests in", text, re.M)
        if not rps or not requests:
            raise ValueError("not a wrk report:\n" + text)
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        sockets = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
        )
        errors = int(non_2xx[1]) if non_2xx else 0
        errors += sum(int(n) for n in sockets.groups()) if sockets else 0
        return cls(float(rps[1]), latency("50"), latency("99"), int(requests[1]), errors)


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _rps(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _errors(run: Wrk) -> str:
    return f"; {run.errors} errors in {run.requests} requests" if run.errors else ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def build(results: Path) -> str:
    with open(results / "runs.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    cpu = json.loads((results / "cpu.json").read_text())
    hashing = cpu["hash"]
    cores = len(os.sched_getaffinity(0))
    workers = os.environ.get("WEB_CONCURRENCY", "?")
    hash_ms = hashing["cpu_ms"]
    login_ceiling = cores * 1000 / hash_ms  # every core doing nothing but PBKDF2

    lines = [
        "| endpoint (response size) | req/s | p50 | p99 | bare req/s | ratio | goal | result "
        "| CPU per request in-process: endpoint (bare) |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    notes = []
    read_costs = []
    for row in rows:
        bare = Wrk.parse((results / row["bare_out"]).read_text())
        label = f"`{row['method']} {row['path']}` ({int(row['bytes']):,} B)"
        costs = cpu["requests"].get(f"{row['method']} {row['path']}") or {}
        cpu_cell = (
            f"{costs['cpu_ms']:,.1f} ms ({costs['bare_cpu_ms']:.2f} ms)"
            if costs.get("cpu_ms") is not None
            else "-"
        )
        if row["kind"] == "login":
            goal = f"hashing-bound: <= {login_ceiling:.1f}/s"
        else:
            goal = f">= {READ_GOAL}x bare"
        if row["endpoint_out"] == "-":
            lines.append(
                f"| {label} | - | - | - | {_rps(bare.rps)} | - | {goal} | "
                f"not measured: the endpoint answered HTTP {row['status']}{_errors(bare)} "
                f"| {cpu_cell} |"
            )
            continue
        run = Wrk.parse((results / row["endpoint_out"]).read_text())
        ratio = run.rps / bare.rps
        if row["kind"] == "login":
            result = f"{run.rps / login_ceiling:.0%} of the hashing ceiling"
            login_ms = costs.get("cpu_ms")
            share = (
                f"; one whole login costs {_ms(login_ms)} of CPU in-process, so the password "
                f"check is {hash_ms / login_ms:.0%} of it"
                if login_ms
                else ""
            )
            notes.append(
                f"- Login: one `check_password` costs **{_ms(hash_ms)}** of CPU "
                f"({hashing['algorithm']}, {hashing['iterations']:,} iterations, median of "
                f"{hashing['runs']}){share}. {cores} cores can therefore check at most "
                f"{login_ceiling:.1f} passwords/s; the server did {_rps(run.rps)} logins/s, while "
                f"the bare view of the same request and response size answers "
                f"{_rps(bare.rps)} req/s. The hasher stays at its production strength."
            )
        else:
            result = "goal met" if ratio >= READ_GOAL else "**below goal**"
            if costs.get("cpu_ms") is not None:
                read_costs.append(
                    f"`{row['method']} {row['path']}` {costs['cpu_ms']:.1f} ms "
                    f"(bare {costs['bare_cpu_ms']:.2f} ms)"
                )
        lines.append(
            f"| {label} | {_rps(run.rps)} | {_ms(run.p50_ms)} | {_ms(run.p99_ms)} | "
            f"{_rps(bare.rps)} | {ratio:.2f}x | {goal} | {result}{_errors(run)} | {cpu_cell} |"
        )

    if read_costs:
        notes.insert(
            0,
            "- Reads, CPU per request in-process: "
            + "; ".join(read_costs)
            + ". The difference from the bare view is DRF, JWT authentication (a user query), "
            "throttling (Redis round-trips) and each endpoint's own queries and serializer.",
        )

    missing = [r for r in rows if r["endpoint_out"] == "-"]
    if missing:
        notes.append(
            "- Not measured (endpoint not served yet): "
            + ", ".join(f"`{r['method']} {r['path']}`" for r in missing)
            + ". Their bare twins ran at a nominal size; run `make bench` again once they exist."
        )

    machine = (
        f"{cores} CPUs ({_cpu_model()}), Python {platform.python_version()}, "
        f"Django {_version('django')}, DRF {_version('djangorestframework')}, "
        f"gunicorn {_version('gunicorn')} ({workers} gthread workers), "
        f"PostgreSQL {os.environ.get('BENCH_PG_VERSION', '?')}, "
        f"Redis {os.environ.get('BENCH_REDIS_VERSION', '?')}"
    )
    setup = (
        f"wrk: {os.environ.get('BENCH_DURATION', '?')} per run after a warm-up, "
        f"{os.environ.get('BENCH_CONNECTIONS', '?')} connections, "
        f"wrk threads: {os.environ.get('BENCH_THREADS', '?')}, on the same machine; "
        f"load average at start {os.environ.get('BENCH_LOADAVG', '?')}; "
        f"run {os.environ.get('BENCH_DATE', '?')}."
    )
    return "\n".join(
        [
            f"Machine: {machine}.",
            "",
            f"Run: {setup}",
            "",
            *lines,
            "",
            *notes,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    args = parser.parse_args()

    block = build(args.results)
    (args.results / "summary.md").write_text(block + "\n")
    text = _replace_block(README.read_text(), START, END, block)
    # The other benchmarks print their own Markdown (bench/ai_overhead.py,
    # bench/dispatcher.py, bench/ws_messaging.py); each has its block in the README.
    for name in SECTIONS:
        output = args.results / f"{name}.md"
        if output.exists():
            marker = f"<!-- bench:{name}"
            text = _replace_block(
                text, f"{marker}:start -->", f"{marker}:end -->", output.read_text().strip()
            )
    README.write_text(text)
    print(block)


def _replace_block(text: str, start: str, end: str, block: str) -> str:
    if start not in text or end not in text:
        raise SystemExit(f"{README} lacks the {start} / {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}\n{end}{tail}"


if __name__ == "__main__":
    main()
