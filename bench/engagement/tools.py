#!/usr/bin/env python3
"""Helpers for bench/engagement/run.sh (standard library only). Customers come from bench/policy/tools.py's
generator (the same SQL, the same customers), with rm_id set to one staff row and without metrics.

  tools.py sql pg|sqlite ACTION --n N --rm HEX32 --policy FILE [--m M] [--now-us US]
      ACTION: generate | assign | baseline-schema | baseline | check | messages
  tools.py sqlite DB ACTION [same]     run it on SQLite (BEGIN IMMEDIATE .. COMMIT, synchronous = FULL);
                                        prints {"seconds", "rows", "cpu_s"} (check: prints the rows)
  tools.py receiver PORT               HTTP server answering 200 to every POST, GET /count -> count
  tools.py post-baseline URL COUNT     COUNT sequential POSTs (keep-alive, same size body) -> JSON messages/s
"""
import argparse, json, os, resource, sqlite3, sys, time, tomllib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "policy"))
import tools as ptools  # noqa: E402  bench/policy/tools.py


def uuid_lit(kind, hex32):
    h = hex32.replace("-", "").lower()
    if kind == "pg":
        return f"'{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}'::uuid"
    return f"x'{h}'"


def plans(policy_file):
    p = tomllib.load(open(policy_file, "rb"))["engagement"]["plans"]
    return p


def render(kind, action, a):
    d = ptools.Dialect(kind)
    if action == "generate":
        a.as_of = "2026-01-01"
        sql = ptools.render(kind, "generate", a)
        cust = sql.split("INSERT INTO customer_metrics")[0]
        old = "kind, 'verified', 'BR' || " + d.decpad('branch', 4) + ", NULL,"
        assert old in cust, "generator changed: cannot set rm_id"
        return cust.replace(old, "kind, 'verified', 'BR' || " + d.decpad('branch', 4) + f", {uuid_lit(kind, a.rm)},") 
    if action == "assign":
        # wealth tiers for individuals (about 55 % standard, 30 % gold, 11 % platinum, 4 % diamond)
        r3 = ptools.r(3).replace("i", "ci")
        return f"""INSERT INTO segment_assignments (customer_id, dimension, value, reason, checks, policy_hash, assigned_at_us)
SELECT id, 'wealth_tier',
       CASE WHEN {r3} % 1000 < 550 THEN 'standard' WHEN {r3} % 1000 < 850 THEN 'gold'
            WHEN {r3} % 1000 < 960 THEN 'platinum' ELSE 'diamond' END,
       'bench', '[]', 'bench', {a.now_us}
FROM (SELECT id, {d.customer_i('customer_no')} AS ci FROM customers WHERE kind = 'individual') AS c;
"""
    if action == "baseline-schema":
        if kind == "pg":
            return "CREATE TABLE bench_tasks (LIKE tasks INCLUDING ALL);\n"
        return None  # built from sqlite_master in cmd_sqlite
    if action == "baseline":
        ps = plans(a.policy)
        tier = " ".join(f"WHEN '{p['value']}' THEN '{p['key']}'" for p in ps if p.get("dimension") == "wealth_tier")
        corp = [p for p in ps if p.get("customer_kind") == "corporate" and not p.get("dimension")][0]
        key = f"CASE WHEN c.kind = 'corporate' THEN '{corp['key']}' ELSE CASE s.value {tier} END END"
        every = {p["key"]: p["every_months"] for p in ps}
        method = {p["key"]: p["method"] for p in ps}
        months = "CASE x.plan_key " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in every.items()) + " END"
        meth = "CASE x.plan_key " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in method.items()) + " END"
        # the base date: the last contact, else verification, as a date in Asia/Shanghai (UTC+8, no DST)
        base_us = "coalesce(l.last_us, c.verified_at_us)"
        if kind == "pg":
            base = f"(to_timestamp(x.base_us / 1000000.0) AT TIME ZONE 'Asia/Shanghai')::date"
            due = f"to_char({base} + make_interval(months => {months}), 'YYYY-MM-DD')"
            newid, false = "gen_random_uuid()", "false"
        else:
            base = "date(x.base_us / 1000000 + 28800, 'unixepoch')"
            # jiff clamps Jan 31 + 1 month to Feb 28; SQLite's modifier would overflow into March: clamp by hand
            m0 = f"date({base}, 'start of month', '+' || ({months}) || ' months')"
            due = (f"min(date({m0}, '+' || (CAST(strftime('%d', {base}) AS INTEGER) - 1) || ' days'), "
                   f"date({m0}, '+1 month', '-1 day'))")
            newid, false = "randomblob(16)", "0"
        # The open tasks are read once, into a materialized CTE: with a plain NOT EXISTS, PostgreSQL planned a
        # nested-loop anti join over a seq scan of (empty at ANALYZE time) bench_tasks, which re-reads every row
        # the statement itself has inserted so far: quadratic (20,000 rows 3.6 s; 1,000,000 rows > 2 minutes).
        return f"""WITH open_tasks AS MATERIALIZED (SELECT customer_id FROM bench_tasks WHERE status = 'open' AND kind = 'contact')
INSERT INTO bench_tasks (id, customer_id, owner_id, kind, plan_key, method, due_on, status, note, purpose,
    scheduled_at_us, key_customer, created_at_us, done_at_us, interaction_id, on_time)
SELECT {newid}, x.id, x.rm_id, 'contact', x.plan_key, {meth}, {due}, 'open', NULL, NULL, NULL, {false}, {a.now_us},
       NULL, NULL, NULL
FROM (SELECT c.id, c.rm_id, {key} AS plan_key, {base_us} AS base_us
      FROM customers AS c
      LEFT JOIN segment_assignments AS s ON s.customer_id = c.id AND s.dimension = 'wealth_tier'
      LEFT JOIN (SELECT customer_id, max(occurred_at_us) AS last_us FROM interactions GROUP BY customer_id) AS l
             ON l.customer_id = c.id
      WHERE c.status = 'verified' AND c.rm_id IS NOT NULL
        AND (c.kind = 'corporate' OR s.value IS NOT NULL)
        AND NOT EXISTS (SELECT 1 FROM open_tasks AS t WHERE t.customer_id = c.id)) AS x;
"""
    if action == "check":
        return """SELECT 'tasks', count(*) FROM tasks WHERE status = 'open' AND kind = 'contact';
SELECT 'bench_tasks', count(*) FROM bench_tasks;
SELECT 'only_banyan', count(*) FROM (SELECT customer_id, owner_id, plan_key, method, due_on FROM tasks WHERE status = 'open' AND kind = 'contact'
  EXCEPT SELECT customer_id, owner_id, plan_key, method, due_on FROM bench_tasks) AS q;
SELECT 'only_statement', count(*) FROM (SELECT customer_id, owner_id, plan_key, method, due_on FROM bench_tasks
  EXCEPT SELECT customer_id, owner_id, plan_key, method, due_on FROM tasks WHERE status = 'open' AND kind = 'contact') AS q;
SELECT 'plan ' || plan_key, count(*) FROM tasks GROUP BY plan_key ORDER BY 1;
"""
    if action == "messages":
        # M queued app messages (service: no consent, quiet-hour or cap check), one per customer, due now
        nid = "gen_random_uuid()" if kind == "pg" else "randomblob(16)"
        rn = "row_number() OVER (ORDER BY id)"
        return f"""INSERT INTO messages (id, customer_id, channel, purpose, cause, cause_key, lang, subject, body, status,
    reason, attempts, next_attempt_at_us, claimed_until_us, created_at_us, sent_at_us)
SELECT {nid}, id, 'app', 'service', 'bench', 'bench:' || n, 'zh-CN', NULL,
       '尊敬的客户，您的账户服务提醒：本月对账单已生成，请登录手机银行查看。（基准测试消息 ' || n || '）',
       'queued', NULL, 0, {a.now_us} - 1000000 + n, NULL, {a.now_us} - 1000000, NULL
FROM (SELECT id, {rn} AS n FROM customers) AS c WHERE n <= {a.m};
INSERT INTO message_keys (cause_key, message_id) SELECT cause_key, id FROM messages WHERE cause = 'bench';
"""
    raise SystemExit(f"unknown action {action}")


