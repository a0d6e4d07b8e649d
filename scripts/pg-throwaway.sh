#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for tests, and prints its URL.
#   eval "$(scripts/pg-throwaway.sh start)"   # exports PG_THROWAWAY_DIR and TEST_PG_URL
#   scripts/pg-throwaway.sh restart "$PG_THROWAWAY_DIR"   # fast shutdown, then start again
#   scripts/pg-throwaway.sh stop "$PG_THROWAWAY_DIR"
# PG_PORT picks the port (default 55432). PG_BENCH_SETTINGS=1 gives the server what an operator
# would on a small machine (shared_buffers 256 MB, effective_cache_size 1 GB, random_page_cost 1.1
# for solid-state storage) instead of PostgreSQL's defaults: the benchmark's server (BENCH_PG=1).
# PostgreSQL refuses to run as root, so the server runs as the `postgres` user.
# The cluster sorts text by ICU's en-US collation, not byte order, as a production server
# usually does: the tests then prove that lists order identically on both databases.
set -euo pipefail

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

case "${1:-}" in
  start)
    bin=$(find_bin)
    if [ -z "$bin" ]; then
      echo "installing PostgreSQL (no server binaries found)" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      bin=$(find_bin)
    fi
    port=${PG_PORT:-55432}
    settings=""
    if [ "${PG_BENCH_SETTINGS:-0}" = 1 ]; then
      settings="-c shared_buffers=256MB -c effective_cache_size=1GB -c random_page_cost=1.1"
    fi
    dir=$(mktemp -d /tmp/medtracker-pg.XXXXXX)
    chown postgres "$dir" 2>/dev/null || true
    if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi
    "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
      --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >/dev/null
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on $settings" -w start >/dev/null
    echo "export PG_THROWAWAY_DIR=$dir"
    echo "export TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  restart)
    dir=${2:?usage: pg-throwaway.sh restart DIR}
    bin=$(find_bin)
    if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -m fast -w restart >/dev/null
    ;;
  stop)
    dir=${2:?usage: pg-throwaway.sh stop DIR}
    bin=$(find_bin)
    if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | restart DIR | stop DIR" >&2
    exit 2
    ;;
esac
