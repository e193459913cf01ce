#!/usr/bin/env python3
"""Helpers for bench/policy/run.sh (standard library only).

The data are made by SQL that runs inside each database (generate_series on PostgreSQL, a recursive CTE on
SQLite); this script only renders that SQL from one template, so both backends get the same customers and
the same figures, and runs it on SQLite (Python's sqlite3, with an `unhex` function where SQLite < 3.41).

  tools.py sql pg|sqlite ACTION [--n N --as-of YYYY-MM-DD --policy FILE --every K --salt S]
      print the SQL of ACTION: schema | generate | change | update-all | update-changed | check
  tools.py sqlite DB ACTION [same options]
      run ACTION on the SQLite file DB; prints one JSON line {"seconds": ..., "rows": ...} (the time of the
      statements, BEGIN to COMMIT, synchronous = FULL as Banyan uses)
  tools.py psql-time FILE      sum of psql's "Time: ... ms" lines and the last "UPDATE n" (JSON)
  tools.py pgcpu DATA_DIR      CPU ticks used so far by the PostgreSQL cluster (postmaster, live and reaped backends)
  tools.py json KEY=VALUE ... [--results R]
  tools.py summary --results R --run RUN_ID
  tools.py free-port
"""
import argparse, json, math, os, platform, re, socket, sqlite3, sys, time, tomllib

# ------------------------------------------------------------------------------------------------ data

# Per-customer pseudo-random numbers r1..r8 in [0, 2^31-1): deterministic in (i, salt), the same on both
# backends (products stay below 2^63: i <= 10^7, multipliers < 2^31).
MULT = [1103515245, 1664525, 22695477, 134775813, 214013, 69069, 16807, 1140671485]
P = 2147483647


def r(k, salt="0"):
    return f"((((i * {MULT[k - 1]} + {salt} * 7777777 + {k}) % {P}) * 48271) % {P})"


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建文"
INDUSTRIES = "ABCEFGIKL"


class Dialect:
    def __init__(self, kind):
        self.kind = kind

    def hexpad(self, x, width):
        return f"lpad(to_hex({x}), {width}, '0')" if self.kind == "pg" else f"printf('%0{width}x', {x})"

    def decpad(self, x, width):
        return f"lpad(({x})::text, {width}, '0')" if self.kind == "pg" else f"printf('%0{width}d', {x})"

    def uuid_from_hex(self, h):
        return f"({h})::uuid" if self.kind == "pg" else f"unhex({h})"

    def uuid_const(self, n):
        h = f"{n:032x}"
        return f"'{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}'::uuid" if self.kind == "pg" else f"x'{h}'"

    def bytes32(self, tag):
        # Random-looking bytes, unique per customer (id_bidx has a unique index).
        if self.kind == "pg":
            return f"sha256(('{tag}' || i)::bytea)"
        return "randomblob(32)"

    def days_after(self, base, days):
        if self.kind == "pg":
            return f"to_char(date '{base}' + ({days})::int, 'YYYY-MM-DD')"
        return f"date('{base}', '+' || ({days}) || ' days')"

    def date_of_us(self, us, months):
        if self.kind == "pg":
            return f"to_char((to_timestamp(({us}) / 1000000.0) AT TIME ZONE 'UTC') + interval '{months} months', 'YYYY-MM-DD')"
        return f"date(({us}) / 1000000, 'unixepoch', '+{months} months')"

    def series(self, n):
        if self.kind == "pg":
            return f"(SELECT i::bigint AS i FROM generate_series(1, {n}) AS s(i)) AS s"
        return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS s"

    def json_int(self, col, key):
        if self.kind == "pg":
            # json, not jsonb: ->> on json scans the text; a jsonb cast builds the whole document (2x slower here)
            return f"(({col})::json ->> '{key}')::bigint"
        return f"json_extract({col}, '$.{key}')"

    def customer_i(self, col):
        # The generator's sequence number, from the customer number's last 8 digits.
        return f"right({col}, 8)::bigint" if self.kind == "pg" else f"CAST(substr({col}, -8) AS INTEGER)"

    def distinct(self, a, b):
        return f"{a} IS DISTINCT FROM {b}" if self.kind == "pg" else f"{a} IS NOT {b}"

    def int(self, x):
        return f"(({x})::int)" if self.kind == "pg" else f"({x})"

    def blob_t(self):
        return "uuid" if self.kind == "pg" else "BLOB"


