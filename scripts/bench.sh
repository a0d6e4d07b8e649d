#!/usr/bin/env bash
# The benchmark: builds the release binary, installs wrk if missing, and runs scripts/bench/bench.py,
# which starts the server on a fresh database, seeds it, runs every scenario and prints one table.
#   scripts/bench.sh                    # full run (about 4 minutes after the build, then the
#                                       # 10-minute soak, scripts/bench/soak.py)
#   BENCH_SECONDS=2 BENCH_SOAK_SECONDS=60 scripts/bench.sh    # a shorter run
#   BENCH_SOAK_SECONDS=0 scripts/bench.sh                     # no soak
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi
cargo build --release --locked --quiet
python3 scripts/bench/bench.py target/release/medtracker "$@"
if [ "${BENCH_SOAK_SECONDS:-600}" != 0 ]; then
  python3 scripts/bench/soak.py target/release/medtracker
fi
