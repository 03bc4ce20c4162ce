#!/usr/bin/env bash
# Runs every module's integration-tagged tests (and, with CARTWHEEL_TEST_MYSQL_DSN set,
# every store test on MariaDB too) against the real engines of scripts/infra.sh. Engines
# that are not running are started, and what this script started is stopped again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

modules=(pkg services/user services/product services/order services/payment gateway cmd/cartwheel)

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
echo "integration: engines in use"
scripts/infra.sh status

# No -race here: the race detector reports races inside rocketmq-client-go itself (its
# Shutdown writes flags unsynchronised); the unit pass runs everything with -race.
for m in "${modules[@]}"; do
  echo "=== go test -tags integration $m"
  (cd "$m" && go test -tags integration -count=1 -timeout 20m ./...)
done
