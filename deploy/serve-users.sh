#!/usr/bin/env bash
# The users API locally, on a real DynamoDB API: moto (deploy/local-dynamodb.py, with the table
# template.yaml declares) on a free 127.0.0.1 port, and `bootstrap serve --template` of
# template.yaml's UsersApi (the users component, its writes behind the users authorizer) with the
# host's endpoint override pointing at moto. USERS_API_KEYS (default `local=local-key`) is the
# template's UsersApiKeys: who may create users.
#
#   deploy/serve-users.sh BOOTSTRAP USERS AUTHORIZER PORT   (`make serve-users` runs it)
#   deploy/serve-users.sh --stop                            (`make stop-local-dynamodb`)
#
# moto keeps running when serve stops (Ctrl-C), so the users outlive a restart of serve; the
# next run finds it through target/local-dynamodb/. `--stop` ends it, and the users with it.
set -euo pipefail
cd "$(dirname "$0")/.."

state=target/local-dynamodb
running() { [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; }

if [ "${1:-}" = "--stop" ]; then
  if running; then kill "$(cat "$state/pid")"; fi
  rm -rf "$state"
  exit 0
fi

bootstrap=$1
users=$2
authorizer=$3
port=$4
region=${AWS_REGION:-us-east-1}

if ! running; then
  mkdir -p "$state"
  rm -f "$state/out"
  setsid .venv/bin/python deploy/local-dynamodb.py --region "$region" \
    >"$state/out" 2>"$state/log" </dev/null &
  echo $! >"$state/pid"
  for _ in $(seq 1 100); do
    grep -q '^AWS_ENDPOINT_URL_DYNAMODB=' "$state/out" 2>/dev/null && break
    running || { cat "$state/log" >&2; exit 1; }
    sleep 0.1
  done
fi
endpoint=$(sed -n 's/^AWS_ENDPOINT_URL_DYNAMODB=//p' "$state/out")
[ -n "$endpoint" ] || { echo "moto did not start: see $state/log" >&2; exit 1; }
echo "DynamoDB (moto): $endpoint, table UsersTable; \`make stop-local-dynamodb\` ends it" >&2

# moto checks no signature: the host signs with placeholder keys. The rest of the functions'
# settings (USERS_TABLE, the allowlist, the signed services) are the template's own.
export AWS_ENDPOINT_URL_DYNAMODB=$endpoint AWS_REGION=$region \
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
exec "$bootstrap" serve --template template.yaml --api UsersApi --port "$port" \
  --component "UsersFunction=$users" --component "UsersAuthorizerFunction=$authorizer" \
  --parameter "UsersApiKeys=${USERS_API_KEYS:-local=local-key}"
