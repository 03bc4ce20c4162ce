#!/usr/bin/env bash
# The storefront and admin console tests in headless Chromium (cmd/cartwheel/browser,
# build tag `browser`; the trace viewer's test there needs Jaeger and runs in
# scripts/integration.sh). Installs Debian's chromium when it is missing (as root, apt-get);
# a machine that cannot get it fails here, it never skips. Screenshots of every step
# land in .cache/test-artifacts/browser/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '[browser %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source-path=SCRIPTDIR source=lib.sh
source scripts/lib.sh
ensure_chromium

export CARTWHEEL_TEST_ARTIFACTS="$root/.cache/test-artifacts/browser"
rm -rf "$CARTWHEEL_TEST_ARTIFACTS"
mkdir -p "$CARTWHEEL_TEST_ARTIFACTS"
cd cmd/cartwheel
go vet -tags browser ./browser/
go vet -tags 'browser integration' ./browser/ # the trace viewer's test, run by scripts/integration.sh
go test -tags browser -count=1 -timeout 10m "$@" ./browser/
log "screenshots: $CARTWHEEL_TEST_ARTIFACTS"