def figures(d, salt):
    """Columns derived from r1..r8 of a customer: kind, wealth class, figures in yuan. Used by generate and
    change (change uses another salt: new figures, and for about half of the changed customers another
    wealth class)."""
    return f"""
    SELECT i, r1, r2, r3, r4, r5, r6, r7, r8,
           CASE WHEN r1 % 100 < 95 THEN 'individual' ELSE 'corporate' END AS kind,
           1 + r2 % 50 AS branch,
           CASE WHEN r3 % 1000 < 550 THEN 0 WHEN r3 % 1000 < 850 THEN 1 WHEN r3 % 1000 < 960 THEN 2 ELSE 3 END AS cls
    FROM (SELECT i, {r(1)} AS r1, {r(2)} AS r2, {r(3, salt)} AS r3, {r(4, salt)} AS r4, {r(5, salt)} AS r5,
                 {r(6, salt)} AS r6, {r(7, salt)} AS r7, {r(8, salt)} AS r8
          FROM {{src}}) AS q"""


def money(d):
    """From (i, r*, kind, cls): aum, deposits, investment count, contribution (yuan) and the JSON document."""
    return """
    SELECT f.*,
           CASE cls WHEN 0 THEN r4 % 500000 WHEN 1 THEN 400000 + r4 % 1800000
                    WHEN 2 THEN 1800000 + r4 % 4700000 ELSE 5500000 + r4 % 14500000 END AS aum_y,
           CASE cls WHEN 0 THEN r6 % 4 WHEN 1 THEN 1 + r6 % 7 WHEN 2 THEN 4 + r6 % 11 ELSE 10 + r6 % 21 END AS inv,
           CASE cls WHEN 0 THEN r7 % 3000 WHEN 1 THEN 1500 + r7 % 10500
                    WHEN 2 THEN 8000 + r7 % 52000 ELSE 40000 + r7 % 160000 END AS contrib_y
    FROM ({figures}) AS f"""


def metrics_doc(as_of):
    y = "* 100"  # yuan -> fen
    return f"""'{{"as_of":"{as_of}","assets":{{"deposits":' || (dep_y {y}) || ',"funds":' || ((aum_y - dep_y) {y})
        || '}},"avg_deposits":' || (dep_y {y}) || ',"loans":' || ((r8 % 200000) {y})
        || ',"fee_income":' || ((aum_y / 2000) {y}) || ',"contribution":' || (contrib_y {y})
        || ',"investment_count":' || inv || ',"transactions_90d":' || (r8 % 60)
        || ',"product_count":' || (1 + r5 % 5) || ',"overdue_count":' || (CASE WHEN r8 % 7 = 3 THEN 1 + r8 % 4 ELSE 0 END)
        || ',"income":' || ((80000 + r6 % 720000) {y}) || ',"income_unstable":' || (CASE WHEN r2 % 11 = 5 THEN 'true' ELSE 'false' END)
        || ',"debts":' || (((80000 + r6 % 720000) / (CASE WHEN r8 % 7 = 3 THEN 1 ELSE 5 END)) {y})
        || ',"qualitative_points":' || (r7 % 8)
        || (CASE WHEN kind = 'corporate' THEN ',"total_assets":' || ((aum_y * 20) {y}) || ',"total_liabilities":' || ((aum_y * (5 + r5 % 10)) {y})
                 || ',"revenue":' || ((aum_y * 3) {y}) || ',"employees":' || (5 + r3 % 2000) ELSE '' END)
        || '}}'"""


def rows_sql(d, src, salt, as_of):
    inner = figures(d, salt).replace("{src}", src)
    m = money(d).replace("{figures}", inner)
    return f"SELECT m.*, aum_y * (30 + r5 % 51) / 100 AS dep_y FROM ({m}) AS m"


def id_expr(d):
    # UUIDv7 layout: 48-bit milliseconds of creation, version 7, random bits; ordered like the app's ids.
    # Only i and unsalted numbers, so `change` finds the same ids.
    ms = "((1704067200000000 + i * 90000000) / 1000)"
    a, b = r(1), r(2)
    h = (f"{d.hexpad(ms, 12)} || '7' || {d.hexpad(f'{a} % 4096', 3)} || substr('89ab', {d.int(f'1 + {b} % 4')}, 1)"
         f" || {d.hexpad(f'({a} / 4096) % 268435456', 7)} || {d.hexpad(b, 8)}")
    return d.uuid_from_hex(h)


