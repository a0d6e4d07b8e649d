#!/usr/bin/env python3
"""medtracker soak: a long mixed run that must hold its speed, memory and disk use.

Usage: soak.py PATH_TO_RELEASE_BINARY. Env: BENCH_SOAK_SECONDS (default 600), BENCH_DATABASE_URL
(a PostgreSQL server URL; default: a fresh SQLite file).

Several accounts write symptom logs (paced, spread over past days, as the daily limit and the
quotas require), read their log lists and summaries, sign in, and /metrics is scraped, all at
once, in back-to-back 10-second rounds. After each round: throughput, p99, the server's RSS, its
open file descriptors and (SQLite) the write-ahead log's size. One account's export is read slowly
during the third minute, because an open read transaction holds SQLite's log back.
Targets: the last minute's throughput and p99 within 20 % of the second minute's, RSS after the
first minute growing less than 10 %, the log at most 64 MiB, descriptors flat.
"""
import os, socket, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

from bench import PASSWORD, PG_URL, Server, api, bulk_logs, fresh_database, free_port, register, seed_diary, spread_symptom_bodies, sql, wrk

SOAK_SECONDS = int(os.environ.get("BENCH_SOAK_SECONDS", "600"))
ROUND = 10 if SOAK_SECONDS >= 60 else max(2, SOAK_SECONDS // 5)
WRITERS = 4
LOGINS = 16
WAL_LIMIT_MIB = 64


def slow_export(port, cookie, bytes_per_second, stop):
    """Reads the JSON export at a trickle, so its snapshot stays open for as long as it lasts."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"GET /api/v1/me/export HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n".encode())
        total = 0
        while not stop.is_set():
            chunk = s.recv(1024)
            if not chunk:
                break
            total += len(chunk)
            time.sleep(1024 / bytes_per_second)
        return total


def main():
    url = fresh_database("soak")
    port = free_port()
    server = Server(url, port)
    server.start()
    wal_path = url.split("://", 1)[1] + "-wal" if url.startswith("sqlite") else None

    reader = register(port, "soak-reader@example.com")
    meds, _ = seed_diary(port, reader)
    (reader_id,) = sql(url, "SELECT id FROM users WHERE email = ?", ("soak-reader@example.com",))[0]
    # A diary of 20 000 logs, so that its export takes minutes at a trickle.
    bulk_logs(url, [(reader_id, meds[1])], 20_000)
    writers = []
    for i in range(WRITERS):
        cookie = register(port, f"soak-writer{i}@example.com")
        type_id = api(port, "POST", "/api/v1/symptom-types", {"name": "Headache"}, cookie)[0]["id"]
        writers.append((cookie, spread_symptom_bodies(type_id)))
    crowd = [f"soak-crowd{i}@example.com" for i in range(LOGINS)]
    for email in crowd:
        register(port, email)
    crowd_bodies = [{"email": email, "password": PASSWORD} for email in crowd]

    # (name, path, connections, keyword arguments): paced writers and logins, free-running reads.
    mix = [(f"write{i}", "/api/v1/logs/symptoms", 2, dict(cookie=c, method="POST", bodies=b, delay_ms=10)) for i, (c, b) in enumerate(writers)]
    mix += [
        ("list", "/api/v1/logs/medications?limit=20", 4, dict(cookie=reader)),
        ("summary", "/api/v1/summary", 4, dict(cookie=reader)),
        ("login", "/auth/login", 2, dict(method="POST", bodies=crowd_bodies, delay_ms=250)),
        ("metrics", "/metrics", 1, dict(delay_ms=1000)),
    ]

    samples = []
    export_stop, export_thread, export_bytes = threading.Event(), None, {}
    began = time.time()
    print(f"soak: {SOAK_SECONDS} s in {ROUND}-second rounds on {'PostgreSQL' if PG_URL else 'SQLite'}", flush=True)
    print(f"{'t s':>5} {'req/s':>8} {'p99 ms':>8} {'errors':>7} {'RSS MiB':>8} {'fds':>5} {'WAL MiB':>8}", flush=True)
    with ThreadPoolExecutor(max_workers=len(mix)) as pool:
        while time.time() - began < SOAK_SECONDS:
            elapsed = time.time() - began
            if export_thread is None and elapsed >= min(120, SOAK_SECONDS / 3):
                export_thread = threading.Thread(target=lambda: export_bytes.update(n=slow_export(port, reader, 16 * 1024, export_stop)))
                export_thread.start()
            runs = [pool.submit(wrk, port, path, ROUND, conns, **kw) for _, path, conns, kw in mix]
            results = [r.result() for r in runs]
            sample = {
                "t": time.time() - began,
                "rps": sum(r["rps"] for r in results),
                # Logins are Argon2-bound and /metrics is scraped once a second: the p99 that must
                # hold is the diary's (writes, lists, summaries).
                "p99": max(r["p99"] for (name, *_), r in zip(mix, results) if name not in ("login", "metrics")),
                "errors": sum(r["errors"] for r in results),
                "rss": server.rss_kib("VmRSS") / 1024,
                "fds": len(os.listdir(f"/proc/{server.proc.pid}/fd")),
                "wal": os.path.getsize(wal_path) / 2**20 if wal_path and os.path.exists(wal_path) else 0.0,
                "exporting": export_thread is not None and export_thread.is_alive(),
            }
            samples.append(sample)
            print(f"{sample['t']:>5.0f} {sample['rps']:>8.0f} {sample['p99']:>8.1f} {sample['errors']:>7} {sample['rss']:>8.1f} {sample['fds']:>5} {sample['wal']:>8.1f}{'  (slow export open)' if sample['exporting'] else ''}", flush=True)
    export_stop.set()
    if export_thread:
        export_thread.join()
    server.stop()

    per_minute = 60 // ROUND
    second = samples[per_minute:2 * per_minute] or samples[:1]
    last = samples[-per_minute:]
    mean = lambda xs, key: sum(x[key] for x in xs) / max(len(xs), 1)
    rps_ratio = mean(last, "rps") / max(mean(second, "rps"), 1e-9)
    p99_ratio = mean(last, "p99") / max(mean(second, "p99"), 1e-9)
    after_first = samples[per_minute:] or samples
    rss_growth = after_first[-1]["rss"] / after_first[0]["rss"] - 1
    wal_max = max(s["wal"] for s in samples)
    wal_export = max((s["wal"] for s in samples if s["exporting"]), default=0.0)
    fds = [s["fds"] for s in samples]
    errors = sum(s["errors"] for s in samples)
    print()
    print(f"throughput, last minute vs second: {rps_ratio:.2f}x (target 0.80-1.20)")
    print(f"p99, last minute vs second: {p99_ratio:.2f}x (target at most 1.20)")
    print(f"RSS after the first minute: {after_first[0]['rss']:.1f} -> {after_first[-1]['rss']:.1f} MiB ({rss_growth:+.1%}, target < +10 %)")
    if wal_path:
        print(f"write-ahead log: at most {wal_max:.1f} MiB (target <= {WAL_LIMIT_MIB}); while the slow export was open: {wal_export:.1f} MiB")
    print(f"open descriptors: {min(fds)}..{max(fds)}; slow export read {export_bytes.get('n', 0) / 1024:.0f} KiB")
    if errors:
        sys.exit(f"{errors} requests failed")


if __name__ == "__main__":
    main()
