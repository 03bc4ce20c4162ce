#!/usr/bin/env bash
# Runs every module's integration-tagged tests (and, with CARTWHEEL_TEST_MYSQL_DSN set,
# every store test on MariaDB too) against the real engines of scripts/infra.sh. Engines
# that are not running are started, and what this script started is stopped again.
# Jaeger is one of them: the end-to-end tests on the real engines look their traces up in
# its query API (CARTWHEEL_JAEGER_QUERY) after exporting to CARTWHEEL_JAEGER_OTLP.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '[integration %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source-path=SCRIPTDIR source=lib.sh
source scripts/lib.sh

modules=(pkg services/user services/product services/order services/payment gateway cmd/cartwheel)

# The fleet of `make up` consumes the same topics in the same consumer groups: it would take
# some of the tests' messages and act on them in its own databases (and the tests would
# wait for effects that never come). The tests need the broker to themselves.
# (The status is captured first: grep -q closing the pipe early would fail the pipeline.)
fleet_status=$(scripts/fleet.sh status 2>/dev/null || true)
if grep -qE '^(user|product|order|payment|gateway) +up ' <<<"$fleet_status"; then
  log "the make up fleet is running on these engines; run 'make down' first"
  exit 1
fi

started=0
if ! scripts/infra.sh status >/dev/null 2>&1; then
  echo "integration: starting the engines (scripts/infra.sh up)"
  scripts/infra.sh up
  started=1
fi
stop_engines() {
  if [ "$started" = 1 ] && [ -z "${CARTWHEEL_KEEP_ENGINES:-}" ]; then
    echo "integration: stopping the engines this run started"
    scripts/infra.sh down
  fi
}
trap stop_engines EXIT

eval "$(scripts/infra.sh env)"
: "${CARTWHEEL_JAEGER_OTLP:?scripts/infra.sh env did not set it}" "${CARTWHEEL_JAEGER_QUERY:?scripts/infra.sh env did not set it}"
echo "integration: engines in use"
scripts/infra.sh status

# Under the race detector, except the packages that drive rocketmq-client-go: it races
# with itself (its rebalance and shutdown touch fields unsynchronised), which would drown
# any report about ours. The unit pass runs those packages' logic with -race on the
# embedded broker. The same for the Nacos registry: nacos-sdk-go races with itself when
# it reconnects, which its outage test (a killed and restarted Nacos) makes it do.
norace='/pkg/mq/rocketmq$|/pkg/txmsg$|/cmd/cartwheel/e2e$|/pkg/registry/nacos$'
for m in "${modules[@]}"; do
  pkgs=$(cd "$m" && go list -tags integration ./...)
  raced=$(grep -v -E "$norace" <<<"$pkgs" || true)
  plain=$(grep -E "$norace" <<<"$pkgs" || true)
  # shellcheck disable=SC2086 # package lists split on purpose
  [ -z "$raced" ] || go_test "integration $m (race)" "$m" -tags integration -race -count=1 -timeout 20m $raced
  # shellcheck disable=SC2086
  [ -z "$plain" ] || go_test "integration $m" "$m" -tags integration -count=1 -timeout 20m $plain
done

# The trace viewer on Jaeger's query port (deploy/infra/jaeger/ui) in headless Chromium: a
# traced order found by search and opened (cmd/cartwheel/browser, tags browser+integration).
ensure_chromium
export CARTWHEEL_TEST_ARTIFACTS="$root/.cache/test-artifacts/traceviewer"
rm -rf "$CARTWHEEL_TEST_ARTIFACTS"
mkdir -p "$CARTWHEEL_TEST_ARTIFACTS"
go_test "trace viewer (browser)" cmd/cartwheel -tags 'browser integration' -count=1 -timeout 5m \
  -run '^TestTraceViewer' ./browser/

# The short subset of `make chaos` (docs/resilience.md): one process kill and one rolling
# restart under load on make up's fleet, on these engines, after the tests (they need the
# broker to themselves). About 4 minutes; CARTWHEEL_SKIP_CHAOS=1 leaves it out.
if [ -z "${CARTWHEEL_SKIP_CHAOS:-}" ]; then
  chaos_log="$GO_TEST_LOGS/chaos-subset.log"
  mkdir -p "$GO_TEST_LOGS"
  echo "=== chaos subset: kill-order, rolling-restart (log $chaos_log)"
  if ! (cd cmd/cartwheel && timeout 900 go run . chaos -scenarios kill-order,rolling-restart \
    -fault-after-max 6s -load-after 5s) 2>&1 | tee "$chaos_log"; then
    echo "FAIL chaos subset (a violation, a failed request in the rolling restart, or no recovery)" >>"$chaos_log"
    GO_TEST_FAILED+=("$chaos_log")
  fi
fi
go_test_verdict