def wealth_case(policy, cur, aum, inv, contrib):
    """The wealth-tier rule of crates/domain/src/segments.rs as SQL: the highest tier whose three thresholds
    are met; a customer whose current tier is higher keeps it while each figure is >= downgrade_ratio of that
    tier's thresholds. Thresholds are computed like the Rust code (f64), then made integer (ceil) because
    the figures are integers."""
    w = policy["segments"]["wealth"]
    ratio = float(w.get("downgrade_ratio", 1.0))
    tiers = w["tiers"]
    parts = []
    for t in tiers[:-1]:
        def cond(k):
            a = math.ceil(float(t["min_aum"] * 100) * k)
            c = math.ceil(float(t["min_contribution"] * 100) * k)
            n = math.floor(float(t["min_investments"]) * k)
            return f"{aum} >= {a} AND {inv} >= {n} AND {contrib} >= {c}"
        parts.append(f"WHEN {cond(1.0)} THEN '{t['name']}'")
        parts.append(f"WHEN {cur} = '{t['name']}' AND {cond(ratio)} THEN '{t['name']}'")
    return "CASE " + " ".join(parts) + f" ELSE '{tiers[-1]['name']}' END"


def render(backend, action, a):
    d = Dialect(backend)
    if action == "schema":
        # The scratch table the single statement writes: one tier per customer, like segment_assignments'
        # rows for the dimension wealth_tier (the customers table itself is left alone: rewriting all its rows
        # would bloat it and its nine indexes for the evaluate runs that follow).
        return (f"CREATE TABLE bench_wealth (customer_id {d.blob_t()} PRIMARY KEY, tier TEXT);\n"
                f"INSERT INTO bench_wealth (customer_id, tier) SELECT id, NULL FROM customers;\n")
    if action == "generate":
        src = d.series(a.n)
        rows = rows_sql(d, src, "0", a.as_of)
        created = "(1704067200000000 + i * 90000000)"
        verified = f"({created} + 86400000000)"
        name_i = (f"substr('{SURNAMES}', {d.int('1 + r5 % 20')}, 1) || substr('{GIVEN}', {d.int('1 + r6 % 30')}, 1)"
                  f" || CASE WHEN r7 % 3 = 0 THEN '' ELSE substr('{GIVEN}', {d.int('1 + r8 % 30')}, 1) END")
        name_c = (f"substr('{SURNAMES}', {d.int('1 + r5 % 20')}, 1) || substr('{GIVEN}', {d.int('1 + r6 % 30')}, 1)"
                  " || '实业有限公司'")
        branch = f"'BR' || {d.decpad('branch', 4)}"
        nil, checker = d.uuid_const(0), d.uuid_const(1)
        cust = f"""
INSERT INTO customers (id, customer_no, kind, status, branch_code, rm_id, display_name, name_latin_lower, birth_date,
    id_type, id_enc, id_bidx, profile, preferred_channel, custom, version, created_by, created_at_us, updated_by,
    updated_at_us, submitted_by, submitted_at_us, verified_by, verified_at_us, review_due, return_note)
SELECT {id_expr(d)},
       CASE WHEN kind = 'individual' THEN 'P-' ELSE 'C-' END || {branch} || '-' || {d.decpad('i', 8)},
       kind, 'verified', {branch}, NULL,
       CASE WHEN kind = 'individual' THEN {name_i} ELSE {name_c} END, NULL,
       CASE WHEN kind = 'individual' THEN {d.days_after('1940-01-01', 'r8 % 23000')} ELSE NULL END,
       CASE WHEN kind = 'individual' THEN 'resident_id' ELSE 'credit_code' END,
       {d.bytes32('enc')}, {d.bytes32('bidx')},
       CASE WHEN kind = 'individual' THEN '{{}}'
            ELSE '{{"registered_name":"' || {name_c} || '","industry":"' || substr('{INDUSTRIES}', {d.int('1 + r2 % 9')}, 1)
                 || '","employees":' || (5 + r3 % 2000) || '}}' END,
       NULL, '{{}}', 3, {nil}, {created}, {nil}, {verified}, {nil}, {created} + 3600000000,
       {checker}, {verified},
       {d.date_of_us(verified, 6)}, NULL
FROM ({rows}) AS g;"""
        met = f"""
INSERT INTO customer_metrics (customer_id, as_of, aum, data, recorded_at_us, recorded_by)
SELECT {id_expr(d)}, '{a.as_of}', aum_y * 100, {metrics_doc(a.as_of)}, 1767225600000000, {nil}
FROM ({rows}) AS g;"""
        return cust + "\n" + met + "\n"
    if action == "change":
        # About 1/every of the customers get new figures (another salt): new aum, investments and contribution,
        # and for about half of them another wealth class, so tiers go up and down (and some stay by hysteresis).
        src = f"(SELECT {d.customer_i('customer_no')} AS i FROM customers) AS s0 WHERE i % {a.every} = {a.salt % a.every}"
        src = f"(SELECT i FROM {src}) AS s"
        rows = rows_sql(d, src, str(a.salt), a.as_of)
        return f"""
UPDATE customer_metrics SET aum = g.aum_y * 100, data = {metrics_doc(a.as_of)}
FROM (SELECT {id_expr(d)} AS cid, x.* FROM ({rows}) AS x) AS g
WHERE customer_metrics.customer_id = g.cid AND customer_metrics.as_of = '{a.as_of}';
"""
    if action in ("update-all", "update-changed"):
        policy = tomllib.load(open(a.policy, "rb"))
        case = wealth_case(policy, "bench_wealth.tier", "x.aum", "x.inv", "x.contrib")
        where = f" AND {d.distinct('bench_wealth.tier', '(' + case + ')')}" if action == "update-changed" else ""
        return f"""WITH x AS MATERIALIZED (
    SELECT m.customer_id AS cid, m.aum AS aum, {d.json_int('m.data', 'investment_count')} AS inv,
           {d.json_int('m.data', 'contribution')} AS contrib
    FROM customer_metrics AS m JOIN customers AS c ON c.id = m.customer_id
    WHERE c.kind = 'individual')
UPDATE bench_wealth SET tier = {case}
FROM x WHERE bench_wealth.customer_id = x.cid{where};
"""
    if action == "check":
        # Does the single statement agree with what Banyan stored? (0 mismatches expected), and the tiers.
        return """SELECT 'mismatches', count(*) FROM customers AS c
  JOIN bench_wealth AS b ON b.customer_id = c.id
  LEFT JOIN segment_assignments AS s ON s.customer_id = c.id AND s.dimension = 'wealth_tier'
  WHERE coalesce(s.value, '-') <> coalesce(b.tier, '-');
SELECT 'tier ' || coalesce(tier, 'none'), count(*) FROM bench_wealth GROUP BY tier ORDER BY 1;
SELECT 'assignments', count(*) FROM segment_assignments;
SELECT 'history', count(*) FROM segment_history;
SELECT 'outbox', count(*) FROM outbox;
"""
    raise SystemExit(f"unknown action {action}")


