# shellcheck shell=bash
# Shell helpers shared by the scripts in this folder; source it, do not run it. Each
# script defines its own log (prefixing its name) before calling these.

# listening PORT: something listens on 127.0.0.1:PORT (or any address with that port).
listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# http_ok URL: URL answers 200 within 2 seconds.
http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null)" = 200 ]; }

# ports_free PORT...: true when none of the ports listens; otherwise logs each busy one with
# its process (for a failure report) and returns 1.
ports_free() {
  local p busy=
  for p in "$@"; do
    if listening "$p"; then
      busy=1
      log "port $p is still in use:"
      ss -Hltnp "sport = :$p" >&2 || true
    fi
  done
  [ -z "$busy" ]
}

# term_then_kill NAME PID SECONDS: TERM the process, wait up to SECONDS for it to exit,
# then KILL it. The caller has already checked that PID is one of ours.
term_then_kill() {
  local name=$1 pid=$2 limit=$3 deadline
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + limit))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name: still running after ${limit}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      return 0
    fi
    sleep 0.2
  done
}

# go_test LABEL DIR ARGS...: runs `go test ARGS...` in DIR, streaming its output and
# keeping a copy under $GO_TEST_LOGS (.cache/test-logs, one file per label, replaced by
# the next run). A failure is recorded, not fatal, so every module runs;
# go_test_verdict reports them all at the end.
GO_TEST_LOGS=${GO_TEST_LOGS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/test-logs}
GO_TEST_FAILED=()
go_test() {
  local label=$1 dir=$2 log_file
  local - # pipefail for this function only: the pipeline's status is go test's, not tee's
  set -o pipefail
  shift 2
  mkdir -p "$GO_TEST_LOGS"
  log_file="$GO_TEST_LOGS/$(printf '%s' "$label" | tr -c 'A-Za-z0-9._-' '_').log"
  echo "=== go test: $label"
  if ! (cd "$dir" && go test "$@") 2>&1 | tee "$log_file"; then
    GO_TEST_FAILED+=("$log_file")
  fi
}

# go_test_verdict: returns non-zero when any go_test failed, after a digest of each
# failure (failed tests, panics, fatal errors, data races, timeouts, with the lines that
# follow them). A long run's log is often seen only by its tail; the digest puts the
# cause there.
go_test_verdict() {
  local f
  [ "${#GO_TEST_FAILED[@]}" -eq 0 ] && return 0
  echo
  echo "===================== what failed ====================="
  for f in "${GO_TEST_FAILED[@]}"; do
    echo "--- $f"
    grep -E -A12 '^(panic:|fatal error:|WARNING: DATA RACE)|^\s*--- FAIL|test timed out|^FAIL\s' "$f" |
      grep -v -E '^\s+/usr/local/go/' | head -n 80 || true
  done
  echo "========================================================"
  return 1
}

# ensure_chromium: exports CARTWHEEL_CHROMIUM, Debian's chromium, installing the package
# (as root, apt-get) when it is missing. A machine that cannot get it fails here: the
# browser tests never skip.
ensure_chromium() {
  local path
  path=$(command -v chromium || command -v chromium-browser || true)
  if [ -z "$path" ]; then
    log "installing chromium from Debian"
    if [ "$(id -u)" -ne 0 ]; then
      log "chromium is missing and this is not root: run as root, or install the chromium package"
      return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
    path=$(command -v chromium || command -v chromium-browser || true)
  fi
  if [ -z "$path" ]; then
    log "chromium did not install"
    return 1
  fi
  export CARTWHEEL_CHROMIUM=$path
  log "using $("$CARTWHEEL_CHROMIUM" --version 2>/dev/null || echo "$CARTWHEEL_CHROMIUM")"
}

# start_dev_server BINARY DATA_DIR: starts the dev server (cmd/cartwheel, built by the
# caller) on kernel-chosen free loopback ports with DATA_DIR as its data folder, and
# waits until it serves.
# Sets DEV_PID and DEV_BASE (the gateway's URL); the server's log is DATA_DIR/server.log.
# Rate limits are lifted and bcrypt is cheap: the callers are contract runs, not load.
start_dev_server() {
  local bin=$1 data=$2 gw user product order payment admin
  read -r gw user product order payment admin < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
)
  env GATEWAY_ADDR=127.0.0.1:$gw USER_ADDR=127.0.0.1:$user PRODUCT_ADDR=127.0.0.1:$product \
    ORDER_ADDR=127.0.0.1:$order PAYMENT_ADDR=127.0.0.1:$payment CARTWHEEL_ADMIN_ADDR=127.0.0.1:$admin \
    GATEWAY_RATE_PER_IP=100000 GATEWAY_BURST_PER_IP=100000 GATEWAY_RATE_PER_USER=100000 GATEWAY_BURST_PER_USER=100000 \
    GATEWAY_LOGIN_BURST_PER_IP=100000 USER_BCRYPT_COST=4 \
    "$bin" -data "$data" >"$data/server.out" 2>"$data/server.log" &
  DEV_PID=$!
  DEV_BASE=http://127.0.0.1:$gw
  local _
  for _ in $(seq 1 600); do
    grep -q "Cartwheel is running" "$data/server.out" 2>/dev/null && return 0
    if ! kill -0 "$DEV_PID" 2>/dev/null; then
      cat "$data/server.log" >&2
      log "the dev server did not start"
      return 1
    fi
    sleep 0.2
  done
  log "the dev server did not say it was running within 120s"
  return 1
}
