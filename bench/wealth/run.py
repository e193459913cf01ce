#!/usr/bin/env python3
"""The wealth benchmark (issue 17, "Done when"): the book's gate with suitability — the latency of recording an
investment sale — and the suitability report over 1,000,000 sales, through Banyan on both backends, against the
same statements as raw PostgreSQL in the same run.

  bench/wealth/run.py                        # both backends
  SALES=1000000 BACKENDS=pg bench/wealth/run.py
  BANYAN=target/release/banyan (default; built by `cargo build --release -p banyan` when missing)

Per backend, on a fresh database: `banyan demo --customers CUSTOMERS`, then one of rm1's verified individuals is
assessed at the branch (balanced: R1-R3 suit) and `banyan serve`. Cases, each under CLIENTS closed-loop clients for
DURATION s after WARMUP s:
  gate    POST /api/v1/customers/{id}/sales  an R2 wealth product as rm1: the catalogue, the measures (the
                                            rating), suitability's facts (the latest assessment, a purchase
                                            before, the age) and rules, the sale and its suitability record and
                                            audit, one transaction
  report  GET /api/v1/wealth/suitability     as risk1 (the whole bank), a period holding SALES sales: the page of
                                            50 with their customers and products, the count, the counts by outcome
  kpis    GET /api/v1/wealth/kpis?period=Y   as supervisor1 (branch BR0001's managers and teams), the year to date
                                            over the same SALES sales: each client's contacts' and complaints'
                                            ratings, completed sales (counted per client), referrals, AUM
  page    GET /api/v1/customers/{id}/wealth  as rm1, the demo's private client (picture, goals, plan, recommended
                                            actions carried out by its sales, reviews, team, notes): the page
SALES rows are written straight into `sales` and `wealth_sales` (untimed) before the report: a spread of the
demo's customers, products and outcomes over the last 300 days. Raw: each case's statements as SQL on the
PostgreSQL database under pgbench with the same clients and duration (the gate's reads and its three inserts; the
report's page, count and group counts), p99 from pgbench's per-transaction log.
Results: one JSON line per case in bench/out/wealth-results.jsonl and the run's directory.
"""
import json, os, secrets, subprocess, sys, time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from closedloop import closed_loop, pgbench  # noqa: E402
from backends import Backend, dashed, each_backend, token, uuid_sql  # noqa: E402
from backends import serve as start  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CUSTOMERS = int(os.environ.get("CUSTOMERS", "300"))
SALES = int(os.environ.get("SALES", "1000000"))
BACKENDS = os.environ.get("BACKENDS", "pg sqlite").split()
CLIENTS = int(os.environ.get("CLIENTS", "8"))
DURATION = float(os.environ.get("DURATION", "15"))
WARMUP = float(os.environ.get("WARMUP", "3"))
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
BANYAN = os.environ.get("BANYAN", os.path.join(ROOT, "target", "release", "banyan"))
RUN_ID = "wealth-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
OUT = os.path.join(ROOT, "bench", "out")
LOGS = os.path.join(OUT, RUN_ID)
MASTER = secrets.token_hex(32)
DAY_US = 86_400_000_000


def log(*a):
    print(time.strftime("[%H:%M:%S]"), *a, file=sys.stderr, flush=True)


