-- wrk script: POST the bench user's credentials as JSON, to whichever URL wrk is given
-- (the login endpoint, or the bare view it is compared with). bench/run.sh exports both.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format(
  '{"email": "%s", "password": "%s"}', os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD")
)
