#!/usr/bin/env bash
# Clients generated from the served /openapi.json, as client teams generate them:
#   - openapi-generator (pinned jar from Maven Central, checked by SHA-256) makes a
#     Python, a TypeScript (fetch) and a Go client; oapi-codegen (pinned, from the Go
#     module proxy) makes the Go client most Go teams use.
#   - The TypeScript client type-checks (tsc --strict), both Go clients build and vet.
#   - The Python client walks a shopper's and an admin's journey against a dev server on
#     free loopback ports (scripts/clients/journey.py): every answer is parsed into the
#     generated models, so a document that disagrees with the server fails here.
# Tools are cached under .cache/clients; the generated code lives in a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$root/scripts/lib.sh"
log() { echo "clients: $*" >&2; }

oag_version=7.17.0
oag_sha256=25d6bd8273dd2be99979d544b62ea43f0ce1975f1aa582678b5093d1e7fcfce8
oapi_codegen=github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2
oapi_runtime=github.com/oapi-codegen/runtime@v1.9.0
typescript_version=5.9.3
cache="$root/.cache/clients"
mkdir -p "$cache"

command -v java >/dev/null || { log "java is needed to run openapi-generator"; exit 1; }
jar="$cache/openapi-generator-cli-$oag_version.jar"
if ! { [ -f "$jar" ] && echo "$oag_sha256  $jar" | sha256sum -c --quiet >/dev/null 2>&1; }; then
  log "fetching openapi-generator $oag_version from Maven Central"
  curl -sSfL -o "$jar.tmp" \
    "https://repo1.maven.org/maven2/org/openapitools/openapi-generator-cli/$oag_version/openapi-generator-cli-$oag_version.jar"
  echo "$oag_sha256  $jar.tmp" | sha256sum -c --quiet || { log "the jar's SHA-256 is not the pinned one"; exit 1; }
  mv "$jar.tmp" "$jar"
fi

work=$(mktemp -d)
trap 'kill "${DEV_PID:-}" 2>/dev/null; wait "${DEV_PID:-}" 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root/cmd/cartwheel" && go build -o "$work/cartwheel" .)
mkdir "$work/data"
start_dev_server "$work/cartwheel" "$work/data"
curl -sSf -o "$work/openapi.json" "$DEV_BASE/openapi.json"

generate() { # GENERATOR OUT [ARGS...]
  local g=$1 out=$2
  shift 2
  log "openapi-generator: $g"
  java -jar "$jar" generate -i "$work/openapi.json" -g "$g" -o "$out" "$@" >"$out.log" 2>&1 ||
    { cat "$out.log" >&2; log "openapi-generator $g failed"; return 1; }
}

status=0
step() { # NAME COMMAND...: runs one check, records a failure and goes on
  local name=$1
  shift
  if "$@"; then log "$name: ok"; else log "$name: FAILED"; status=1; fi
}

typescript_client() {
  generate typescript-fetch "$work/ts" --additional-properties=npmName=cartwheel-client &&
    { [ "$("$cache/node/node_modules/.bin/tsc" --version 2>/dev/null)" = "Version $typescript_version" ] ||
      npm install --silent --prefix "$cache/node" "typescript@$typescript_version" >/dev/null; } &&
    (cd "$work/ts" && "$cache/node/node_modules/.bin/tsc" --noEmit --strict -p tsconfig.json)
}

go_client() {
  generate go "$work/go" --additional-properties=packageName=cartwheel,isGoSubmodule=false &&
    (cd "$work/go" && GOWORK=off GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 && GOWORK=off go vet ./...)
}

oapi_codegen_client() {
  log "oapi-codegen"
  mkdir -p "$work/oapi/client" &&
    (cd "$work/oapi" && printf 'module example.com/cartwheelclient\n\ngo 1.24\n' >go.mod &&
      GOWORK=off go run "$oapi_codegen" -generate types,client -package client -o client/client.go "$work/openapi.json" &&
      GOWORK=off go get "$oapi_runtime" >/dev/null 2>&1 &&
      GOWORK=off GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 && GOWORK=off go vet ./...)
}

python_journey() {
  local venv="$cache/python"
  generate python "$work/py" --additional-properties=packageName=cartwheel_client &&
    { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } &&
    "$venv/bin/pip" install -q "$work/py" >"$work/pip.log" 2>&1 &&
    "$venv/bin/pip" install -q --force-reinstall --no-deps "$work/py" >>"$work/pip.log" 2>&1 &&
    "$venv/bin/python" "$root/scripts/clients/journey.py" "$DEV_BASE"
}

step "typescript client type-checks" typescript_client
step "openapi-generator go client builds" go_client
step "oapi-codegen go client builds" oapi_codegen_client
step "python client's journey" python_journey
[ "$status" -eq 0 ] || { tail -n 20 "$work/data/server.log" >&2; log "a generated client failed"; }
exit $status