def record(line):
    print(json.dumps(line, ensure_ascii=False), flush=True)
    for p in (os.path.join(OUT, "wealth-results.jsonl"), os.path.join(LOGS, "results.jsonl")):
        with open(p, "a") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def api(base, tok, method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"authorization": f"Bearer {tok}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def fill(b):
    """SALES sales of the demo's customers and investment products over the last 300 days, straight into the
    tables (untimed): most completed, some refused by a rule, some pending."""
    now = int(time.time() * 1_000_000)
    facts = json.dumps({"today": "2026-12-05", "assessment": None, "bought_before": True, "product_level": "R2",
                        "private": False, "dual_recording": False, "individual": True, "age": 46,
                        "channel": "online", "recording_ref": False, "client_confirmed": False})
    verdict = json.dumps({"checks": [{"rule": "assessment", "applies": True, "passed": True},
                                     {"rule": "level", "applies": True, "passed": True}],
                          "refused": None, "ceiling": "R3", "senior_review": False, "cooling_off": False})
    staff = "(SELECT id FROM staff WHERE username = 'rm1')"
    if b.kind == "pg":
        b.sql(f"""
          CREATE TEMP TABLE c AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers WHERE kind = 'individual';
          CREATE TEMP TABLE p AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM products WHERE risk_level IS NOT NULL;
          CREATE TEMP TABLE g AS SELECT gen_random_uuid() AS sid, i, c.id AS cid, p.id AS pid,
            {now} - (i::bigint * {300 * DAY_US // SALES}) AS at FROM generate_series(1, {SALES}) i
            JOIN c ON c.n = 1 + i % (SELECT count(*) FROM c) JOIN p ON p.n = 1 + i % (SELECT count(*) FROM p);
          INSERT INTO sales (id, customer_id, kind, product_id, amount, decision, action, rating, note, recorded_by, at_us, account_no)
            SELECT sid, cid, 'product_sale', pid, 5000000, CASE WHEN i % 10 = 0 THEN 'refused' WHEN i % 25 = 1 THEN 'pending' ELSE 'recorded' END,
              CASE WHEN i % 10 = 0 THEN 'suitability.level' END, CASE WHEN i % 10 = 0 THEN 'balanced' END, NULL, {staff}, at, NULL FROM g;
          INSERT INTO wealth_sales (sale_id, customer_id, product_id, channel, facts, verdict, refused_rule, step, recording_ref,
              recording_keep_until, client_confirmation, sold_by, sold_at_us, reviewed_by, reviewed_at_us, review_note,
              cooling_off_until_us, cancelled_by, cancelled_at_us, cancel_reason, completed_at_us, version)
            SELECT sid, cid, pid, 'online', '{facts}', '{verdict}', CASE WHEN i % 10 = 0 THEN 'level' END,
              CASE WHEN i % 10 = 0 THEN NULL WHEN i % 25 = 1 THEN 'cooling_off' ELSE 'completed' END, NULL, NULL, NULL,
              {staff}, at, NULL, NULL, NULL, CASE WHEN i % 25 = 1 THEN at + {DAY_US} END, NULL, NULL, NULL, at, 1 FROM g;
          ANALYZE sales; ANALYZE wealth_sales;""")
        # As autovacuum would after a day of sales: the visibility map lets the period index answer alone.
        b.psql("wealth", "VACUUM wealth_sales")
    else:
        import sqlite3
        con = sqlite3.connect(os.path.join(b.dir, "banyan.db"), timeout=120)
        cs = [r[0] for r in con.execute("SELECT id FROM customers WHERE kind = 'individual' ORDER BY id")]
        ps = [r[0] for r in con.execute("SELECT id FROM products WHERE risk_level IS NOT NULL ORDER BY id")]
        rm1 = con.execute("SELECT id FROM staff WHERE username = 'rm1'").fetchone()[0]
        step = 300 * DAY_US // SALES
        rows_s, rows_w = [], []
        for i in range(1, SALES + 1):
            sid = os.urandom(16)
            cid, pid, at = cs[i % len(cs)], ps[i % len(ps)], now - i * step
            refused, pending = i % 10 == 0, i % 25 == 1 and i % 10 != 0
            rows_s.append((sid, cid, "product_sale", pid, 5_000_000,
                           "refused" if refused else "pending" if pending else "recorded",
                           "suitability.level" if refused else None, "balanced" if refused else None, None, rm1, at,
                           None))
            rows_w.append((sid, cid, pid, "online", facts, verdict, "level" if refused else None,
                           None if refused else "cooling_off" if pending else "completed", None, None, None, rm1, at,
                           None, None, None, at + DAY_US if pending else None, None, None, None, at, 1))
            if len(rows_s) == 50_000 or i == SALES:
                con.executemany("INSERT INTO sales VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows_s)
                con.executemany("INSERT INTO wealth_sales VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                rows_w)
                con.commit()
                rows_s, rows_w = [], []
        con.execute("ANALYZE")
        con.commit()
        con.close()


def raw_gate(customer, product, staff):
    """The gate's statements as SQL: the customer in scope, the product by code, the rating, the latest
    assessment, a purchase before (through the gate, then in the book), the staff name, then the sale, its
    suitability record and the audit record."""
    return "\n".join([
        f"SELECT * FROM customers WHERE id = '{customer}';",
        f"SELECT * FROM products WHERE code = '{product}';",
        f"SELECT * FROM segment_assignments WHERE customer_id = '{customer}';",
        f"SELECT * FROM risk_assessments WHERE customer_id = '{customer}' ORDER BY customer_id, at_us;",
        f"SELECT 1 FROM wealth_sales WHERE customer_id = '{customer}' AND refused_rule IS NULL "
        "AND step IN ('completed', 'cooling_off') LIMIT 1;",
        f"SELECT 1 FROM accounts JOIN products ON products.id = accounts.product_id WHERE accounts.customer_id = "
        f"'{customer}' AND products.risk_level IS NOT NULL LIMIT 1;",
        "\\set n random(1, 1000000000)",
        f"INSERT INTO sales VALUES (gen_random_uuid(), '{customer}', 'product_sale', (SELECT id FROM products WHERE "
        f"code = '{product}'), 5000000, 'recorded', NULL, NULL, NULL, '{staff}', :n, NULL);",
        f"INSERT INTO wealth_sales (sale_id, customer_id, product_id, channel, facts, verdict, sold_by, sold_at_us, "
        f"step, version) VALUES (gen_random_uuid(), '{customer}', (SELECT id FROM products WHERE code = '{product}'), "
        f"'online', '{{}}', '{{}}', '{staff}', :n, 'completed', 1);",
        f"INSERT INTO audit_log (id, at_us, actor_id, actor, action, entity, entity_id, customer_id, detail, mac) "
        f"VALUES (gen_random_uuid(), :n, '{staff}', 'rm1', 'sale.record', 'customer', '{customer}', '{customer}', "
        "'{}', md5(random()::text));",
        f"SELECT * FROM staff WHERE id = '{staff}';",
    ]) + "\n"


def raw_report(from_us, to_us):
    """The report's statements for the whole bank (risk1's scope): the page, its customers, the count, the
    counts by outcome, the staff names and the catalogue."""
    period = f"sold_at_us >= {from_us} AND sold_at_us < {to_us}"
    return "\n".join([
        f"SELECT * FROM wealth_sales WHERE {period} ORDER BY sold_at_us LIMIT 50;",
        f"SELECT * FROM customers WHERE id IN (SELECT customer_id FROM wealth_sales WHERE {period} "
        "ORDER BY sold_at_us LIMIT 50);",
        f"SELECT count(sold_at_us) FROM wealth_sales WHERE {period};",
        f"SELECT refused_rule, step, count(sold_at_us) FROM wealth_sales WHERE {period} GROUP BY refused_rule, step;",
        "SELECT * FROM staff;",
        "SELECT * FROM products;",
    ]) + "\n"


def raw_kpis(from_us, to_us, today):
    """The KPIs' statements for a branch (supervisor1's reach), as the app runs them: the staff, the clients of
    the branch's managers, their ratings at contacts and complaint surveys, their completed sales counted per
    client, their referrals, their AUM at both ends of the period."""
    clients = ("SELECT id FROM customers WHERE rm_id IN "
               "(SELECT id FROM staff WHERE branch_code = 'BR0001')")
    latest = ("SELECT DISTINCT ON (customer_id) customer_id, data FROM customer_metrics WHERE customer_id IN "
              f"({clients}) AND as_of <= '{{d}}' ORDER BY customer_id, as_of DESC;")
    return "\n".join([
        "SELECT * FROM staff;",
        "SELECT id, rm_id, customer_no FROM customers WHERE rm_id IN "
        "(SELECT id FROM staff WHERE branch_code = 'BR0001') ORDER BY customer_no;",
        f"SELECT customer_id, occurred_at_us, satisfaction, method FROM interactions WHERE customer_id IN ({clients}) "
        f"AND satisfaction IS NOT NULL AND occurred_at_us >= {from_us} AND occurred_at_us < {to_us} "
        "ORDER BY occurred_at_us;",
        f"SELECT customer_id, surveyed_at_us, satisfaction, case_no FROM cases WHERE customer_id IN ({clients}) "
        f"AND kind = 'complaint' AND satisfaction IS NOT NULL AND surveyed_at_us >= {from_us} "
        f"AND surveyed_at_us < {to_us} ORDER BY surveyed_at_us;",
        "SELECT c.id, (SELECT count(*) FROM (SELECT 1 FROM wealth_sales w WHERE w.customer_id = c.id AND "
        f"w.step = 'completed' AND w.sold_at_us < {to_us} LIMIT 2) two), (SELECT w.sold_at_us FROM wealth_sales w "
        f"WHERE w.customer_id = c.id AND w.step = 'completed' AND w.sold_at_us < {to_us} ORDER BY w.sold_at_us DESC "
        f"LIMIT 1) FROM customers c WHERE c.id IN ({clients});",
        f"SELECT * FROM wealth_referrals WHERE referrer_id IN ({clients}) AND at_us >= {from_us} "
        f"AND at_us < {to_us};",
        latest.replace("{d}", time.strftime("%Y-01-01", time.gmtime())),
        latest.replace("{d}", today),
    ]) + "\n"


def raw_page(customer):
    """The wealth page's statements for one client, as SQL: the customer, the picture, goals, plans,
    recommended actions, reviews, team, notes, referrals, the book's accounts and latest holdings, the
    catalogue, the rating and assessment the gate reads, the recorded sales, the staff."""
    w = f"customer_id = '{customer}'"
    return "\n".join([
        f"SELECT * FROM customers WHERE id = '{customer}';",
        f"SELECT * FROM wealth_pictures WHERE {w};",
        f"SELECT * FROM wealth_goals WHERE {w};",
        f"SELECT * FROM wealth_plans WHERE {w} ORDER BY seq;",
        f"SELECT * FROM wealth_actions WHERE {w};",
        f"SELECT * FROM wealth_reviews WHERE {w} ORDER BY reviewed_on;",
        f"SELECT * FROM wealth_team WHERE {w};",
        f"SELECT * FROM wealth_entries WHERE {w};",
        f"SELECT * FROM wealth_referrals WHERE referrer_id = '{customer}';",
        f"SELECT * FROM accounts WHERE {w};",
        f"SELECT DISTINCT ON (account_id) * FROM holdings WHERE {w} ORDER BY account_id, as_of DESC;",
        "SELECT * FROM products;",
        f"SELECT * FROM segment_assignments WHERE {w};",
        f"SELECT * FROM risk_assessments WHERE {w} ORDER BY at_us;",
        f"SELECT * FROM sales WHERE {w} AND decision = 'recorded' ORDER BY at_us;",
        "SELECT * FROM staff;",
    ]) + "\n"


def run(kind, work):
    b = Backend(kind, work, "wealth", PGBIN, MASTER)
    serve = None
    try:
        t0 = time.monotonic()
        subprocess.run([BANYAN, "demo", "--customers", str(CUSTOMERS)], env=b.env(), check=True,
                       stdout=subprocess.DEVNULL)
        log(f"{kind}: demo of {CUSTOMERS} customers in {time.monotonic() - t0:.0f} s (untimed)")
        customer = dashed(b.sql(
            f"SELECT {uuid_sql(b, 'c.id')} FROM customers c WHERE c.kind = 'individual' AND c.status = 'verified' "
            "AND c.rm_id = (SELECT id FROM staff WHERE username = 'rm1') AND c.birth_date > '1965-01-01' "
            "ORDER BY c.customer_no LIMIT 1"))
        staff = dashed(b.sql(f"SELECT {uuid_sql(b, 'id')} FROM staff WHERE username = 'rm1'"))
        serve, base = start(BANYAN, b, os.path.join(LOGS, f"serve-{kind}.log"))
        rm = token(base, "rm1")
        api(base, rm, "POST", f"/api/v1/customers/{customer}/risk-assessment",
            {"channel": "branch", "answers": {"horizon": "1_3y", "experience": "funds", "loss_tolerance": "up_to_10",
                                              "objective": "steady", "income_share": "20_50"}})
        probe = api(base, rm, "POST", f"/api/v1/customers/{customer}/sales",
                    {"kind": "product_sale", "product": "WM-R2-90D", "amount": 5_000_000, "channel": "online"})
        assert probe["decision"] == "recorded", probe
        log(f"{kind}: gate, rm1 selling WM-R2-90D to {customer}")
        toks = [token(base, "rm1") for _ in range(CLIENTS)]
        body = json.dumps({"kind": "product_sale", "product": "WM-R2-90D", "amount": 5_000_000,
                           "channel": "online"}).encode()
        fetch = lambda k: urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/v1/customers/{customer}/sales", data=body, method="POST",
            headers={"authorization": f"Bearer {toks[k]}", "content-type": "application/json"}), timeout=60)
        r = closed_loop(fetch, CLIENTS, WARMUP, DURATION, b'"decision":"recorded"', status=201)
        record({"run": RUN_ID, "backend": kind, "case": "gate", "customers": CUSTOMERS, "clients": CLIENTS,
                "duration_s": DURATION, **r})
        if kind == "pg":
            r = pgbench(PGBIN, b.work, b.port, "wealth", raw_gate(customer, "WM-R2-90D", staff), CLIENTS,
                        DURATION, "raw-gate")
            record({"run": RUN_ID, "backend": "pg-raw", "case": "gate", "customers": CUSTOMERS,
                    "clients": CLIENTS, "duration_s": DURATION, **r})
        t0 = time.monotonic()
        fill(b)
        total = b.sql("SELECT count(*) FROM wealth_sales")
        log(f"{kind}: {total} suitability records after filling in {time.monotonic() - t0:.0f} s (untimed)")
        today = time.strftime("%Y-%m-%d", time.gmtime())
        frm = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 330 * 86400))
        path = f"/api/v1/wealth/suitability?from={frm}&to={today}"
        risk = [token(base, "risk1") for _ in range(CLIENTS)]
        first = api(base, risk[0], "GET", path)
        log(f"{kind}: the report counts {first['total']} sales in the period")
        fetch = lambda k: urllib.request.urlopen(urllib.request.Request(
            base + path, headers={"authorization": f"Bearer {risk[k]}"}), timeout=120)
        r = closed_loop(fetch, CLIENTS, WARMUP, DURATION, b'"counts"')
        record({"run": RUN_ID, "backend": kind, "case": "report", "sales": int(total), "in_period": first["total"],
                "clients": CLIENTS, "duration_s": DURATION, **r})
        if kind == "pg":
            now = int(time.time() * 1_000_000)
            r = pgbench(PGBIN, b.work, b.port, "wealth", raw_report(now - 331 * DAY_US, now + DAY_US), CLIENTS,
                        DURATION, "raw-report")
            record({"run": RUN_ID, "backend": "pg-raw", "case": "report", "sales": int(total),
                    "clients": CLIENTS, "duration_s": DURATION, **r})
        year = time.strftime("%Y", time.gmtime())
        sup = [token(base, "supervisor1") for _ in range(CLIENTS)]
        path = f"/api/v1/wealth/kpis?period={year}"
        first = api(base, sup[0], "GET", path)
        log(f"{kind}: the KPIs of {len(first.get('managers', []))} managers")
        fetch = lambda k: urllib.request.urlopen(urllib.request.Request(
            base + path, headers={"authorization": f"Bearer {sup[k]}"}), timeout=120)
        r = closed_loop(fetch, CLIENTS, WARMUP, DURATION, b'"managers"')
        record({"run": RUN_ID, "backend": kind, "case": "kpis", "sales": int(total), "customers": CUSTOMERS,
                "clients": CLIENTS, "duration_s": DURATION, **r})
        if kind == "pg":
            now = int(time.time() * 1_000_000)
            r = pgbench(PGBIN, b.work, b.port, "wealth",
                        raw_kpis(now - 366 * DAY_US, now + DAY_US, time.strftime("%Y-%m-%d", time.gmtime())),
                        CLIENTS, DURATION, "raw-kpis")
            record({"run": RUN_ID, "backend": "pg-raw", "case": "kpis", "sales": int(total),
                    "clients": CLIENTS, "duration_s": DURATION, **r})
        private = dashed(b.sql(f"SELECT {uuid_sql(b, 'customer_id')} FROM wealth_actions LIMIT 1"))
        path = f"/api/v1/customers/{private}/wealth"
        fetch = lambda k: urllib.request.urlopen(urllib.request.Request(
            base + path, headers={"authorization": f"Bearer {toks[k]}"}), timeout=120)
        r = closed_loop(fetch, CLIENTS, WARMUP, DURATION, b'"execution"')
        record({"run": RUN_ID, "backend": kind, "case": "page", "sales": int(total), "clients": CLIENTS,
                "duration_s": DURATION, **r})
        if kind == "pg":
            r = pgbench(PGBIN, b.work, b.port, "wealth", raw_page(private), CLIENTS, DURATION, "raw-page")
            record({"run": RUN_ID, "backend": "pg-raw", "case": "page", "sales": int(total),
                    "clients": CLIENTS, "duration_s": DURATION, **r})
    finally:
        if serve:
            serve.terminate()
            serve.wait()
        b.stop()


def main():
    each_backend(ROOT, BANYAN, BACKENDS, "wealth", LOGS, run)
    log(f"results: {os.path.join(LOGS, 'results.jsonl')}")


if __name__ == "__main__":
    main()
