#!/usr/bin/env bash
# Start `python3 platform/dev.py run` in a scratch var folder, wait until healthy, check a centre
# answers at its own host, SIGKILL the launcher, start it again and check it recovers by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOVSERVICE_VAR_DIR="${GOVSERVICE_VAR_DIR:-$(mktemp -d /tmp/govservice-smoke.XXXXXX)}"
export PORT="${PORT:-8765}"
log="$GOVSERVICE_VAR_DIR/run.log"
mkdir -p "$GOVSERVICE_VAR_DIR"

wait_healthy() {
  for _ in $(seq 1 "$1"); do
    if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "not healthy; the log:"; tail -50 "$log"; return 1
}

python3 platform/dev.py run >"$log" 2>&1 &
launcher=$!
wait_healthy 300
curl -fsS -H "Host: beilin.localhost:$PORT" "http://127.0.0.1:$PORT/api/v1/centre/" | grep -q '"slug":"beilin"'
home=$(curl -fsS "http://127.0.0.1:$PORT/")
count=$(printf '%s' "$home" | grep -o 'data-total="[0-9]*"' | grep -o '[0-9][0-9]*' || true)
echo "first run healthy; the platform page lists $count centres ($(printf '%s' "$home" | grep -c 'data-code=') on its first page)"
[ "$count" -eq 200 ]
# static files as production serves them: fingerprinted, brotli when asked, cached a year; pages gzipped
css=$(printf '%s' "$home" | grep -o '/static/css/site\.[0-9a-f]*\.css' | head -1)
[ -n "$css" ]
curl -fsS -o /dev/null -D - -H 'Accept-Encoding: gzip, deflate, br' "http://127.0.0.1:$PORT$css" | tr -d '\r' >"$GOVSERVICE_VAR_DIR/css.headers"
grep -qi '^content-encoding: br' "$GOVSERVICE_VAR_DIR/css.headers"
grep -qi '^cache-control: max-age=31536000, public, immutable' "$GOVSERVICE_VAR_DIR/css.headers"
curl -fsS -o /dev/null -D - -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/" | tr -d '\r' | grep -qi '^content-encoding: gzip'
echo "static files fingerprinted, brotli-compressed and cached a year; pages gzipped"

kill -9 "$launcher"; sleep 2
started=$(date +%s)
python3 platform/dev.py run >>"$log" 2>&1 &
launcher=$!
wait_healthy 120
echo "second run after SIGKILL healthy in $(( $(date +%s) - started )) s"
grep -q "not provisioned again" "$log"
kill -TERM "$launcher"; wait "$launcher" || true
echo "smoke run passed"
