#!/usr/bin/env python3
"""The acquisition benchmark (issue 15, "Done when"): the pipeline's board, the lead list, the conversion funnel
and the effectiveness report at 100,000 leads,
through Banyan and against raw PostgreSQL in the same run. Figures and reading: docs/benchmarks.md,
"Acquisition".

  bench/acquisition/run.py                       # 100,000 leads, both backends
  LEADS=20000 BACKENDS=pg bench/acquisition/run.py
  BANYAN=target/release/banyan (default; built by `cargo build --release -p banyan` when missing)

Per backend, on a fresh database: `banyan migrate`; three staff (`banyan user add`): a risk officer (the whole
bank), a supervisor of BR0001 and a relationship manager of BR0001; LEADS leads inserted by SQL (untimed) over
ten branches, 50 owners per branch (the manager owns one BR0001 share: 1/500 of the leads), every stage
(new 20 %, screened 10 %, qualified 15 %, visiting 10 %, proposal 8 %, contract 5 %, application 4 %, won 10 %,
rejected 8 %, lost 10 %), stage entered up to 120 days ago. Then `banyan serve`, and for each reader:
  board   GET /api/v1/leads/board            (counts, ageing and the 20 longest-waiting cards per stage)
  list    GET /api/v1/leads?open=true        (the first 50 open leads, newest first, with their count)
  funnel  GET /api/v1/leads/funnel           (the last 91 days' leads by channel, furthest stage and stage, and the
                                              period before)
  effect  GET /api/v1/leads/effectiveness    (the customers won in the last 91 days and the 91 before, the open
                                              leads' ageing in four bands)
under CLIENTS=8 closed-loop clients for DURATION=15 s after WARMUP=3 s. On PostgreSQL in the same database,
raw: the same reads as SQL (the board's GROUP BY and its seven card queries; the list's page and its capped
count; the funnel's two grouped counts; the report's two won-lead reads and four ageing counts) under pgbench with the same clients and duration, p99 from its per-transaction log.
Results: one JSON line per case in bench/out/acquisition-results.jsonl and the run's directory.
"""
import json, os, random, secrets, shutil, sqlite3, subprocess, sys, tempfile, time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from closedloop import closed_loop as loop, free_port, pgbench as run_pgbench  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LEADS = int(os.environ.get("LEADS", "100000"))
BACKENDS = os.environ.get("BACKENDS", "pg sqlite").split()
CLIENTS = int(os.environ.get("CLIENTS", "8"))
DURATION = float(os.environ.get("DURATION", "15"))
WARMUP = float(os.environ.get("WARMUP", "3"))
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
BANYAN = os.environ.get("BANYAN", os.path.join(ROOT, "target", "release", "banyan"))
RUN_ID = "acquisition-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
OUT = os.path.join(ROOT, "bench", "out")
LOGS = os.path.join(OUT, RUN_ID)
PASSWORD = secrets.token_urlsafe(18)
MASTER = secrets.token_hex(32)
STAGES = [("new", 20), ("screened", 10), ("qualified", 15), ("visiting", 10), ("proposal", 8),
          ("contract", 5), ("application", 4), ("won", 10), ("rejected", 8), ("lost", 10)]
OPEN = ["new", "screened", "qualified", "visiting", "proposal", "contract", "application"]
READERS = [("bench_risk", "risk_officer", None), ("bench_sup", "supervisor", "BR0001"),
           ("bench_rm", "relationship_manager", "BR0001")]


def log(*a):
    print(time.strftime("[%H:%M:%S]"), *a, file=sys.stderr, flush=True)


