#!/usr/bin/env bash
# Regenerates idl/kitex_gen from idl/*.thrift with the generators pinned in tools/go.mod.
# `scripts/gen.sh --check` regenerates into a scratch copy and fails if it differs from
# what is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.bin"
mkdir -p "$bin"
(cd "$root/tools" && GOBIN="$bin" GOWORK=off go install tool)

generate() { # $1: a directory holding a copy of idl/
  (
    cd "$1"
    rm -rf kitex_gen
    for idl in user product order payment events; do
      PATH="$bin:$PATH" kitex -module github.com/cartwheel-shop/cartwheel/idl "$idl.thrift" >/dev/null 2>&1 || { echo "kitex failed on $idl.thrift" >&2; exit 1; }
    done
    gofmt -w kitex_gen
  )
}

if [ "${1:-}" = "--check" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  cp -r "$root/idl/." "$scratch/"
  generate "$scratch"
  if ! diff -r "$root/idl/kitex_gen" "$scratch/kitex_gen" >/dev/null; then
    diff -r "$root/idl/kitex_gen" "$scratch/kitex_gen" | head -40
    echo "gen-check: idl/kitex_gen differs from a fresh 'make gen'; run make gen and commit" >&2
    exit 1
  fi
  echo "gen-check: idl/kitex_gen matches a fresh generation"
  exit 0
fi
generate "$root/idl"