# ------------------------------------------------------------------------------------------------ commands

def cmd_sql(a):
    sys.stdout.write(render(a.backend, a.action, a))


def unhex(s):
    return bytes.fromhex(s) if s is not None else None


def cmd_sqlite(a):
    sql = render("sqlite", a.action, a)
    c = sqlite3.connect(a.db, timeout=60, isolation_level=None)
    c.create_function("unhex", 1, unhex, deterministic=True)
    c.execute("PRAGMA synchronous = FULL")
    c.execute("PRAGMA foreign_keys = ON")
    if a.action == "check":
        for stmt in [s for s in sql.split(";") if s.strip()]:
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
    import resource
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": round(dt, 3), "rows": n, "cpu_s": round(ru.ru_utime + ru.ru_stime, 2)}))


def cmd_psql_time(a):
    text = open(a.file).read()
    ms = sum(float(x) for x in re.findall(r"^Time: ([0-9.]+) ms", text, re.M))
    rows = re.findall(r"^UPDATE (\d+)", text, re.M)
    print(json.dumps({"seconds": round(ms / 1000, 3), "rows": int(rows[-1]) if rows else None}))


def cmd_pgcpu(a):
    def ticks(pid, reaped=False):
        try:
            with open(f"/proc/{pid}/stat") as f:
                p = f.read().rsplit(")", 1)[1].split()
            t = int(p[11]) + int(p[12])
            return t + int(p[13]) + int(p[14]) if reaped else t
        except (OSError, IndexError, ValueError):
            return 0
    pm = int(open(os.path.join(a.data, "postmaster.pid")).readline())
    total = ticks(pm, reaped=True)
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pm:
                        total += ticks(int(d))
            except (OSError, IndexError, ValueError):
                pass
    print(round(total / os.sysconf("SC_CLK_TCK"), 2))


