#!/usr/bin/env bash
# Schemathesis (pinned, from PyPI into .cache/schemathesis) against a dev server on free
# loopback ports: every operation of /openapi.json with every check (scripts/schemathesis.toml
# says where one is off, and why), once as a customer
# and once as the admin. Fails on any failure. Examples per operation are bounded so the
# run stays within a few minutes: SCHEMATHESIS_MAX_EXAMPLES (default 15).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$root/scripts/lib.sh"
log() { echo "schemathesis: $*" >&2; }
version=4.32.5
# The newest Python at hand: 3.11's ast.parse fails inside Hypothesis on deep schemas
# ("AST constructor recursion depth mismatch", a CPython bug fixed in 3.12).
py=python3
for c in python3.13 python3.12 "$(pyenv root 2>/dev/null)"/versions/3.1[23]*/bin/python3; do
  if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then py=$c && break; fi
done
venv="$root/.cache/schemathesis-$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
examples=${SCHEMATHESIS_MAX_EXAMPLES:-15}

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi

(cd "$root/cmd/cartwheel" && go build -o "$venv/cartwheel" .)

data=$(mktemp -d)
trap 'kill "${DEV_PID:-}" 2>/dev/null; wait "${DEV_PID:-}" 2>/dev/null; rm -rf "$data"' EXIT
start_dev_server "$venv/cartwheel" "$data"
base=$DEV_BASE

token() { # $1 email, $2 password
  curl -sf -XPOST "$base/api/v1/auth/login" -d "{\"email\":\"$1\",\"password\":\"$2\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
curl -sf -o /dev/null -XPOST "$base/api/v1/auth/register" \
  -d '{"email":"schemathesis@example.com","password":"correct-horse-9","name":"Schemathesis"}'
customer=$(token schemathesis@example.com correct-horse-9)
admin_token=$(token admin@cartwheel.local cartwheel-admin)

status=0
cd "$data" # schemathesis keeps its cache in ./.schemathesis
for who in customer admin; do
  tok=$customer
  [ "$who" = admin ] && tok=$admin_token
  echo "schemathesis: as $who"
  # logout and logout-all revoke the token the run authenticates with; Go tests cover them.
  "$venv/bin/schemathesis" --config-file "$root/scripts/schemathesis.toml" run "$base/openapi.json" --url "$base" \
    --exclude-operation-id logout --exclude-operation-id logoutAll \
    --max-examples "$examples" --workers 2 -H "Authorization: Bearer $tok" || status=1
done
exit $status
