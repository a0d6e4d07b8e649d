#!/usr/bin/env bash
# The benchmark: builds the release binary, installs wrk if missing, and runs scripts/bench/bench.py,
# which starts the server on a fresh database, seeds it, runs every scenario and prints one table.
#   scripts/bench.sh                    # full run (about 4 minutes after the build, then the
#                                       # 10-minute soak, scripts/bench/soak.py)
#   BENCH_SECONDS=2 BENCH_SOAK_SECONDS=60 scripts/bench.sh    # a shorter run
#   BENCH_SOAK_SECONDS=0 scripts/bench.sh                     # no soak
#   BENCH_SMOKE=1 BENCH_SECONDS=1 BENCH_SOAK_SECONDS=20 scripts/bench.sh   # CI's smoke run
#   BENCH_PG=1 scripts/bench.sh         # on a throwaway PostgreSQL started (and stopped) here, on
#                                       # port BENCH_PG_PORT (default 55533), with the settings an
#                                       # operator would use on a small machine: shared_buffers
#                                       # 256 MB, effective_cache_size 1 GB, random_page_cost 1.1
#                                       # (scripts/pg-throwaway.sh, PG_BENCH_SETTINGS=1)
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres scripts/bench.sh   # a server of yours
# On PostgreSQL the script runs ANALYZE after each bulk load, as autovacuum would soon after.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi
cargo build --release --locked --quiet
if [ "${BENCH_PG:-0}" = 1 ]; then
  eval "$(PG_BENCH_SETTINGS=1 PG_PORT="${BENCH_PG_PORT:-55533}" scripts/pg-throwaway.sh start)"
  trap 'scripts/pg-throwaway.sh stop "$PG_THROWAWAY_DIR"' EXIT
  export BENCH_DATABASE_URL=$TEST_PG_URL
fi
python3 scripts/bench/bench.py target/release/medtracker "$@"
if [ "${BENCH_SOAK_SECONDS:-600}" != 0 ]; then
  python3 scripts/bench/soak.py target/release/medtracker
fi
