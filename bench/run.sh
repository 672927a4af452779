#!/usr/bin/env bash
# make bench: serve the REST API the way production does (gunicorn, deploy/gunicorn.conf.py,
# 2 workers) on loopback against PostgreSQL and Redis, load each endpoint with wrk, load a
# bare Django view answering the same number of bytes, and write the comparison into
# bench/README.md; then the in-process benches and WebSocket messaging through uvicorn
# (bench/ws_messaging.py). Raw wrk outputs and server logs stay in bench/results/ (not
# committed), then streamed AI replies to 100 sockets (bench/ws_streaming.py).
#
# Knobs (environment): BENCH_DURATION (seconds per run, 10), BENCH_CONNECTIONS (4),
# BENCH_THREADS (wrk threads, 1), BENCH_PORT (a free one), BENCH_KEEP_DB=1 to keep the
# `bench` database and Redis db 2 for inspection afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
RESULTS=bench/results
DURATION=${BENCH_DURATION:-10}
WARMUP=2
CONNECTIONS=${BENCH_CONNECTIONS:-4}
THREADS=${BENCH_THREADS:-1}
PG=(psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -qtA)
REDIS_DB=2

# The endpoints measured: method, path, kind (read: goal >= 0.5x bare; login: bounded by
# password hashing), and the response size its bare twin uses if the endpoint is not served.
ENDPOINTS=(
  "GET /api/v1/auth/me read 400"
  "GET /api/v1/me/consents?page_size=20 read 3500"
  "GET /api/v1/marketplace/coaches read 6400"
  "POST /api/v1/auth/login login 1200"
)

log() { printf '\n== %s\n' "$*" >&2; }

require_tools() {
  if ! command -v wrk >/dev/null; then
    if [[ $EUID -ne 0 ]]; then
      echo "wrk is missing: apt-get install -y wrk (as root)" >&2
      exit 1
    fi
    log "installing wrk"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  fi
  for tool in psql redis-cli curl; do
    command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
  done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not up on 127.0.0.1:5432" >&2; exit 1; }
  redis-cli -h 127.0.0.1 ping >/dev/null || { echo "Redis is not up on 127.0.0.1:6379" >&2; exit 1; }
}