def cmd_sql(a):
    s = render(a.backend, a.action, a)
    sys.stdout.write(s or "")


def cmd_sqlite(a):
    c = sqlite3.connect(a.db, timeout=120, isolation_level=None)
    c.create_function("unhex", 1, ptools.unhex, deterministic=True)
    c.execute("PRAGMA synchronous = FULL")
    c.execute("PRAGMA foreign_keys = ON")
    if a.action == "baseline-schema":
        stmts = []
        for (sql,) in c.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'tasks' AND sql IS NOT NULL ORDER BY type DESC"):
            s = sql.replace('"tasks"', '"bench_tasks"').replace(" tasks ", " bench_tasks ").replace("ON tasks", "ON bench_tasks")
            s = s.replace("ux_tasks", "ux_bench_tasks").replace("ix_tasks", "ix_bench_tasks")
            stmts.append(s)
        sql = ";\n".join(stmts) + ";\n"
    else:
        sql = render("sqlite", a.action, a)
    if a.action == "check":
        for stmt in [s for s in sql.split(";\n") if s.strip()]:
            for row in c.execute(stmt):
                print(*row, sep="\t")
        return
    t0 = time.perf_counter()
    c.execute("BEGIN IMMEDIATE")
    n = 0
    for stmt in [s for s in sql.split(";\n") if s.strip()]:
        c.execute(stmt)
        n = c.execute("SELECT changes()").fetchone()[0]
    c.execute("COMMIT")
    dt = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": round(dt, 3), "rows": n, "cpu_s": round(ru.ru_utime + ru.ru_stime, 2)}))


