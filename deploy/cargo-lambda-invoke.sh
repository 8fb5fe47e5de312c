#!/usr/bin/env bash
# `cargo lambda watch` runs bootstrap against cargo-lambda's Lambda emulator, with the component in
# LAMBDA_WASM_COMPONENT; `cargo lambda invoke` sends it an event. Checks the answer holds EXPECT.
#
#   deploy/cargo-lambda-invoke.sh COMPONENT EVENT EXPECT
#
# cargo-lambda must be on PATH (`make test-cargo-lambda` installs it into .venv from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

component=$(realpath "$1")
event=$2
expect=$3
port=${CARGO_LAMBDA_PORT:-9009}
log=$(mktemp)

# Its own process group, so that cleanup stops cargo-lambda and the bootstrap it started.
setsid cargo lambda watch --release -p lambda-wasm-host --bin bootstrap \
  --invoke-address 127.0.0.1 --invoke-port "$port" \
  --env-var "LAMBDA_WASM_COMPONENT=$component" >"$log" 2>&1 &
watch_pid=$!
cleanup() {
  kill -- "-$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

# The emulator listens at once; the invocation waits for bootstrap to build and start.
for _ in $(seq 1 60); do
  grep -q "starting Runtime server" "$log" && break
  sleep 1
done
if ! answer=$(timeout 600 cargo lambda invoke bootstrap --invoke-address 127.0.0.1 \
  --invoke-port "$port" --data-file "$event"); then
  cat "$log" >&2
  exit 1
fi
echo "$answer"
if [[ $answer != *"$expect"* ]]; then
  echo "cargo lambda invoke: the answer lacks \"$expect\"" >&2
  cat "$log" >&2
  exit 1
fi
