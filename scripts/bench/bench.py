#!/usr/bin/env python3
"""medtracker benchmark: one table of requests/s, p50, p99, errors and the server's peak RSS.

Usage: bench.py PATH_TO_RELEASE_BINARY. Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64),
BENCH_DATABASE_URL (a PostgreSQL server URL; default: a fresh SQLite file), BENCH_SMOKE=1 (a small
growth phase, for CI).
Every figure is also given as a ratio against the /health baseline of the same run, because
absolute numbers on shared machines drift and ratios do not.
"""
import base64, calendar, json, os, re, signal, threading, socket, sqlite3, subprocess, sys, tempfile, time, uuid
import http.client

BIN = sys.argv[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
THREADS = 2
PG_URL = os.environ.get("BENCH_DATABASE_URL")
# A smoke run (CI) proves the script works: shorter scenarios and a smaller growth phase.
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
# The growth phase: accounts with as many medication logs each (the light account under test is
# one of them), and one heavy account.
GROWTH_ACCOUNTS, GROWTH_LOGS, GROWTH_HEAVY_LOGS = (100, 100, 2_000) if SMOKE else (1_000, 1_000, 100_000)
HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "violet harbour engine 42"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url, port):
        self.database_url, self.port = database_url, port
        self.proc = None

    def start(self):
        env = dict(os.environ, DATABASE_URL=self.database_url, BIND_ADDR=f"127.0.0.1:{self.port}",
                   RATE_LIMIT_ENABLED="false", APP_ENV="test", LOCKOUT_THRESHOLD="1000000",
                   RUST_LOG=os.environ.get("BENCH_RUST_LOG", "warn"), LOG_FORMAT="json")
        began = time.perf_counter()
        self.proc = subprocess.Popen([BIN], env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(tempfile.gettempdir(), "medtracker-bench.log"), "a"))
        while True:
            try:
                status, _, _ = request(self.port, "GET", "/health/ready")
                if status == 200:
                    return time.perf_counter() - began
            except OSError:
                pass
            if self.proc.poll() is not None:
                sys.exit("the server exited during start-up")
            if time.perf_counter() - began > 30:
                sys.exit("the server did not become ready in 30 s")
            time.sleep(0.002)

    def rss_kib(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self):
        """User + system CPU time the server has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)


def request(port, method, path, body=None, cookie=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    cookies = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    return resp.status, (json.loads(data) if data else None), cookies


def api(port, method, path, body=None, cookie=None, expect=(200, 201, 204)):
    status, data, cookies = request(port, method, path, body, cookie)
    if status not in expect:
        sys.exit(f"{method} {path} answered {status}: {data}")
    return data, cookies


def register(port, email, timezone="Europe/Berlin"):
    _, cookies = api(port, "POST", "/auth/register", {"email": email, "password": PASSWORD, "timezone": timezone})
    return cookies[0].split(";")[0]


def spread_symptom_bodies(type_id, days=365):
    """One symptom-log body per past day (an hour before now, minus whole days), sent in turn, so a
    write flood keeps every day far below the daily limit of 1 000 logs however long it runs."""
    now = time.time()
    return [{"symptom_type_id": type_id, "severity": 1 + d % 10,
             "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600 - d * 86400))}
            for d in range(1, days + 1)]


def seed_diary(port, cookie):
    """A realistic small diary through the API: conditions, doctors, medications, symptom types."""
    doctors = [api(port, "POST", "/api/v1/doctors", {"name": f"Dr. {n}", "specialty": "General practice"}, cookie)[0]["id"] for n in ("Adler", "Berg", "Chen")]
    conditions = [api(port, "POST", "/api/v1/conditions", {"name": n}, cookie)[0]["id"] for n in ("Migraine", "Asthma", "Hypertension", "Eczema", "Insomnia")]
    for d in doctors:
        for c in conditions[:3]:
            api(port, "PUT", f"/api/v1/doctors/{d}/conditions/{c}", None, cookie)
    meds = [api(port, "POST", "/api/v1/medications", {"name": n, "dosage": "10 mg", "condition_id": conditions[i % 5], "prescribing_doctor_id": doctors[i % 3]}, cookie)[0]["id"] for i, n in enumerate(("Ibuprofen", "Salbutamol", "Ramipril", "Melatonin"))]
    types = [api(port, "POST", "/api/v1/symptom-types", {"name": n}, cookie)[0]["id"] for n in ("Headache", "Cough", "Fatigue")]
    now = time.time()
    for day in range(2):
        for t in types:
            at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - day * 86400 - 600))
            api(port, "POST", "/api/v1/logs/symptoms", {"symptom_type_id": t, "severity": 3 + day * 2, "started_at": at}, cookie)
        api(port, "POST", "/api/v1/logs/medications", {"medication_id": meds[0], "effectiveness": 4, "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - day * 86400 - 300))}, cookie)
    return meds, types


def bulk_logs(database_url, user_ids_and_meds, per_account):
    """Inserts many medication logs straight into the store (the API would take minutes): each
    account's one every ten minutes back from an hour ago, so 1 000 span a week of past days."""
    now_ms = int(time.time() * 1000)
    insert_logs(database_url, ((user_id, med_id, now_ms - 3_600_000 - i * 600_000)
                               for user_id, med_id in user_ids_and_meds for i in range(per_account)))


