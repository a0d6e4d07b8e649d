#!/usr/bin/env python3
"""Compares release binaries on the benchmark's read scenarios, alternating them so that both see
the same machine: requests/s, the server's CPU time per request and its context switches per
request (all threads, from /proc), which move far less with the neighbours' load than requests/s.

Usage: compare.py BINARY [BINARY ...]   Env: BENCH_SECONDS (default 5), COMPARE_ROUNDS (2),
COMPARE_PATHS (comma-separated; default the list, summary, feel and passport reads),
BENCH_RUST_LOG (the servers' RUST_LOG, default warn; `info` writes the request log, as in
production, into /dev/null), COMPARE_LOG_FILTERS (several RUST_LOG filters separated by `|`, each
binary measured under each in turn: `warn|info` is the request log's cost on one binary).
"""
import glob, os, sys

import bench

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("COMPARE_ROUNDS", "2"))
PATHS = os.environ.get("COMPARE_PATHS", "/api/v1/logs/medications?limit=20,/api/v1/summary,/api/v1/feel-vs-yesterday,/api/v1/passport").split(",")
LOG_FILTERS = [f for f in os.environ.get("COMPARE_LOG_FILTERS", "").split("|") if f]


def context_switches(pid):
    total = 0
    for status in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            with open(status) as f:
                total += sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
        except OSError:
            pass  # a thread that ended meanwhile
    return total


def measure(binary):
    bench.BIN = binary
    url = bench.fresh_database("compare")
    port = bench.free_port()
    server = bench.Server(url, port)
    server.start()
    cookie = bench.register(port, "bench@example.com")
    meds, _ = bench.seed_diary(port, cookie)
    (user_id,) = bench.sql(url, "SELECT id FROM users WHERE email = ?", ("bench@example.com",))[0]
    bench.bulk_logs(url, [(user_id, meds[1])], 10_000)
    rows = []
    for path in ["/health"] + PATHS:
        kw = {} if path == "/health" else {"cookie": cookie}
        bench.wrk(port, path, 1, bench.CONNECTIONS, **kw)  # warm-up
        cpu, switches = server.cpu_seconds(), context_switches(server.proc.pid)
        r = bench.wrk(port, path, SECONDS, bench.CONNECTIONS, **kw)
        requests = max(r["rps"] * SECONDS, 1)
        rows.append((path, r["rps"], (server.cpu_seconds() - cpu) / requests * 1e6,
                     (context_switches(server.proc.pid) - switches) / requests))
    server.stop()
    return rows


def main():
    binaries = sys.argv[1:]
    if not binaries:
        sys.exit(__doc__)
    filters = LOG_FILTERS or [os.environ.get("BENCH_RUST_LOG", "warn")]
    print(f"{'binary [RUST_LOG]':40} {'path':40} {'req/s':>8} {'CPU µs/req':>11} {'switches/req':>13}")
    for _ in range(ROUNDS):
        for binary in binaries:
            for log_filter in filters:
                os.environ["BENCH_RUST_LOG"] = log_filter  # read by bench.Server.start
                label = f"{os.path.basename(binary)[:24]} [{log_filter[:13]}]"
                for path, rps, cpu_us, switches in measure(binary):
                    print(f"{label:40} {path[:40]:40} {rps:>8.0f} {cpu_us:>11.0f} {switches:>13.2f}")


if __name__ == "__main__":
    main()