GUNICORN_PID=""
cleanup() {
  local status=$?
  if [[ -n $GUNICORN_PID ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" # graceful: the master stops its workers
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  if [[ ${BENCH_KEEP_DB:-0} != 1 ]]; then
    "${PG[@]}" -c "DROP DATABASE IF EXISTS bench WITH (FORCE)" >/dev/null 2>&1 || true
    redis-cli -h 127.0.0.1 -n "$REDIS_DB" flushdb >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

random_token() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))'; }

require_tools
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.txt "$RESULTS"/runs.tsv "$RESULTS"/cpu.json

# Production's environment, pointed at loopback; the database and Redis db are the bench's
# own, recreated on every run so numbers never depend on what a previous run left behind.
export DJANGO_SETTINGS_MODULE=bench.settings
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench
export REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
# Persistent connections as in docker-compose.yml: connecting per request would be measured.
export DATABASE_CONN_MAX_AGE=60
DJANGO_SECRET_KEY=$(random_token)
BLIND_INDEX_KEY=$(random_token)
FIELD_ENCRYPTION_KEYS=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export DJANGO_SECRET_KEY BLIND_INDEX_KEY FIELD_ENCRYPTION_KEYS
# One token serves the whole run; the default 10 minutes could expire on a slow machine.
export JWT_ACCESS_MINUTES=60
export LOG_LEVEL=WARNING
# The server: production's gunicorn settings with 2 workers on loopback. Worker recycling is
# off: a restart (a second of Django start-up) landing inside a run would be counted as the
# endpoint's cost.
export HOST=127.0.0.1
export PORT=${BENCH_PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export WEB_CONCURRENCY=2 GUNICORN_MAX_REQUESTS=0 GUNICORN_ACCESS_LOG="$RESULTS/access.log"
BASE=http://127.0.0.1:$PORT

log "database bench and Redis db $REDIS_DB"
"${PG[@]}" -c "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench"
redis-cli -h 127.0.0.1 -n "$REDIS_DB" flushdb >/dev/null
"$PY" manage.py migrate --noinput -v 0

log "bench user, 50 consents; CPU per request and per password check, in-process"
export BENCH_EMAIL=bench@example.com
BENCH_PASSWORD=$(random_token)
export BENCH_PASSWORD
TOKEN=$("$PY" -m bench.seed "$BENCH_EMAIL" "$BENCH_PASSWORD" --consents 50 --coaches 30 | tail -n 1)
specs=()
for spec in "${ENDPOINTS[@]}"; do
  read -r method path _ <<<"$spec"
  specs+=("$method $path")
done
"$PY" -m bench.cpucost --token "$TOKEN" "${specs[@]}" >"$RESULTS/cpu.json"
cat "$RESULTS/cpu.json" >&2
# Those logins must not count against the server's run: same state as after seeding.
redis-cli -h 127.0.0.1 -n "$REDIS_DB" flushdb >/dev/null

# Other work on the machine skews every number: say so in the results.
BENCH_LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
export BENCH_LOADAVG
if awk -v avg="${BENCH_LOADAVG%% *}" -v cores="$(nproc)" 'BEGIN { exit !(avg > cores / 4) }'; then
  echo "warning: load average $BENCH_LOADAVG on $(nproc) CPUs; the numbers will be low and noisy" >&2
fi

log "gunicorn on $BASE"
rm -f "$RESULTS/access.log"
"$VENV/bin/gunicorn" -c deploy/gunicorn.conf.py config.wsgi:application >"$RESULTS/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
# Ready when /health/ says so. Until the health route exists, a 404 from Django also proves
# the workers are serving.
for attempt in $(seq 1 60); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/" || true)
  [[ $code == 200 ]] && break
  if [[ $code == 404 ]]; then
    echo "no /health/ route yet; the server answers, carrying on" >&2
    break
  fi
  if ! kill -0 "$GUNICORN_PID" 2>/dev/null || [[ $attempt == 60 ]]; then
    echo "gunicorn did not become healthy (last /health/ status: $code)" >&2
    tail -n 30 "$RESULTS/gunicorn.log" >&2
    exit 1
  fi
  sleep 0.5
done

# wrk, bounded: a warm-up so every worker has loaded its code and opened its connections,
# then the measured run. `timeout` guards against a wrk that never returns.
run_wrk() { # output-file url [wrk args...]
  local out=$1 url=$2
  shift 2
  timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s "$@" "$url" >/dev/null
  timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
    --latency "$@" "$url" >"$RESULTS/$out"
  grep -E 'Requests/sec|^ +(50|99)%' "$RESULTS/$out" | tr -s ' ' | paste -sd ' ' >&2
}

AUTH=(-H "Authorization: Bearer $TOKEN")
LOGIN_BODY=$(printf '{"email": "%s", "password": "%s"}' "$BENCH_EMAIL" "$BENCH_PASSWORD")
printf 'name\tmethod\tpath\tkind\tstatus\tbytes\tendpoint_out\tbare_out\n' >"$RESULTS/runs.tsv"
n=0
for spec in "${ENDPOINTS[@]}"; do
  read -r method path kind nominal <<<"$spec"
  n=$((n + 1))
  # One request first: its status says whether the endpoint is served and works with the
  # bench user (a failing login would only measure the lockout), its body gives the size.
  if [[ $method == POST ]]; then
    probe=(-X POST -H "Content-Type: application/json" --data "$LOGIN_BODY")
    wrk_args=(-s bench/login.lua)
  else
    probe=("${AUTH[@]}")
    wrk_args=("${AUTH[@]}")
  fi
  status=$(curl -s -o "$RESULTS/probe.body" -w '%{http_code}' "${probe[@]}" "$BASE$path" || true)
  if [[ $status == 200 ]]; then
    bytes=$(wc -c <"$RESULTS/probe.body")
    log "$method $path ($bytes bytes)"
    run_wrk "$n-endpoint.txt" "$BASE$path" "${wrk_args[@]}"
    endpoint_out="$n-endpoint.txt"
  else
    bytes=$nominal
    log "$method $path answered HTTP $status: not measured; bare view at $bytes bytes only"
    head -c 300 "$RESULTS/probe.body" >&2 || true
    endpoint_out="-"
  fi
  log "bare view, $method, $bytes bytes"
  run_wrk "$n-bare.txt" "$BASE/bench/bare/$bytes" "${wrk_args[@]}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$method" "$path" "$kind" "$status" "$bytes" \
    "$endpoint_out" "$n-bare.txt" >>"$RESULTS/runs.tsv"
done
rm -f "$RESULTS/probe.body"

# In-process benchmarks with their own reports (they need no server).
log "one AI generation end to end (offline provider, eager Celery), in-process"
"$PY" -m bench.ai_overhead >"$RESULTS/ai.md"
log "scheduled-notification dispatcher throughput on PostgreSQL"
"$PY" -m bench.dispatcher >"$RESULTS/dispatcher.md"
log "marketplace: availability over 60 days, competing bookings, hold expiry, on PostgreSQL"
"$PY" -m bench.marketplace --duration "$DURATION" >"$RESULTS/marketplace.md"
# WebSockets through one uvicorn process (its own, on another free port): a bare relay
# against message.send, on the in-memory and the Redis channel layer.
log "WebSocket messaging: relay vs message.send, 10/50/100 clients, in-memory and Redis layers"
"$PY" -m bench.ws_messaging --duration "$DURATION" --warmup "$WARMUP" --logs "$RESULTS" \
  >"$RESULTS/ws_messaging.md"
# Streamed AI replies to 100 sockets at once (its own database `bench_streaming`, Redis db 3,
# uvicorn, a Celery worker and a fake provider): it writes its own block in bench/README.md.
log "streaming replies: 100 sockets, fake provider, Redis layer + worker and in-memory + thread"
"$PY" bench/ws_streaming.py --logs "$RESULTS" >"$RESULTS/ws_streaming.md"

log "report"
BENCH_PG_VERSION=$("${PG[@]}" -c 'SHOW server_version' | cut -d' ' -f1)
BENCH_REDIS_VERSION=$(redis-cli -h 127.0.0.1 INFO server | sed -n 's/^redis_version:\([^[:space:]]*\).*/\1/p')
BENCH_DATE=$(date -u +%Y-%m-%d)
export BENCH_PG_VERSION BENCH_REDIS_VERSION BENCH_DATE
export BENCH_DURATION=${DURATION}s BENCH_CONNECTIONS=$CONNECTIONS BENCH_THREADS=$THREADS
"$PY" -m bench.report "$RESULTS"

# A run that could not measure every endpoint is not a complete benchmark.
if grep -qP '\t-\t' "$RESULTS/runs.tsv"; then
  echo "some endpoints were not measured (see above)" >&2
  exit 1
fi
