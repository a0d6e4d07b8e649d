#!/usr/bin/env bash
# The API as its users meet it, against a live server started from BINARY on a throwaway SQLite
# file: the TypeScript client's flow, schemathesis over every operation, promtool on /metrics.
#
#   scripts/contract-check.sh target/release/medtracker     (what .ci/run does)
#   scripts/contract-check.sh target/debug/medtracker       (by hand, faster to build)
#
# Needs what .ci/run installs: the client built (clients/typescript/dist), schemathesis in .venv-ci
# and promtool. A missing one is an error, never a skipped check.
# SCHEMATHESIS_MAX_EXAMPLES (default 40) caps the test cases per operation.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

binary=${1:?usage: scripts/contract-check.sh path/to/medtracker}
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
flow=clients/typescript/dist/flow.js
st=.venv-ci/bin/st
for needed in "$binary" "$flow" "$st"; do
    [ -e "$needed" ] || { echo "missing $needed (bash .ci/run installs and builds it)" >&2; exit 1; }
done
command -v promtool >/dev/null || { echo "promtool is missing (Debian package prometheus)" >&2; exit 1; }

step() { echo; echo "== $*"; }

work=$(mktemp -d)
server_pid=
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" || true
    fi
    server_pid=
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
metrics_token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')

step "start $binary on $url (SQLite in $work)"
# From the temporary directory, so that no developer's .env is read. Rate limiting off and a
# lockout threshold out of reach: the fuzzer signs in and fails passwords far more than a person.
(
    cd "$work"
    exec env DATABASE_URL="sqlite://$work/contract.db" BIND_ADDR="127.0.0.1:$port" \
        APP_ENV=test RATE_LIMIT_ENABLED=false LOCKOUT_THRESHOLD=1000000 \
        METRICS_TOKEN="$metrics_token" RUST_LOG=warn "$binary" serve
) >"$work/server.log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 1 60); do
    if curl -fsS "$url/health/ready" >/dev/null 2>&1; then ready=yes; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
done
if [ -z "$ready" ]; then
    echo "the server did not become ready; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
echo "ready"

fail_with_log() {
    echo "$1; the server's last log lines:" >&2
    tail -n 40 "$work/server.log" >&2
    exit 1
}

step "TypeScript client flow (node $flow)"
MEDTRACKER_URL=$url node "$flow" || fail_with_log "the TypeScript flow failed"

step "schemathesis: every operation, every check"
email="fuzz-$(date +%s)@example.com"
# Not the document's example password: schemathesis sends the examples, and with the real
# password `POST /api/v1/me/password` or `/me/delete` would end the account mid-run.
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
status=$(curl -sS -o "$work/register.json" -w '%{http_code}' -X POST "$url/auth/register" \
    -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}")
[ "$status" = 201 ] || fail_with_log "registering the fuzzing account answered $status: $(cat "$work/register.json")"
# The config signs in with these and signs in again after the operations that end the session.
(
    cd "$work"
    MEDTRACKER_EMAIL=$email MEDTRACKER_PASSWORD=$password \
        SCHEMATHESIS_HOOKS="$root/.ci/schemathesis_hooks.py" \
        "$root/$st" --config-file "$root/.ci/schemathesis.toml" run "$url/openapi.json" \
        --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
        --workers 2 \
        --request-timeout 10 \
        --no-color
) || fail_with_log "schemathesis found failures"

step "promtool check metrics"
curl -fsS -H "Authorization: Bearer $metrics_token" "$url/metrics" >"$work/metrics.txt"
lint=$(promtool check metrics <"$work/metrics.txt" 2>&1) || true
if [ -n "$lint" ]; then
    echo "$lint" >&2
    fail_with_log "promtool is not silent about /metrics"
fi
families=$(grep -c '^# TYPE ' "$work/metrics.txt" || true)
echo "silent ($families metric families)"

step "SIGTERM: the server drains and exits 0"
kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=
[ "$code" = 0 ] || fail_with_log "the server exited with $code after SIGTERM"
echo "exited 0"
