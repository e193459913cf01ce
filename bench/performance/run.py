#!/usr/bin/env python3
"""The performance benchmark (issue 18, "Scale"): every scorecard of a quarter for 10,000 staff over 1,000,000
customers and a year of their records, through Banyan, against the same aggregates as set-based SQL on raw
PostgreSQL in the same run.

  bench/performance/run.py                         # 10,000 staff, 1,000,000 customers, PostgreSQL
  STAFF=2000 CUSTOMERS=200000 bench/performance/run.py
  BANYAN=target/release/banyan (default; built by `cargo build --release -p banyan` when missing)

On a fresh PostgreSQL database: `banyan migrate`; two readers (`banyan user add`): a senior manager (the whole
bank) and a supervisor of BR0001. Then by SQL (untimed):
  staff       STAFF people over 50 branches, teams of about 20: 70 % relationship managers, 15 % wealth
              managers, 15 % customer service (the shipped policy's three cards)
  customers   CUSTOMERS verified customers (bench/policy's generator), each managed by one of the managers
  metrics     each customer's figures the day before the quarter and in its middle (AUM up 3 %)
  leads       CUSTOMERS / 4 over the year, owned by the relationship managers; 30 % won, 15 % lost, 5 % rejected
  tasks       2 contact tasks per customer over the year, the customer's manager's (the earlier done, the later
              80 % done; 70 % of all on time)
  interactions one per customer over the year, by its manager, half of them rated (1-5)
  cases       CUSTOMERS / 10 over the year, owned by customer service and the managers, 60 % complaints, resolved
              (85 % within SLA) and rated
  alerts      CUSTOMERS / 5 over the year on the customers, owned by their managers, 90 % closed (80 % by their day)
The quarter is the last ended one; a year of records means three quarters' worth outside it. Then `banyan serve`:
  bank    GET /api/v1/performance/scorecards?period=Q   as the senior manager: every card of the bank (all STAFF)
  branch  the same as the supervisor of BR0001 (the branch's people, ranked within their teams)
each RUNS times one after another (a report, not a request under load; the first is a warm-up and not counted).
Raw: the aggregates the cards are made of, per person, as set-based SQL on the same database (GROUP BY the owner:
ended and won leads; contact tasks on time and due; cases within SLA, resolved or past it, their ratings and the
complaints'; alerts overdue and on time; ratings at contacts; alerts raised on each manager's customers; each
manager's customers' AUM, deposits and loans on the two days from their latest figures), in one psql session,
RUNS times, timed by psql. Results: one JSON line per case in bench/out/performance-results.jsonl and the run's
directory.
"""
import importlib.util, json, os, re, secrets, statistics, subprocess, sys, tempfile, time, shutil
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from backends import Backend  # noqa: E402
from closedloop import free_port  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
STAFF = int(os.environ.get("STAFF", "10000"))
CUSTOMERS = int(os.environ.get("CUSTOMERS", "1000000"))
RUNS = int(os.environ.get("RUNS", "4"))
# PostgreSQL logs the statements that take longer (ms) to postgres.log, copied into the run's directory.
PGSLOW = int(os.environ.get("PGSLOW", "1000"))
CASES = os.environ.get("CASES", "bank branch").split()
RAW = os.environ.get("RAW", "1") == "1"
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
BANYAN = os.environ.get("BANYAN", os.path.join(ROOT, "target", "release", "banyan"))
RUN_ID = "performance-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
OUT = os.path.join(ROOT, "bench", "out")
LOGS = os.path.join(OUT, RUN_ID)
PASSWORD = secrets.token_urlsafe(18)
MASTER = secrets.token_hex(32)
DAY = 86_400_000_000
# Staff k: relationship managers below RM, wealth managers below MANAGERS, customer service above.
RM, MANAGERS = STAFF * 70 // 100, STAFF * 85 // 100


def log(*a):
    print(time.strftime("[%H:%M:%S]"), *a, file=sys.stderr, flush=True)


