#!/usr/bin/env bash
# Runs every module's unit tests (no engines needed) under the race detector; every
# module runs even when an earlier one fails, and the end of the output says what failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '[unit %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source-path=SCRIPTDIR source=lib.sh
source scripts/lib.sh

modules=(idl pkg services/user services/product services/order services/payment gateway cmd/cartwheel)
for m in "${modules[@]}"; do
  go_test "unit $m" "$m" -race -count=1 -timeout 15m ./...
done
go_test_verdict
