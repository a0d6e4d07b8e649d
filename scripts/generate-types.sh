#!/bin/sh
# Regenerates the TypeScript types of the API from the committed OpenAPI document:
#   scripts/generate-types.sh [OUTPUT]     (default: openapi/schema.d.ts)
# Refresh the document first when the API changed: cargo run -q -- openapi > openapi/openapi.json
# openapi-typescript is pinned in clients/typescript/package-lock.json; it is installed there
# (npm ci) when missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
output=${1:-openapi/schema.d.ts}
client="$root/clients/typescript"
generator="$client/node_modules/.bin/openapi-typescript"
if [ ! -x "$generator" ]; then
    (cd "$client" && npm ci --no-audit --no-fund)
fi
cd "$root"
"$generator" openapi/openapi.json --output "$output"