def insert_logs(database_url, logs):
    """Inserts medication logs given as (user id, medication id, taken_at in ms), an iterable
    consumed as it is written: a million rows are never held at once."""
    now_ms = int(time.time() * 1000)
    rows = ((str(uuid.uuid4()), user_id, med_id, taken_ms, 1.0, "tablet", 3, now_ms, now_ms) for user_id, med_id, taken_ms in logs)
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.split("://", 1)[1])
        db.executemany("INSERT INTO medication_logs (id, user_id, medication_id, taken_at, dose_amount, dose_unit, effectiveness, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        db.commit()
        db.close()
    else:
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            for r in rows:
                f.write(",".join(str(x) for x in r[:3]) + f",{ms_to_iso(r[3])},{r[4]},{r[5]},{r[6]},{ms_to_iso(r[7])},{ms_to_iso(r[8])}\n")
        subprocess.run(["psql", "-q", database_url, "-c", f"\\copy medication_logs (id, user_id, medication_id, taken_at, dose_amount, dose_unit, effectiveness, created_at, updated_at) FROM '{f.name}' CSV"], check=True)
        # Autovacuum would analyze the loaded table within a minute; without statistics the
        # planner guesses a few rows per account and sorts all 10 000 logs for every page.
        subprocess.run(["psql", "-q", database_url, "-c", "ANALYZE"], check=True)
        os.unlink(f.name)


DOSE_TIMES = ("08:00", "12:00", "18:00", "22:00")
DOSE_DAYS = 92


def seed_doses(port, database_url, email):
    """An account with 10 medications taken 4 times a day for the last 92 days (3 680 doses), about
    nine in ten of them logged five minutes after their time; returns its cookie and the range."""
    cookie = register(port, email)
    (user_id,) = sql(database_url, "SELECT id FROM users WHERE email = ?", (email,))[0]
    # UTC dates one day back: the account's (Berlin) today is never earlier, so the range is past.
    last = time.time() - 86400
    first = last - (DOSE_DAYS - 1) * 86400
    day = lambda t: time.strftime("%Y-%m-%d", time.gmtime(t))
    logs = []
    for n in range(10):
        med = api(port, "POST", "/api/v1/medications", {"name": f"Scheduled {n}"}, cookie)[0]["id"]
        api(port, "POST", f"/api/v1/medications/{med}/schedules", {"times": list(DOSE_TIMES), "starts_on": day(first - 86400)}, cookie)
        for d in range(DOSE_DAYS + 1):
            midnight = calendar.timegm(time.strptime(day(first + (d - 1) * 86400), "%Y-%m-%d"))
            for k, hhmm in enumerate(DOSE_TIMES):
                if (d * 4 + k + n) % 10 == 0:
                    continue  # a missed dose
                hours, minutes = map(int, hhmm.split(":"))
                # Berlin is one or two hours ahead of UTC; an hour back plus five minutes lies in
                # the window either way.
                logs.append((user_id, med, (midnight + (hours - 1) * 3600 + (minutes + 5) * 60) * 1000))
    insert_logs(database_url, logs)
    return cookie, f"/api/v1/doses?from={day(first)}&to={day(last)}"


def bulk_symptom_logs(database_url, user_id, type_ids, count, days=365):
    """Symptom logs spread evenly over the last `days` days, straight into the store."""
    now_ms = int(time.time() * 1000)
    step = days * 86_400_000 // count
    insert_symptom_logs(database_url, [(user_id, type_ids[i % len(type_ids)], now_ms - 3_600_000 - i * step) for i in range(count)])


def insert_symptom_logs(database_url, logs):
    """Inserts symptom logs given as (user id, symptom type id, started_at in ms)."""
    now_ms = int(time.time() * 1000)
    rows = []
    for i, (user_id, type_id, started_ms) in enumerate(logs):
        notes = "Woke up with it; better after a walk." if i % 5 == 0 else None
        rows.append((str(uuid.uuid4()), user_id, type_id, started_ms, 1 + (i * 7) % 10, 5, notes, now_ms, now_ms))
    columns = "id, user_id, symptom_type_id, started_at, severity, impact, notes, created_at, updated_at"
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.split("://", 1)[1])
        db.executemany(f"INSERT INTO symptom_logs ({columns}) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        db.commit()
        db.close()
    else:
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            for r in rows:
                f.write(f"{r[0]},{r[1]},{r[2]},{ms_to_iso(r[3])},{r[4]},{r[5]},{r[6] or ''},{ms_to_iso(r[7])},{ms_to_iso(r[8])}\n")
        subprocess.run(["psql", "-q", database_url, "-c", f"\\copy symptom_logs ({columns}) FROM '{f.name}' CSV"], check=True)
        subprocess.run(["psql", "-q", database_url, "-c", "ANALYZE"], check=True)
        os.unlink(f.name)


def deep_cursor(database_url, user_id, depth):
    """The cursor the server gives out after the account's `depth` newest medication logs:
    base64url("v1:<taken_at in ms>:<log id>"), built as `src/pagination.rs` builds it."""
    if database_url.startswith("sqlite"):
        statement = "SELECT taken_at, id FROM medication_logs WHERE user_id = ? ORDER BY taken_at DESC, id DESC LIMIT 1 OFFSET ?"
    else:
        statement = ("SELECT (EXTRACT(EPOCH FROM taken_at) * 1000)::bigint, id FROM medication_logs "
                     "WHERE user_id = ? ORDER BY taken_at DESC, id DESC LIMIT 1 OFFSET ?")
    (taken_ms, log_id), = sql(database_url, statement, (user_id, depth - 1))
    return base64.urlsafe_b64encode(f"v1:{taken_ms}:{log_id}".encode()).decode().rstrip("=")


def ms_to_iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def sql(database_url, statement, params=()):
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.split("://", 1)[1])
        out = db.execute(statement, params).fetchall()
        db.commit()
        db.close()
        return out
    text = statement
    for p in params:
        text = text.replace("?", str(p) if isinstance(p, int) else f"'{p}'", 1)
    out = subprocess.run(["psql", "-qAt", database_url, "-c", text], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def extra_accounts(database_url, count, template_user):
    """Accounts (with one medication each) inserted through SQL, copying a real password hash."""
    (hash_,) = sql(database_url, "SELECT password_hash FROM users WHERE id = ?", (template_user,))[0]
    now_ms = int(time.time() * 1000)
    pairs = []
    for i in range(count):
        uid, mid = str(uuid.uuid4()), str(uuid.uuid4())
        pairs.append((uid, mid))
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.split("://", 1)[1])
        db.executemany("INSERT INTO users (id, email, password_hash, timezone, is_demo, created_at, updated_at) VALUES (?,?,?,'UTC',0,?,?)", [(u, f"bench-{u}@example.com", hash_, now_ms, now_ms) for u, _ in pairs])
        db.executemany("INSERT INTO medications (id, user_id, name, name_key, active, created_at, updated_at) VALUES (?,?,'Paracetamol','paracetamol',1,?,?)", [(m, u, now_ms, now_ms) for u, m in pairs])
        db.commit()
        db.close()
    else:
        iso = ms_to_iso(now_ms)
        values_u = ",".join(f"('{u}','bench-{u}@example.com','{hash_}','UTC',false,'{iso}','{iso}')" for u, _ in pairs)
        values_m = ",".join(f"('{m}','{u}','Paracetamol','paracetamol',true,'{iso}','{iso}')" for u, m in pairs)
        # On standard input: a thousand accounts make a statement longer than a command line may be.
        statements = f"INSERT INTO users (id, email, password_hash, timezone, is_demo, created_at, updated_at) VALUES {values_u}; INSERT INTO medications (id, user_id, name, name_key, active, created_at, updated_at) VALUES {values_m};"
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", database_url], input=statements, text=True, check=True)
    return pairs


