#!/usr/bin/env bash
# The benchmark: builds the release binary, installs wrk if missing, and runs scripts/bench/bench.py,
# which starts the server on a fresh database, seeds it, runs every scenario and prints one table.
#   scripts/bench.sh                    # full run (about 3 minutes after the build)
#   BENCH_SECONDS=2 scripts/bench.sh    # a short smoke run (CI uses this)
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi
cargo build --release --locked --quiet
exec python3 scripts/bench/bench.py target/release/medtracker "$@"
