#!/usr/bin/env bash
# `make test-new-handler`: `make new-handler` refuses taken and invalid names, and makes a crate
# that is formatted, lint-clean, builds, passes its test and answers through `bootstrap invoke`; the crate is removed again.
set -euo pipefail
cd "$(dirname "$0")/../.."

name=new-handler-check
crate=${name//-/_}
backup=$(mktemp -d)
cp Cargo.toml Cargo.lock "$backup"
cleanup() {
  rm -rf "guest/$name" "target/wasm32-wasip2/release/$crate.wasm"
  cp "$backup/Cargo.toml" "$backup/Cargo.lock" .
  rm -rf "$backup"
}
trap cleanup EXIT

refused() { # NAME EXPECTED: make new-handler must fail, saying EXPECTED
  if output=$(make --no-print-directory new-handler NAME="$1" 2>&1); then
    echo "make new-handler NAME=$1 was accepted" >&2
    exit 1
  fi
  grep -qF "$2" <<<"$output" || { echo "expected '$2' in: $output" >&2; exit 1; }
}
refused hello-world "is taken"
refused lambda-wasm-sdk "is taken"
refused Bad_Name "is not a valid name"
refused test "is taken"
cmp -s Cargo.toml "$backup/Cargo.toml" || { echo "a refused name changed Cargo.toml" >&2; exit 1; }

make --no-print-directory new-handler NAME="$name"
grep -qF "\"guest/$name\"" Cargo.toml
cargo fmt -p "$name" --check
cargo clippy --release --target wasm32-wasip2 -p "$name" --all-targets -- -D warnings
cargo test --release --target wasm32-wasip2 -p "$name"

event='{"httpMethod": "GET", "path": "/hello", "queryStringParameters": {"name": "Ada"}}'
response=$(target/release/bootstrap invoke --event - --component "target/wasm32-wasip2/release/$crate.wasm" <<<"$event")
grep -qF '"statusCode": 200' <<<"$response" || { echo "unexpected response: $response" >&2; exit 1; }
grep -qF "Hello, Ada, from $name!" <<<"$response" || { echo "unexpected response: $response" >&2; exit 1; }
echo "make new-handler: $name built, passed its tests and answered through bootstrap invoke"