def wrk(port, path, seconds, connections, cookie=None, method="GET", body=None, delay_ms=0, bodies=None):
    env = dict(os.environ)
    env.pop("COOKIE", None), env.pop("BODY", None), env.pop("BODIES", None)
    env["DELAY_MS"] = str(delay_ms)
    if cookie:
        env["COOKIE"] = cookie
    if body is not None:
        env["BODY"] = json.dumps(body)
    if bodies:
        env["BODIES"] = "\n".join(json.dumps(b) for b in bodies)
    env["METHOD"] = method
    out = subprocess.run(["wrk", f"-t{min(THREADS, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s", "-s", os.path.join(HERE, "auth.lua"), f"http://127.0.0.1:{port}{path}"],
                         env=env, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {m.group(1): to_ms(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    non2xx = int(re.search(r"non2xx=(\d+)", out).group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in sock.groups()) if sock else 0
    detail = f"{non2xx} non-2xx, socket errors: {sock.group(0) if sock else 'none'}"
    return {"rps": rps, "p50": lat.get("50", 0.0), "p99": lat.get("99", 0.0), "errors": non2xx + socket_errors, "error_detail": detail}


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def fresh_database(tag):
    if PG_URL:
        name = f"medtracker_bench_{tag}_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", "-q", PG_URL, "-c", f"CREATE DATABASE {name}"], check=True)
        return PG_URL.rsplit("/", 1)[0] + "/" + name
    d = tempfile.mkdtemp(prefix="medtracker-bench-")
    return f"sqlite://{d}/bench.db"


def main():
    results = []
    warm = max(1, SECONDS // 5)

    # Main run: one account with 10 000 medication logs and a small realistic diary.
    url = fresh_database("main")
    port = free_port()
    server = Server(url, port)
    server.start()
    idle_rss = server.rss_kib("VmRSS")
    cookie = register(port, "bench@example.com")
    meds, types = seed_diary(port, cookie)
    (user_id,) = sql(url, "SELECT id FROM users WHERE email = ?", ("bench@example.com",))[0]
    bulk_logs(url, [(user_id, meds[1])], 10_000)

    def measured(path, connections, **kw):
        """wrk's figures plus the server's CPU time per request, in microseconds: unlike
        requests/s it does not depend on how much CPU wrk took from the same cores."""
        began = server.cpu_seconds()
        r = wrk(port, path, SECONDS, connections, **kw)
        r["cpu_us"] = (server.cpu_seconds() - began) / max(r["rps"] * SECONDS, 1) * 1e6
        # The server's peak RSS so far: where it jumps, that scenario set it.
        r["peak_mib"] = server.rss_kib("VmHWM") / 1024
        return r

    def run(name, path, **kw):
        wrk(port, path, warm, CONNECTIONS, **kw)  # warm-up
        r = measured(path, CONNECTIONS, **kw)
        r["name"] = name
        results.append(r)
        return r

    base = run("(a) GET /health", "/health")
    run("(b) GET /api/v1/logs/medications?limit=20 (10k logs)", "/api/v1/logs/medications?limit=20", cookie=cookie)
    run("(d) GET /api/v1/summary", "/api/v1/summary", cookie=cookie)
    run("(e) GET /api/v1/feel-vs-yesterday", "/api/v1/feel-vs-yesterday", cookie=cookie)
    run("(f) GET /api/v1/passport", "/api/v1/passport", cookie=cookie)
    # Writes go to a second account, so that the reads above and any rerun see a realistic
    # diary rather than the tens of thousands of logs this scenario adds to one day.
    writer = register(port, "bench-writer@example.com")
    (writer_type,) = (api(port, "POST", "/api/v1/symptom-types", {"name": "Headache"}, writer)[0]["id"],)
    run("(c) POST /api/v1/logs/symptoms", "/api/v1/logs/symptoms", cookie=writer, method="POST", bodies=spread_symptom_bodies(writer_type))
    run("(h) GET /metrics", "/metrics")
    dosing, doses_path = seed_doses(port, url, "bench-doses@example.com")
    doses = run("(i) GET /api/v1/doses, 92 days of 10 meds x 4 a day", doses_path, cookie=dosing)
    one_client = measured(doses_path, 1, cookie=dosing)
    one_client["name"] = "(i) the same, one client"
    results.append(one_client)

    # (k) A day at the daily limit (1 000 medication and 1 000 symptom logs today, and yesterday
    # too, which feel compares with) against an ordinary diary's day, for the landing screen.
    ordinary = register(port, "bench-ordinary@example.com", "UTC")
    seed_diary(port, ordinary)
    full = register(port, "bench-full-day@example.com", "UTC")
    full_meds, full_types = seed_diary(port, full)
    (full_id,) = sql(url, "SELECT id FROM users WHERE email = ?", ("bench-full-day@example.com",))[0]
    now_ms = int(time.time() * 1000)
    since_midnight = now_ms % 86_400_000
    times = [now_ms - 60_000 - i * max(since_midnight - 120_000, 0) // 1000 for i in range(1000)]
    times += [t - 86_400_000 for t in times]
    insert_symptom_logs(url, [(full_id, full_types[i % 3], t) for i, t in enumerate(times)])
    insert_logs(url, [(full_id, full_meds[i % 4], t) for i, t in enumerate(times)])
    heavy = {}
    for path in ("/api/v1/summary", "/api/v1/feel-vs-yesterday"):
        what = path.rsplit("/", 1)[1]
        heavy[what] = (run(f"(k) GET {path}, an ordinary day", path, cookie=ordinary),
                       run(f"(k) GET {path}, a full day (1000+1000 logs)", path, cookie=full))

    # (g) Login is Argon2-bound: its ceiling is cores / single-hash time. The single-hash time is
    # the latency of one login with nothing else running.
    login_body = {"email": "bench@example.com", "password": PASSWORD}
    single = wrk(port, "/auth/login", SECONDS, 1, method="POST", body=login_body)
    # The flood signs in as many accounts as it has connections, as a crowd would: checks for one
    # email are reserved in turn (lockout), which a single account would measure instead.
    crowd = [f"crowd{i}@example.com" for i in range(CONNECTIONS)]
    for email in crowd:
        register(port, email)
    crowd_bodies = [{"email": email, "password": PASSWORD} for email in crowd]
    # /health latency while logins saturate the CPU (hashing must not block the async workers),
    # probed by one connection every 10 ms: a flood of /health would itself take the CPU the
    # logins are measured on.
    during = {}
    t = threading.Thread(target=lambda: during.update(wrk(port, "/health", SECONDS, 1, delay_ms=10)))
    t.start()
    login = measured("/auth/login", CONNECTIONS, method="POST", bodies=crowd_bodies)
    t.join()
    login["name"] = "(g) POST /auth/login"
    results.append(login)

    # (j) The doctor's report over 366 days of a heavy diary (10 000 symptom logs across the
    # year on top of the 10 000 medication logs), for one client at a time.
    bulk_symptom_logs(url, user_id, types, 10_000)
    last = time.strftime("%Y-%m-%d", time.gmtime())
    first = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 365 * 86400))
    report_path = f"/api/v1/report?from={first}&to={last}"
    # A fresh session: the single-login run above signed this account in hundreds of times, and
    # an account keeps only its newest sessions, so the first one has been signed out.
    _, report_cookies = api(port, "POST", "/auth/login", login_body)
    report_cookie = report_cookies[0].split(";")[0]
    wrk(port, report_path, warm, 1, cookie=report_cookie)
    report = measured(report_path, 1, cookie=report_cookie)
    report["name"] = "(j) GET /api/v1/report, 366 days, 20k logs, 1 client"
    results.append(report)
    peak_rss = server.rss_kib("VmHWM")
    server.stop()

    # Start-up on an already-migrated database.
    server = Server(url, free_port())
    startup = server.start()
    server.stop()

    # Growth: (b) for a light account (one of 1 000 with 1 000 medication logs each), for a heavy
    # one (100 000) and from a cursor halfway down the heavy one's history: a page should cost the
    # same whoever asks and however deep.
    url = fresh_database("growth")
    port = free_port()
    server = Server(url, port)
    server.start()
    accounts = {}
    for who in ("light", "heavy"):
        email = f"growth-{who}@example.com"
        cookie_g = register(port, email)
        med, _ = api(port, "POST", "/api/v1/medications", {"name": "Ibuprofen"}, cookie_g)
        (account_id,) = sql(url, "SELECT id FROM users WHERE email = ?", (email,))[0]
        accounts[who] = (cookie_g, account_id, med["id"])
    others = extra_accounts(url, GROWTH_ACCOUNTS - 1, accounts["light"][1])
    bulk_logs(url, [accounts["light"][1:]] + others, GROWTH_LOGS)
    bulk_logs(url, [accounts["heavy"][1:]], GROWTH_HEAVY_LOGS)
    page = "/api/v1/logs/medications?limit=20"
    deep = f"{page}&cursor={deep_cursor(url, accounts['heavy'][1], GROWTH_HEAVY_LOGS // 2)}"
    deep_page, _ = api(port, "GET", deep, cookie=accounts["heavy"][0])
    if len(deep_page["items"]) != 20:
        sys.exit(f"the deep page holds {len(deep_page['items'])} logs, not 20")
    growth = {}
    for name, cookie_g, path in (("light", accounts["light"][0], page), ("heavy", accounts["heavy"][0], page),
                                 ("deep", accounts["heavy"][0], deep)):
        wrk(port, path, warm, CONNECTIONS, cookie=cookie_g)
        growth[name] = wrk(port, path, SECONDS, CONNECTIONS, cookie=cookie_g)
        growth[name]["name"] = f"growth: (b) the {name} account's page" if name != "deep" else "growth: (b) a page halfway down the heavy account"
    server.stop()

    cores = os.cpu_count() or 1
    hash_s = single["p50"] / 1000.0
    print()
    print(f"medtracker benchmark: {'PostgreSQL' if PG_URL else 'SQLite'}, {CONNECTIONS} connections, {SECONDS} s per scenario, {cores} cores")
    print(f"{'scenario':58} {'req/s':>10} {'vs (a)':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU µs/req':>11} {'peak MiB':>9}")
    for r in results:
        print(f"{r['name']:58} {r['rps']:>10.0f} {r['rps'] / base['rps']:>6.1%} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>7} {r['cpu_us']:>11.0f} {r.get('peak_mib', 0):>9.1f}")
    print()
    print(f"single login (≈ one Argon2id hash): {single['p50']:.1f} ms → Argon2 limit {cores / hash_s:.0f} logins/s; (g) reached {login['rps'] / (cores / hash_s):.0%} of it")
    print(f"/health while logins saturate the CPU (one probe every 10 ms): p99 {during.get('p99', 0):.2f} ms, {during.get('errors', 0)} errors")
    total = GROWTH_ACCOUNTS * GROWTH_LOGS + GROWTH_HEAVY_LOGS
    light = growth["light"]
    print(f"growth, {total} medication logs of {GROWTH_ACCOUNTS + 1} accounts: (b) light ({GROWTH_LOGS} logs) {light['rps']:.0f} req/s, p50 {light['p50']:.2f} ms, p99 {light['p99']:.2f} ms")
    for name in ("heavy", "deep"):
        r = growth[name]
        what = f"heavy ({GROWTH_HEAVY_LOGS} logs)" if name == "heavy" else f"deep (cursor after {GROWTH_HEAVY_LOGS // 2} logs)"
        print(f"  {what}: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms; {name}/light {light['rps'] / max(r['rps'], 1e-9):.2f}x the time per request, {r['p50'] / max(light['p50'], 1e-9):.2f}x p50 (target at most 1.25x)")
    print(f"report over 366 days of 20 000 logs, one client: p50 {report['p50']:.1f} ms, p99 {report['p99']:.1f} ms (target < 200 ms)")
    for what, (ordinary_day, full_day) in heavy.items():
        print(f"{what}, a full day vs an ordinary one: {full_day['cpu_us'] / max(ordinary_day['cpu_us'], 1e-9):.2f}x the CPU per request, {ordinary_day['rps'] / max(full_day['rps'], 1e-9):.2f}x the time (target at most 2x)")
    print(f"memory: idle RSS {idle_rss / 1024:.1f} MiB, peak RSS {peak_rss / 1024:.1f} MiB")
    print(f"start-up to /health/ready on a migrated database: {startup * 1000:.0f} ms")
    errors = sum(r["errors"] for r in results + list(growth.values())) + during.get("errors", 0)
    if errors:
        for r in results + list(growth.values()) + [dict(during, name="/health probe during (g)")]:
            if r.get("errors"):
                print(f"{r['name']}: {r['error_detail']}")
        sys.exit(f"{errors} requests failed")


if __name__ == "__main__":
    main()
