#!/usr/bin/env bash
# The storefront and admin console tests in headless Chromium (cmd/cartwheel/browser,
# build tag `browser`). Installs Debian's chromium when it is missing (as root, apt-get);
# a machine that cannot get it fails here, it never skips. Screenshots of every step
# land in .cache/test-artifacts/browser/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '[browser %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

chromium_path() { command -v chromium || command -v chromium-browser || true; }

if [ -z "$(chromium_path)" ]; then
  log "installing chromium from Debian"
  if [ "$(id -u)" -ne 0 ]; then
    log "chromium is missing and this is not root: run as root, or install the chromium package"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi
CARTWHEEL_CHROMIUM=$(chromium_path)
if [ -z "$CARTWHEEL_CHROMIUM" ]; then
  log "chromium did not install"
  exit 1
fi
export CARTWHEEL_CHROMIUM
log "using $("$CARTWHEEL_CHROMIUM" --version 2>/dev/null || echo "$CARTWHEEL_CHROMIUM")"

export CARTWHEEL_TEST_ARTIFACTS="$root/.cache/test-artifacts/browser"
rm -rf "$CARTWHEEL_TEST_ARTIFACTS"
mkdir -p "$CARTWHEEL_TEST_ARTIFACTS"
cd cmd/cartwheel
go vet -tags browser ./browser/
go test -tags browser -count=1 -timeout 10m "$@" ./browser/
log "screenshots: $CARTWHEEL_TEST_ARTIFACTS"
