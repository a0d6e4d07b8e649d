#!/usr/bin/env bash
# The FHIR export checked by an independent implementation of the standard: starts BINARY on a
# free port with a throwaway SQLite file, exports the bundle of a demo account and of an account
# that fills every field of every record (schedules included), and parses both with
# fhir.resources (R4B models) in scripts/fhir_validate.py. Any error fails.
#
#   scripts/fhir-validate.sh target/release/medtracker     (what .ci/run does)
#   scripts/fhir-validate.sh target/debug/medtracker
#
# Needs fhir.resources in .venv-ci (.ci/run installs .ci/requirements-fhir.txt there).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

binary=${1:?usage: scripts/fhir-validate.sh path/to/medtracker}
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
python=.venv-ci/bin/python
for needed in "$binary" "$python"; do
    [ -e "$needed" ] || { echo "missing $needed (bash .ci/run installs and builds it)" >&2; exit 1; }
done

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
(
    cd "$work"
    exec env DATABASE_URL="sqlite://$work/fhir.db" BIND_ADDR="127.0.0.1:$port" \
        APP_ENV=test RATE_LIMIT_ENABLED=false RUST_LOG=warn "$binary" serve
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

# api JAR METHOD PATH [BODY]: the response body; fails on any status outside 2xx.
api() {
    local jar=$1 method=$2 path=$3 body=${4:-}
    local args=(-sS -b "$jar" -c "$jar" -X "$method" -o "$work/reply" -w '%{http_code}')
    if [ -n "$body" ]; then args+=(-H 'Content-Type: application/json' -d "$body"); fi
    local status
    status=$(curl "${args[@]}" "$url$path")
    case "$status" in
        2??) cat "$work/reply" ;;
        *) echo "$method $path answered $status: $(cat "$work/reply")" >&2; exit 1 ;;
    esac
}
id_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }

echo "== a demo account's bundle"
api "$work/demo.jar" POST /auth/demo >/dev/null
api "$work/demo.jar" GET /api/v1/me/export/fhir >"$work/demo-bundle.json"

echo "== an account that fills every field"
jar=$work/full.jar
api "$jar" POST /auth/register \
    '{"email":"fhir-check@example.com","password":"violet harbour engine 42","display_name":"Jan Example","timezone":"Europe/Berlin"}' >/dev/null
doctor=$(api "$jar" POST /api/v1/doctors \
    '{"name":"Dr. Anna Weber","specialty":"Neurology","phone":"+49 30 1234 5678","email":"praxis.weber@example.org","address":"Hauptstr. 1\n10115 Berlin","notes":"Tuesdays only"}' | id_of)
api "$jar" POST /api/v1/doctors '{"name":"Dr. Name Only"}' >/dev/null
migraine=$(api "$jar" POST /api/v1/conditions \
    '{"name":"Migraine","status":"active","diagnosed_on":"2019-04-01","notes":"With aura"}' | id_of)
api "$jar" POST /api/v1/conditions '{"name":"Tennis elbow","status":"resolved"}' >/dev/null
api "$jar" PUT "/api/v1/doctors/$doctor/conditions/$migraine" >/dev/null
triptan=$(api "$jar" POST /api/v1/medications \
    "{\"name\":\"Sumatriptan\",\"dosage\":\"50 mg\",\"form\":\"tablet\",\"purpose\":\"Migraine attacks\",\"frequency\":\"As needed, at most 2 per day\",\"prescribing_doctor_id\":\"$doctor\",\"condition_id\":\"$migraine\",\"notes\":\"Take with water\"}" | id_of)
api "$jar" POST "/api/v1/medications/$triptan/schedules" \
    '{"times":["08:00","20:00"],"days_of_week":[1,3,5],"starts_on":"2026-01-01","ends_on":"2026-01-31","dose_amount":50,"dose_unit":"mg"}' >/dev/null
api "$jar" POST "/api/v1/medications/$triptan/schedules" \
    '{"times":["09:00"],"starts_on":"2026-02-01","dose_amount":1.5}' >/dev/null
stopped=$(api "$jar" POST /api/v1/medications '{"name":"Ibuprofen"}' | id_of)
# Deactivating ends this schedule today: an ended plan of three times a day.
api "$jar" POST "/api/v1/medications/$stopped/schedules" \
    '{"times":["07:00","12:00","17:00"],"starts_on":"2026-01-01","dose_unit":"tablet"}' >/dev/null
api "$jar" POST /api/v1/logs/medications \
    "{\"medication_id\":\"$stopped\",\"taken_at\":\"2026-01-02T10:00:00+01:00\"}" >/dev/null
api "$jar" POST "/api/v1/medications/$stopped/deactivate" >/dev/null
api "$jar" POST /api/v1/logs/medications \
    "{\"medication_id\":\"$triptan\",\"taken_at\":\"2026-01-03T08:30:00.123Z\",\"dose_amount\":50,\"dose_unit\":\"mg\",\"effectiveness\":4,\"side_effects\":\"Drowsy\",\"side_effect_severity\":3,\"notes\":\"Helped within an hour\"}" >/dev/null
api "$jar" POST /api/v1/logs/medications \
    "{\"medication_id\":\"$triptan\",\"dose_amount\":1.5}" >/dev/null
headache=$(api "$jar" POST /api/v1/symptom-types \
    '{"name":"Headache","description":"Throbbing, one side","category":"Neurological","default_severity":6,"default_impact":4}' | id_of)
api "$jar" POST /api/v1/logs/symptoms \
    "{\"symptom_type_id\":\"$headache\",\"started_at\":\"2026-01-03T07:00:00Z\",\"duration_minutes\":90,\"severity\":7,\"impact\":5,\"notes\":\"Behind the eyes\"}" >/dev/null
api "$jar" POST /api/v1/logs/symptoms \
    "{\"symptom_type_id\":\"$headache\",\"started_at\":\"2026-01-04T07:00:00Z\",\"ended_at\":\"2026-01-04T09:00:00Z\"}" >/dev/null
api "$jar" POST /api/v1/logs/symptoms "{\"symptom_type_id\":\"$headache\"}" >/dev/null
api "$jar" GET /api/v1/me/export/fhir >"$work/full-bundle.json"

echo "== fhir.resources parses every resource"
"$root/$python" scripts/fhir_validate.py "$work/demo-bundle.json" "$work/full-bundle.json"