def cmd_receiver(a):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading
    lock = threading.Lock()
    state = {"n": 0, "bytes": 0}

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real gateway
        disable_nagle_algorithm = True  # else the body waits for a delayed ACK (40 ms per request)
        wbufsize = 1 << 16  # headers and body in one write (flushed after each request)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                state["n"] += 1
                state["bytes"] += len(body)
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def do_GET(self):
            out = json.dumps(state).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", a.port), H).serve_forever()


def cmd_post_baseline(a):
    import http.client, urllib.parse
    u = urllib.parse.urlparse(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    body = json.dumps({"id": "0" * 36, "channel": "app", "to": "0" * 36, "customer_id": "0" * 36,
                       "purpose": "service", "lang": "zh-CN", "subject": None,
                       "body": "尊敬的客户，您的账户服务提醒：本月对账单已生成，请登录手机银行查看。（基准测试消息 1）"},
                      ensure_ascii=False).encode()
    t0 = time.perf_counter()
    for _ in range(a.count):
        conn.request("POST", u.path or "/", body, {"content-type": "application/json"})
        r = conn.getresponse()
        r.read()
    dt = time.perf_counter() - t0
    print(json.dumps({"seconds": round(dt, 3), "posts": a.count, "posts_per_s": round(a.count / dt)}))


def cmd_summary(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    rows = [r for r in rows if str(r.get("label", "")).startswith(a.run + "/")]
    get = lambda b, c, w: next((r for r in rows if r["backend"] == b and r.get("case") == c and r["what"] == w), {})
    print("| backend | N | plan first s | customers/s | created | plan second s | customers/s | INSERT..SELECT first s | "
          "second s | plan ÷ statement (first / second) | banyan CPU s (first) | PostgreSQL CPU s (first) | other load (cores) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for b in sorted({r["backend"] for r in rows if r["backend"] != "none"}):
        f, s, bf, bs = get(b, "first", "plan"), get(b, "second", "plan"), get(b, "first", "insert-select"), get(b, "second", "insert-select")
        rat = lambda x, y: f"{x / y:.1f}" if x and y else "-"
        print(f"| {b} | {f.get('n')} | {f.get('wall_s')} | {f.get('customers_per_s')} | {f.get('created')} | {s.get('wall_s')} | "
              f"{s.get('customers_per_s')} | {bf.get('seconds')} | {bs.get('seconds')} | "
              f"{rat(f.get('wall_s'), bf.get('seconds'))} / {rat(s.get('wall_s'), bs.get('seconds'))} | {f.get('banyan_cpu_s')} | "
              f"{f.get('pg_cpu_s') if b == 'pg' else '-'} | {f.get('other_cores')} / {s.get('other_cores')} |")
    print()
    print("| backend | messages | dispatch s | messages/s | ms/message | invocations | banyan CPU s | PostgreSQL CPU s | other load | statuses |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["what"] == "dispatch":
            print(f"| {r['backend']} | {r['sent']} | {r['wall_s']} | {r['messages_per_s']} | {r['ms_per_message']} | {r['invocations']} | "
                  f"{r['banyan_cpu_s']} | {r['pg_cpu_s'] if r['backend'] == 'pg' else '-'} | {r['other_cores']} | {r['statuses']} |")
    for r in rows:
        if r["what"] == "receiver-ceiling":
            print(f"\nReceiver ceiling (sequential keep-alive POSTs from Python): {r['posts_per_s']}/s")
        if r["what"] in ("generate", "check"):
            print(f"\n{r['backend']} {r['what']}: {r.get('seconds', r.get('result'))}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)

    def opts(p):
        p.add_argument("action")
        p.add_argument("--n", type=int, default=1_000_000)
        p.add_argument("--m", type=int, default=20_000)
        p.add_argument("--rm", default="0" * 32)
        p.add_argument("--now-us", type=int, default=int(time.time() * 1e6))
        p.add_argument("--policy", default=os.path.join(os.path.dirname(__file__), "../../policy/default.toml"))
        p.add_argument("--every", type=int, default=20)
        p.add_argument("--salt", type=int, default=1)

    p = sub.add_parser("sql"); p.add_argument("backend", choices=["pg", "sqlite"]); opts(p); p.set_defaults(f=cmd_sql)
    p = sub.add_parser("sqlite"); p.add_argument("db"); opts(p); p.set_defaults(f=cmd_sqlite)
    p = sub.add_parser("receiver"); p.add_argument("port", type=int); p.set_defaults(f=cmd_receiver)
    p = sub.add_parser("post-baseline"); p.add_argument("url"); p.add_argument("count", type=int)
    p.set_defaults(f=cmd_post_baseline)
    p = sub.add_parser("summary"); p.add_argument("--results", required=True); p.add_argument("--run", required=True)
    p.set_defaults(f=cmd_summary)
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