def record(line):
    print(json.dumps(line, ensure_ascii=False), flush=True)
    for p in (os.path.join(OUT, "performance-results.jsonl"), os.path.join(LOGS, "results.jsonl")):
        with open(p, "a") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def generator():
    spec = importlib.util.spec_from_file_location("policy_tools", os.path.join(HERE, "..", "policy", "tools.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def last_quarter():
    """The last ended quarter: its code, first and last day, and the microseconds of its bounds (UTC+8 days)."""
    import datetime as dt
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    q = (today.month - 1) // 3
    y = today.year if q > 0 else today.year - 1
    q = q if q > 0 else 4
    first = dt.date(y, 3 * q - 2, 1)
    nxt = dt.date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    last = nxt - dt.timedelta(days=1)
    us = lambda d: int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp() * 1e6)
    return f"{y}-Q{q}", first, last, us(first), us(nxt)


def staff_uuid(k):
    return f"md5('staff' || ({k}))::uuid"


def seed(b, q):
    code, first, last, from_us, to_us = q
    year_from = to_us - 365 * DAY  # a year of records, ending with the quarter
    span = 365
    hash_ = b.sql("SELECT password_hash FROM staff WHERE username = 'bench_senior'")
    mgr = f"(c.i % {MANAGERS})"
    steps = [
        ("staff", f"""INSERT INTO staff (id, username, display_name, role, branch_code, password_hash, disabled,
            failed_logins, created_at_us, team)
            SELECT {staff_uuid('k')}, 'p' || lpad(k::text, 5, '0'), '员工' || k,
              CASE WHEN k < {RM} THEN 'relationship_manager' WHEN k < {MANAGERS} THEN 'wealth_manager'
                   ELSE 'customer_service' END,
              'BR' || lpad((1 + k % 50)::text, 4, '0'), '{hash_}', false, 0, {year_from},
              '组' || ((k / 50) % 10 + 1)
            FROM generate_series(0, {STAFF - 1}) AS k"""),
    ]
    gen = generator()
    ns = type("A", (), {"n": CUSTOMERS, "as_of": (first.fromordinal(first.toordinal() - 1)).isoformat()})()
    sql = gen.render("pg", "generate", ns)
    cust, met = sql.split("INSERT INTO customer_metrics", 1)
    # Every customer managed: the generator leaves rm_id empty.
    cust, n = re.subn(r"kind, 'verified', ('BR' \|\| lpad\(\(branch\)::text, 4, '0'\)), NULL,",
                      rf"kind, 'verified', \1, md5('staff' || (i % {MANAGERS}))::uuid,", cust)
    assert n == 1, "the generator's customers statement changed"
    mid = first.fromordinal(first.toordinal() + 45).isoformat()
    # A customer has one open contact task at most (ux_tasks_open_contact): the earlier of the two is done.
    done = "(t = 0 OR (c.n + t) % 10 < 8)"
    steps += [
        ("customers", cust),
        ("metrics (the day before)", "INSERT INTO customer_metrics" + met),
        ("metrics (mid-quarter)", f"""INSERT INTO customer_metrics (customer_id, as_of, aum, data, recorded_at_us,
            recorded_by) SELECT customer_id, '{mid}', aum * 103 / 100, data, recorded_at_us, recorded_by
            FROM customer_metrics"""),
        ("leads", f"""INSERT INTO leads (id, lead_no, kind, name, mobile_mask, products_wanted, channel, branch_code,
            rm_id, stage, reached, stage_at_us, factors, created_by, created_at_us, updated_at_us, version)
            SELECT gen_random_uuid(), 'XS' || lpad(i::text, 9, '0'),
              CASE WHEN i % 3 = 0 THEN 'corporate' ELSE 'individual' END, '线索' || i, '139****0000', '[]', 'branch',
              'BR' || lpad((1 + (i % {RM}) % 50)::text, 4, '0'), {staff_uuid(f'i % {RM}')},
              CASE WHEN i % 20 < 6 THEN 'won' WHEN i % 20 < 9 THEN 'lost' WHEN i % 20 = 9 THEN 'rejected'
                   ELSE 'qualified' END,
              CASE WHEN i % 20 < 9 THEN 'proposal' ELSE 'qualified' END,
              {year_from} + (i * 7919 % {span}) * {DAY} + (i % 86400) * 1000000::bigint, '[]',
              {staff_uuid(0)}, {year_from}, {year_from}, 1
            FROM generate_series(0, {CUSTOMERS // 4 - 1}) AS i"""),
        ("tasks", f"""INSERT INTO tasks (id, customer_id, owner_id, kind, method, due_on, status, key_customer,
            created_at_us, done_at_us, on_time)
            SELECT gen_random_uuid(), c.id, c.rm_id, 'contact', 'call', d.due,
              CASE WHEN {done} THEN 'done' ELSE 'open' END, false, {year_from},
              CASE WHEN {done} THEN {year_from} END,
              CASE WHEN {done} THEN (c.n + t) % 10 < 7 END
            FROM (SELECT id, rm_id, right(customer_no, 8)::bigint AS n FROM customers) AS c
            CROSS JOIN generate_series(0, 1) AS t
            CROSS JOIN LATERAL (SELECT to_char(date '{first}' - 273 + ((c.n * 31 + t * 181) % {span})::int,
              'YYYY-MM-DD') AS due) AS d"""),
        ("interactions", f"""INSERT INTO interactions (id, customer_id, staff_id, method, occurred_at_us, outcome,
            satisfaction, created_at_us)
            SELECT gen_random_uuid(), c.id, c.rm_id, (ARRAY['call','visit','meeting','message'])[1 + c.n % 4],
              {year_from} + (c.n * 7919 % {span}) * {DAY} + 36000000000, '回访',
              CASE WHEN c.n % 2 = 0 THEN 1 + c.n % 5 END, {year_from}
            FROM (SELECT id, rm_id, right(customer_no, 8)::bigint AS n FROM customers) AS c"""),
        ("cases", f"""INSERT INTO cases (id, case_no, kind, channel, severity, complex, party, customer_id,
            branch_code, subject, content, received_at_us, clock_start_us, created_by, created_at_us, department,
            owner_id, route_rule, status, escalation_level, sla_rule, sla_amount, sla_unit, sla_due_at_us, pauses,
            extensions, paused, resolved_at_us, satisfaction, surveyed_at_us, sla_met, reopen_count, version,
            updated_at_us, sla_stage, reg_stage)
            SELECT gen_random_uuid(), 'CASE' || lpad(c.n::text, 9, '0'),
              CASE WHEN c.n / 10 % 10 < 6 THEN 'complaint' ELSE 'inquiry' END, 'hotline', 'medium', false, 'individual',
              c.id, c.branch_code, '服务', '客户来电', r.at, r.at, {staff_uuid(0)}, r.at, 'retail',
              CASE WHEN c.n % 3 = 0 THEN {staff_uuid(f'{MANAGERS} + c.n % {STAFF - MANAGERS}')} ELSE c.rm_id END,
              'default', 'resolved', 0, 'default', 5, 'working_days', r.at + 7 * {DAY}, '[]', '[]', false,
              r.at + 3 * {DAY}, 1 + c.n / 10 % 5, r.at + 4 * {DAY}, c.n / 10 % 20 < 17, 0, 1, r.at, 0, 0
            FROM (SELECT id, rm_id, branch_code, right(customer_no, 8)::bigint AS n FROM customers
                  WHERE right(customer_no, 8)::bigint % 10 = 0) AS c
            CROSS JOIN LATERAL (SELECT {year_from} + (c.n * 7919 % {span}) * {DAY} AS at) AS r"""),
        ("alerts", f"""INSERT INTO alerts (id, customer_id, indicator, status, owner_id, reason, checks, due_on,
            created_at_us, closed_at_us, subject)
            SELECT gen_random_uuid(), c.id, 'asset_drop', CASE WHEN c.n / 5 % 10 < 9 THEN 'closed' ELSE 'open' END,
              c.rm_id, '资产下降', '[]', to_char(to_timestamp(r.at / 1000000) + interval '5 days', 'YYYY-MM-DD'),
              r.at, CASE WHEN c.n / 5 % 10 < 9 THEN r.at + (CASE WHEN c.n / 5 % 10 < 8 THEN 2 ELSE 9 END) * {DAY} END, ''
            FROM (SELECT id, rm_id, right(customer_no, 8)::bigint AS n FROM customers
                  WHERE right(customer_no, 8)::bigint % 5 = 0) AS c
            CROSS JOIN LATERAL (SELECT {year_from} + (c.n * 7919 % {span}) * {DAY} AS at) AS r"""),
        ("analyze", "ANALYZE"),
    ]
    for name, s in steps:
        t0 = time.monotonic()
        b.sql(s)
        log(f"seeded {name} in {time.monotonic() - t0:.1f} s")
    counts = b.sql("SELECT (SELECT count(*) FROM staff), (SELECT count(*) FROM customers), (SELECT count(*) FROM "
                   "leads), (SELECT count(*) FROM tasks), (SELECT count(*) FROM interactions), (SELECT count(*) FROM "
                   "cases), (SELECT count(*) FROM alerts), (SELECT count(*) FROM customer_metrics)")
    log(f"rows (staff, customers, leads, tasks, interactions, cases, alerts, metrics): {counts}")
    return counts


def raw_sql(q):
    """The cards' aggregates per person as set-based SQL, for the whole bank."""
    code, first, last, from_us, to_us = q
    day_before = first.fromordinal(first.toordinal() - 1).isoformat()
    figures = lambda day, alias: f"""SELECT c.rm_id AS owner, sum(m.aum) AS aum,
            sum(((m.data)::json -> 'assets' ->> 'deposits')::bigint) AS deposits,
            sum(((m.data)::json ->> 'loans')::bigint) AS loans
          FROM customers c JOIN (SELECT DISTINCT ON (customer_id) customer_id, aum, data FROM customer_metrics
            WHERE as_of <= '{day}' ORDER BY customer_id, as_of DESC) m ON m.customer_id = c.id
          WHERE c.rm_id IS NOT NULL GROUP BY c.rm_id"""
    return f"""\\timing on
SELECT rm_id, count(*) FILTER (WHERE stage = 'won'), count(*) FROM leads
  WHERE stage IN ('won', 'lost', 'rejected') AND stage_at_us >= {from_us} AND stage_at_us < {to_us} GROUP BY rm_id \\g /dev/null
SELECT owner_id, count(*) FILTER (WHERE status = 'done' AND on_time),
  count(*) FILTER (WHERE status = 'done' OR due_on < '{time.strftime('%Y-%m-%d')}') FROM tasks
  WHERE kind = 'contact' AND status <> 'cancelled' AND due_on >= '{first}' AND due_on <= '{last}' GROUP BY owner_id \\g /dev/null
SELECT owner_id, count(*) FILTER (WHERE sla_met), count(*) FILTER (WHERE sla_met IS NOT NULL OR sla_stage >= 2),
  sum(satisfaction), count(satisfaction), sum(satisfaction) FILTER (WHERE kind = 'complaint'),
  count(satisfaction) FILTER (WHERE kind = 'complaint') FROM cases
  WHERE received_at_us >= {from_us} AND received_at_us < {to_us} GROUP BY owner_id \\g /dev/null
SELECT owner_id, count(*) FILTER (WHERE closed_at_us IS NULL OR closed_at_us >= (extract(epoch FROM (due_on::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') * 1000000)::bigint),
  count(*) FROM alerts WHERE due_on >= '{first}' AND due_on <= '{last}' GROUP BY owner_id \\g /dev/null
SELECT staff_id, sum(satisfaction), count(*) FROM interactions
  WHERE satisfaction IS NOT NULL AND occurred_at_us >= {from_us} AND occurred_at_us < {to_us} GROUP BY staff_id \\g /dev/null
SELECT c.rm_id, count(*) FROM alerts a JOIN customers c ON c.id = a.customer_id
  WHERE a.created_at_us >= {from_us} AND a.created_at_us < {to_us} GROUP BY c.rm_id \\g /dev/null
SELECT s.owner, s.aum, e.aum, s.deposits, e.deposits, s.loans, e.loans
  FROM ({figures(day_before, 's')}) s FULL JOIN ({figures(last.isoformat(), 'e')}) e USING (owner) \\g /dev/null
"""


def raw_totals(b, q):
    """Totals over the whole bank the cards must add up to: won leads, contact tasks counted, overdue alerts,
    ratings at contacts, in the quarter."""
    code, first, last, from_us, to_us = q
    today = time.strftime("%Y-%m-%d")
    row = b.sql(f"""SELECT
        (SELECT count(*) FROM leads WHERE stage = 'won' AND stage_at_us >= {from_us} AND stage_at_us < {to_us}),
        (SELECT count(*) FROM tasks WHERE kind = 'contact' AND status <> 'cancelled' AND due_on >= '{first}'
           AND due_on <= '{last}' AND (status = 'done' OR due_on < '{today}')),
        (SELECT count(*) FROM alerts WHERE due_on >= '{first}' AND due_on <= '{last}' AND (closed_at_us IS NULL
           OR closed_at_us >= (extract(epoch FROM (due_on::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
           * 1000000)::bigint)),
        (SELECT count(*) FROM interactions WHERE satisfaction IS NOT NULL AND occurred_at_us >= {from_us}
           AND occurred_at_us < {to_us})""")
    return [int(x) for x in row.split("|")]


def card_totals(doc):
    """The same totals from Banyan's cards."""
    t = {}
    for c in doc["cards"]:
        for l in c["lines"]:
            n, d = t.get(l["kpi"], (0, 0))
            t[l["kpi"]] = (n + l["numerator"], d + l["denominator"])
    return [t.get("new_customers", (0, 0))[0], t.get("contact_coverage", (0, 0))[1],
            t.get("overdue_alerts", (0, 0))[0], t.get("customer_satisfaction", (0, 0))[1]]


def timed_raw(b, sql):
    path = os.path.join(LOGS, "raw.sql")
    with open(path, "w") as f:
        f.write(sql)
    r = subprocess.run([f"{PGBIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(b.port),
                        "-U", "postgres", "-d", b.db, "-f", path], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"raw: {r.stderr.strip()}")
    ms = [float(x) for x in re.findall(r"Time: ([0-9.]+) ms", r.stdout)]
    return sum(ms) / 1000.0, ms


def cpu_seconds(pid):
    """User and system CPU a process has used so far (seconds)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get(base, token, path):
    req = urllib.request.Request(base + path, headers={"authorization": f"Bearer {token}"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=3600) as r:
        body = r.read()
    return time.monotonic() - t0, body


def token(base, user):
    req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST",
                                 data=json.dumps({"username": user, "password": PASSWORD}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["token"]


def banyan(b, *args, stdin=None):
    subprocess.run([BANYAN, *args], env=dict(b.env(), BANYAN_MASTER_KEY=MASTER), check=True, input=stdin,
                   text=True, stdout=subprocess.DEVNULL)


def run(work):
    q = last_quarter()
    b = Backend("pg", work, "perf", PGBIN, MASTER)
    try:
        banyan(b, "migrate")
        for user, role, branch in [("bench_senior", "senior_manager", None), ("bench_sup", "supervisor", "BR0001")]:
            args = ["user", "add", "--username", user, "--role", role, "--password-stdin"]
            if branch:
                args += ["--branch", branch]
            banyan(b, *args, stdin=PASSWORD + "\n")
        t0 = time.monotonic()
        rows = seed(b, q)
        log(f"seeded in {time.monotonic() - t0:.0f} s (untimed)")
        b.psql("postgres", f"ALTER SYSTEM SET log_min_duration_statement = {PGSLOW}")
        b.psql("postgres", "SELECT pg_reload_conf()")
        port = free_port()
        serve = subprocess.Popen([BANYAN, "serve", "--listen", f"127.0.0.1:{port}"], env=b.env(),
                                 stdout=open(os.path.join(LOGS, "serve.log"), "w"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=2)
                break
            except Exception:  # not up yet
                time.sleep(0.5)
        try:
            for case, user in [("bank", "bench_senior"), ("branch", "bench_sup")]:
                if case not in CASES:
                    continue
                tok = token(base, user)
                secs, cpu = [], []
                for k in range(RUNS):
                    c0 = cpu_seconds(serve.pid)
                    s, body = get(base, tok, f"/api/v1/performance/scorecards?period={q[0]}")
                    c1 = cpu_seconds(serve.pid) - c0
                    doc = json.loads(body)
                    log(f"banyan {case} run {k}: {s:.2f} s ({c1:.1f} s of Banyan's CPU), {len(doc['cards'])} cards, "
                        f"{len(body) / 1e6:.1f} MB")
                    if k:
                        secs.append(s)
                        cpu.append(c1)
                agree = None
                if case == "bank":
                    mine, raw = card_totals(doc), raw_totals(b, q)
                    agree = mine == raw
                    log(f"totals (won leads, contact tasks, overdue alerts, ratings): banyan {mine}, sql {raw}")
                record({"label": f"{RUN_ID}/pg", "case": case, "staff": STAFF, "customers": CUSTOMERS,
                        "rows": rows, "cards": len(doc["cards"]), "bytes": len(body), "totals_agree": agree,
                        "seconds_median": statistics.median(secs), "seconds": secs, "banyan_cpu_seconds": cpu})
        finally:
            serve.terminate()
            serve.wait()
            shutil.copy(os.path.join(work, "postgres.log"), os.path.join(LOGS, "postgres.log"))
        if not RAW:
            return
        sql = raw_sql(q)
        secs, parts = [], []
        for k in range(RUNS):
            s, ms = timed_raw(b, sql)
            log(f"raw run {k}: {s:.2f} s ({', '.join(f'{x:.0f}' for x in ms)} ms)")
            if k:
                secs.append(s)
                parts.append(ms)
        record({"label": f"{RUN_ID}/pg-raw", "case": "bank", "staff": STAFF, "customers": CUSTOMERS,
                "seconds_median": statistics.median(secs), "seconds": secs, "statements_ms": parts})
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
    log(f"run {RUN_ID}: {STAFF} staff, {CUSTOMERS} customers")
    work = tempfile.mkdtemp(prefix="banyan-perf-")
    os.chmod(work, 0o755)
    try:
        run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