class Backend:
    """A fresh database for one backend: its URL for Banyan, and how to run SQL on it."""

    def __init__(self, kind, work):
        self.kind, self.work = kind, work
        self.dir = os.path.join(work, kind)
        os.makedirs(self.dir)
        self.url, self.pg = None, None
        if kind == "pg":
            self.start_pg()

    def start_pg(self):
        self.port = free_port()
        data = os.path.join(self.work, "pgdata")
        run = os.path.join(self.work, "pgrun")
        os.makedirs(run)
        subprocess.run(["chown", "-R", "postgres:", self.work], check=True)
        subprocess.run(["sudo", "-u", "postgres", f"{PGBIN}/initdb", "-D", data, "-E", "UTF8", "--locale=C.UTF-8",
                        "-U", "postgres", "--auth-local=trust", "--auth-host=trust"], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{run}'\n"
                    "max_connections = 100\nshared_buffers = 1GB\neffective_cache_size = 8GB\nwork_mem = 16MB\n")
        subprocess.run(["sudo", "-u", "postgres", f"{PGBIN}/pg_ctl", "-D", data, "-l",
                        os.path.join(self.work, "postgres.log"), "-w", "-t", "60", "start"], check=True,
                       stdout=subprocess.DEVNULL)
        self.pg = data
        self.psql("postgres", "CREATE ROLE bench LOGIN PASSWORD 'bench' SUPERUSER")
        self.psql("postgres", "CREATE DATABASE acq OWNER bench")
        self.url = f"postgres://bench:bench@127.0.0.1:{self.port}/acq"

    def stop(self):
        if self.pg:
            subprocess.run(["sudo", "-u", "postgres", f"{PGBIN}/pg_ctl", "-D", self.pg, "-m", "fast", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.pg = None

    def psql(self, db, sql):
        r = subprocess.run([f"{PGBIN}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", "postgres", "-d", db, "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"psql: {r.stderr.strip()}")
        return r.stdout

    def sql(self, sql):
        if self.kind == "pg":
            return self.psql("acq", sql)
        c = sqlite3.connect(os.path.join(self.dir, "banyan.db"), timeout=60)
        rows = c.execute(sql).fetchall()
        c.commit()
        c.close()
        return "\n".join("|".join(str(x) for x in r) for r in rows)

    def env(self):
        e = dict(os.environ, BANYAN_MASTER_KEY=MASTER, BANYAN_LOG_FORMAT="text", BANYAN_LOG_LEVEL="warn",
                 BANYAN_DATA_DIR=self.dir)
        if self.url:
            e["BANYAN_DATABASE_URL"] = self.url
        return e

    def banyan(self, *args, stdin=None):
        subprocess.run([BANYAN, *args], env=self.env(), check=True, input=stdin, text=True,
                       stdout=subprocess.DEVNULL)


def staff_id(b, username):
    if b.kind == "pg":
        return b.sql(f"SELECT id FROM staff WHERE username = '{username}'").strip()
    return b.sql(f"SELECT lower(hex(id)) FROM staff WHERE username = '{username}'").strip()


def seed(b, rm_id):
    """LEADS leads by SQL: branch i % 10, owner (i / 10) % 50 of the branch (owner 0 of BR0001 is the manager)."""
    now = int(time.time() * 1e6)
    cases, acc = [], 0
    for s, w in STAGES:
        acc += w
        cases.append((acc, s))
    if b.kind == "pg":
        stage = "CASE " + " ".join(f"WHEN (i * 7919) % 100 < {a} THEN '{s}'" for a, s in cases) + " END"
        owner = (f"CASE WHEN i % 10 = 0 AND (i / 10) % 50 = 0 THEN '{rm_id}'::uuid "
                 "ELSE md5('owner' || (i % 10) || '-' || ((i / 10) % 50))::uuid END")
        b.sql(f"""INSERT INTO leads (id, lead_no, kind, name, mobile_mask, products_wanted, channel, branch_code,
            rm_id, stage, reached, stage_at_us, score, factors, created_by, created_at_us, updated_at_us, version)
            SELECT gen_random_uuid(), 'XS2026' || lpad(i::text, 7, '0'),
              CASE WHEN i % 3 = 0 THEN 'corporate' ELSE 'individual' END, '线索' || i, '139****' || lpad((i % 10000)::text, 4, '0'),
              '[]', (ARRAY['branch','website','mobile_app','social_media','market_research','community_event','trade_fair'])[1 + i % 7],
              'BR' || lpad((1 + i % 10)::text, 4, '0'), {owner}, {stage},
              CASE WHEN {stage} IN ('rejected', 'lost') THEN 'screened' ELSE {stage} END,
              {now} - ((i * 7) % 120) * 86400000000 - (i % 86400) * 1000000::bigint,
              CASE WHEN i % 5 = 0 THEN NULL ELSE 40 + i % 60 END, '[]',
              '{rm_id}'::uuid, {now} - ((i * 7) % 120) * 86400000000 - (i % 86400) * 1000000::bigint, {now}, 1
            FROM generate_series(0, {LEADS - 1}) AS i""")
        b.sql("ANALYZE leads")
        return
    c = sqlite3.connect(os.path.join(b.dir, "banyan.db"), timeout=60)
    rnd = random.Random(7)
    rm = bytes.fromhex(rm_id)
    owners = {}
    rows = []
    for i in range(LEADS):
        k = (i * 7919) % 100
        stage = next(s for a, s in cases if k < a)
        if i % 10 == 0 and (i // 10) % 50 == 0:
            owner = rm
        else:
            owner = owners.setdefault((i % 10, (i // 10) % 50), rnd.randbytes(16))
        at = now - ((i * 7) % 120) * 86400000000 - (i % 86400) * 1000000
        rows.append((rnd.randbytes(16), f"XS2026{i:07d}", "corporate" if i % 3 == 0 else "individual", f"线索{i}",
                     f"139****{i % 10000:04d}", "[]", ["branch", "website", "mobile_app", "social_media",
                     "market_research", "community_event", "trade_fair"][i % 7], f"BR{1 + i % 10:04d}", owner,
                     stage, "screened" if stage in ("rejected", "lost") else stage, at, None if i % 5 == 0 else 40 + i % 60, "[]", rm, at, now, 1))
    c.executemany("""INSERT INTO leads (id, lead_no, kind, name, mobile_mask, products_wanted, channel, branch_code,
        rm_id, stage, reached, stage_at_us, score, factors, created_by, created_at_us, updated_at_us, version)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", rows)
    c.execute("ANALYZE")
    c.commit()
    c.close()


def token(base, user):
    req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST",
                                 data=json.dumps({"username": user, "password": PASSWORD}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["token"]


def closed_loop(base, user, path, expect):
    """CLIENTS clients ask for `path` in a loop; a read counts when it answers 200 holding `expect`."""
    tokens = [token(base, user) for _ in range(CLIENTS)]
    fetch = lambda k: urllib.request.urlopen(urllib.request.Request(
        base + path, headers={"authorization": f"Bearer {tokens[k]}"}), timeout=60)
    return loop(fetch, CLIENTS, WARMUP, DURATION, expect)


def scope_sql(reader, rm_id):
    _, role, branch = reader
    if role == "risk_officer":
        return "TRUE"
    if role == "supervisor":
        return f"branch_code = '{branch}'"
    return f"rm_id = '{rm_id}'"


def raw_scripts(reader, rm_id):
    """The same reads as plain SQL: the board (counts, then each open stage's 20 longest-waiting cards) and the list."""
    w = scope_sql(reader, rm_id)
    cols = "*"
    board = [f"SELECT stage, count(id), min(stage_at_us), CAST(avg(stage_at_us) AS bigint) FROM leads WHERE {w} GROUP BY stage;"]
    board += [f"SELECT {cols} FROM leads WHERE {w} AND stage = '{s}' ORDER BY stage_at_us, id LIMIT 20;" for s in OPEN]
    not_open = "('won', 'rejected', 'lost')"
    lst = [f"SELECT {cols} FROM leads WHERE {w} AND stage NOT IN {not_open} ORDER BY id DESC LIMIT 51;",
           f"SELECT count(*) FROM (SELECT 1 FROM leads WHERE {w} AND stage NOT IN {not_open} LIMIT 10001) m;"]
    # The funnel and the report over the last 91 days (today and the 90 before) and the 91 before those.
    day = 86400000000
    now = int(time.time() * 1e6)
    start = now - now % day - 90 * day
    end, before = start + 91 * day, start - 91 * day
    funnel = [f"SELECT channel, reached, stage, count(*) FROM leads WHERE {w} AND created_at_us >= {a} "
              f"AND created_at_us < {z} GROUP BY channel, reached, stage;" for a, z in ((start, end), (before, start))]
    effect = [f"SELECT customer_id, kind, stage_at_us FROM leads WHERE {w} AND stage = 'won' AND stage_at_us >= {a} "
              f"AND stage_at_us < {z} AND customer_id IS NOT NULL;" for a, z in ((start, end), (before, start))]
    today = now - now % day
    for first, last in ((0, 7), (8, 30), (31, 90), (91, None)):
        lo = f"AND stage_at_us >= {today - last * day} " if last is not None else ""
        open_in = "(" + ", ".join(f"'{x}'" for x in OPEN) + ")"
        effect.append(f"SELECT stage, count(id) FROM leads WHERE {w} AND stage IN {open_in} {lo}"
                      f"AND stage_at_us < {today + day - first * day} GROUP BY stage;")
    return {"board": "\n".join(board) + "\n", "list": "\n".join(lst) + "\n",
            "funnel": "\n".join(funnel) + "\n", "effect": "\n".join(effect) + "\n"}


def pgbench(b, name, script):
    return run_pgbench(PGBIN, b.work, b.port, "acq", script, CLIENTS, DURATION, name)


def record(line):
    print(json.dumps(line, ensure_ascii=False), flush=True)
    for p in (os.path.join(OUT, "acquisition-results.jsonl"), os.path.join(LOGS, "results.jsonl")):
        with open(p, "a") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def run(kind, work):
    b = Backend.__new__(Backend)
    b.pg = None
    try:
        b.__init__(kind, work)
        b.banyan("migrate")
        for user, role, branch in READERS:
            args = ["user", "add", "--username", user, "--role", role, "--password-stdin"]
            if branch:
                args += ["--branch", branch]
            b.banyan(*args, stdin=PASSWORD + "\n")
        rm_id = staff_id(b, "bench_rm")
        t0 = time.monotonic()
        seed(b, rm_id)
        log(f"{kind}: {LEADS} leads inserted by SQL in {time.monotonic() - t0:.1f} s (untimed)")
        port = free_port()
        serve = subprocess.Popen([BANYAN, "serve", "--listen", f"127.0.0.1:{port}"], env=b.env(),
                                 stdout=open(os.path.join(LOGS, f"serve-{kind}.log"), "w"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=2)
                break
            except Exception:  # not up yet
                time.sleep(0.2)
        try:
            for reader in READERS:
                for case, path, expect in [("board", "/api/v1/leads/board", b'"columns"'),
                                           ("list", "/api/v1/leads?open=true", b'"total"'),
                                           ("funnel", "/api/v1/leads/funnel", b'"lines"'),
                                           ("effect", "/api/v1/leads/effectiveness", b'"ageing"')]:
                    log(f"{kind}: {case} as {reader[1]}, {CLIENTS} clients, {DURATION} s")
                    r = closed_loop(base, reader[0], path, expect)
                    record({"label": f"{RUN_ID}/{kind}", "backend": kind, "case": case, "reader": reader[1],
                            "leads": LEADS, **r})
        finally:
            serve.terminate()
            serve.wait()
        if kind == "pg":
            for reader in READERS:
                for case, script in raw_scripts(reader, rm_id).items():
                    log(f"pg raw: {case} as {reader[1]} (pgbench)")
                    r = pgbench(b, case, script)
                    record({"label": f"{RUN_ID}/pg-raw", "backend": "pg-raw", "case": case, "reader": reader[1],
                            "leads": LEADS, **r})
    finally:
        b.stop()


def main():
    os.makedirs(LOGS, exist_ok=True)
    if not os.path.exists(BANYAN):
        log("building banyan (release)")
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "banyan"], cwd=ROOT, check=True,
                       env=dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target")))
    rev = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%H %s"], capture_output=True, text=True).stdout
    with open(os.path.join(LOGS, "version.txt"), "w") as f:
        f.write(f"banyan {BANYAN}; HEAD {rev}machine: {os.cpu_count()} cores\n")
    log(f"run {RUN_ID}: {LEADS} leads, backends {BACKENDS}")
    for kind in BACKENDS:
        work = tempfile.mkdtemp(prefix="banyan-acq-")
        os.chmod(work, 0o755)
        try:
            run(kind, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