def cmd_busy(_a):
    """CPU seconds the whole machine has been busy (all cores, /proc/stat minus idle and iowait)."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    print(round((sum(cpu) - cpu[3] - cpu[4]) / os.sysconf("SC_CLK_TCK"), 2))


def cmd_json(a):
    out = {}
    for kv in a.pairs:
        k, v = kv.split("=", 1)
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    out.setdefault("host", platform.node())
    out.setdefault("cpus", os.cpu_count())
    line = json.dumps(out, ensure_ascii=False)
    print(line)
    if a.results:
        with open(a.results, "a") as f:
            f.write(line + "\n")


def cmd_summary(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    rows = [r for r in rows if str(r.get("label", "")).startswith(a.run + "/")]
    by = {}
    for r in rows:
        by.setdefault((r["backend"], r["case"]), {})[r["what"]] = r
    print("| backend | N | case | evaluate s (wall) | customers/s | changed | UPDATE all s | UPDATE changed-only s | "
          "evaluate ÷ UPDATE all | evaluate ÷ UPDATE changed-only | banyan CPU s | PostgreSQL CPU s | other load (cores): evaluate / UPDATE all |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (backend, case), m in by.items():
        if case == "setup":
            continue
        e = m.get("evaluate", {})
        ua, uc = m.get("update-all", {}), m.get("update-changed", {})
        es, uas, ucs = e.get("wall_s"), ua.get("seconds"), uc.get("seconds")
        def ratio(x, y):
            return f"{x / y:.1f}" if x and y else "–"
        print(f"| {backend} | {e.get('n', '')} | {case} | {es} | {e.get('customers_per_s', '')} | "
              f"{e.get('customers_changed', '')} | {uas} | {ucs} | {ratio(es, uas)} | {ratio(es, ucs)} | "
              f"{e.get('banyan_cpu_s', '')} | {e.get('pg_cpu_s', '–') if backend == 'pg' else '–'} | "
              f"{e.get('other_cores', '–')} / {ua.get('other_cores', '–')} |")
    gen = [r for r in rows if r.get("what") in ("generate", "change-metrics")]
    if gen:
        print()
        print("Untimed preparation: " + "; ".join(
            f"{r['backend']} {r['what']} {r.get('rows', r['n']):,} rows in {r['seconds']} s" for r in gen))


def cmd_free_port(_a):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)

    def data_opts(p):
        p.add_argument("action")
        p.add_argument("--n", type=int, default=1_000_000)
        p.add_argument("--as-of", default=time.strftime("%Y-%m-%d"))
        p.add_argument("--policy", default=os.path.join(os.path.dirname(__file__), "../../policy/default.toml"))
        p.add_argument("--every", type=int, default=20)
        p.add_argument("--salt", type=int, default=1)

    p = sub.add_parser("sql"); p.add_argument("backend", choices=["pg", "sqlite"]); data_opts(p)
    p.set_defaults(f=cmd_sql)
    p = sub.add_parser("sqlite"); p.add_argument("db"); data_opts(p); p.set_defaults(f=cmd_sqlite)
    p = sub.add_parser("psql-time"); p.add_argument("file"); p.set_defaults(f=cmd_psql_time)
    p = sub.add_parser("pgcpu"); p.add_argument("data"); p.set_defaults(f=cmd_pgcpu)
    p = sub.add_parser("json"); p.add_argument("pairs", nargs="*"); p.add_argument("--results")
    p.set_defaults(f=cmd_json)
    p = sub.add_parser("summary"); p.add_argument("--results", required=True); p.add_argument("--run", required=True)
    p.set_defaults(f=cmd_summary)
    p = sub.add_parser("free-port"); p.set_defaults(f=cmd_free_port)
    p = sub.add_parser("busy"); p.set_defaults(f=cmd_busy)
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
