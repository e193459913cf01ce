#!/usr/bin/env python3
"""Helpers for bench/book/run.sh (standard library only); the generic ones (free-port, json, psql-time, busy,
pgcpu, the customer generator) are bench/policy/tools.py's.

  tools.py accounts-sql pg|sqlite --as-of YYYY-MM-DD
      the SQL that adds one demand-deposit product and one account per customer (account number
      6222 + the customer's 12-digit position in id order), made inside the database
  tools.py tx-csv --accounts N --rows R --day YYYY-MM-DD --out FILE
      R transactions of one bank day (+08:00) over the N accounts, deterministic: small amounts mostly,
      1 in 200 a cash deposit of CNY 50,000-80,000 (large-value cash), 1 in 1,000 a transfer of 500,000+
  tools.py staging-sql --file FILE
      raw PostgreSQL: the CSV-shaped table, COPY of FILE into it, then the same rows into a table shaped like
      Banyan's `transactions` (account resolved by a join), each step timed by psql
  tools.py products-sql pg|sqlite
      the holdings case's catalogue: a demand and a time deposit, a wealth product (R2), a mortgage
  tools.py holdings-csv --customers FILE --per N --day YYYY-MM-DD --next 0|1 --out FILE
      a day's holdings file: N accounts per customer of FILE (one customer number a line), one of each product
      in turn, deterministic balances; --next 1 is the following day's file (every balance moved a little)
  tools.py holdings-sql --file FILE --day YYYY-MM-DD --policy FILE
      raw PostgreSQL, the same day's work set-based: COPY of FILE into a CSV-shaped table, accounts upserted and
      the day's snapshots inserted into tables shaped like Banyan's, each customer's figures (AUM, 90-day
      average deposits, loans, product count) upserted, the wealth tier re-evaluated; each step timed by psql
"""
import argparse, random, sys

PRODUCT = "00000000-0000-7000-8000-00000000b001"
STAFF = "00000000-0000-7000-8000-000000000001"


def accounts_sql(a):
    pg = a.backend == "pg"
    uuid = (lambda h: f"'{h}'::uuid") if pg else (lambda h: f"unhex('{h.replace('-', '')}')")
    false = "false" if pg else "0"
    new_id = "gen_random_uuid()" if pg else "randomblob(16)"
    number = ("'6222' || lpad((row_number() OVER (ORDER BY id))::text, 12, '0')" if pg
              else "printf('6222%012d', row_number() OVER (ORDER BY id))")
    return f"""
INSERT INTO products (id, code, kind, names, currency, term_months, min_amount, risk_level, private,
    dual_recording, targets, status, launch_on, end_on, version, updated_at_us, updated_by)
VALUES ({uuid(PRODUCT)}, 'DD-CNY', 'demand_deposit', '{{"zh-CN":"活期存款"}}', 'CNY', NULL, 0, NULL, {false},
    {false}, '[]', 'on_sale', '2020-01-01', NULL, 1, 0, {uuid(STAFF)});
INSERT INTO accounts (id, source, account_no, customer_id, product_id, currency, status, opened_on, closed_on,
    last_as_of, updated_at_us)
SELECT {new_id}, 'core', {number}, id, {uuid(PRODUCT)}, 'CNY', 'active', '2020-01-01', NULL, '{a.as_of}', 0
FROM customers;
"""


def tx_csv(a):
    rnd = random.Random(20261203)
    channels = ["online", "mobile", "pos", "batch", "atm"]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("id,account_no,at,amount,currency,direction,channel,counterparty,category,cash,cross_border,description\n")
        for i in range(a.rows):
            acct = rnd.randrange(1, a.accounts + 1)
            sec = rnd.randrange(0, 86400)
            at = f"{a.day}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+08:00"
            k = i % 1000
            if k % 200 == 7:
                row = (f"{rnd.randrange(50_000, 80_000)}.00", "credit", "branch", "individual", "other", "true")
            elif k == 499:
                row = (f"{rnd.randrange(500_000, 900_000)}.00", "credit", "online", "company", "transfer", "false")
            else:
                d = "debit" if rnd.random() < 0.55 else "credit"
                cat = "retail" if d == "debit" else "transfer"
                row = (f"{rnd.randrange(10, 5_000)}.{rnd.randrange(100):02d}", d, rnd.choice(channels),
                       "company", cat, "false")
            amount, d, ch, cp, cat, cash = row
            f.write(f"B{i:08d},6222{acct:012d},{at},{amount},CNY,{d},{ch},{cp},{cat},{cash},false,\n")


def staging_sql(a):
    return f"""\\timing on
CREATE TABLE bench_tx_csv (id text, account_no text, at timestamptz, amount numeric(20, 2), currency text,
    direction text, channel text, counterparty text, category text, cash boolean, cross_border boolean,
    description text);
\\copy bench_tx_csv FROM '{a.file}' WITH (FORMAT csv, HEADER true)
CREATE TABLE bench_transactions (LIKE transactions INCLUDING ALL);
INSERT INTO bench_transactions (source, tx_id, account_id, customer_id, at_us, amount, currency, amount_cny,
    direction, channel, counterparty, category, cash, cross_border, description, load_id)
SELECT 'core', s.id, a.id, a.customer_id, (extract(epoch FROM s.at) * 1000000)::bigint,
    (s.amount * 100)::bigint, s.currency, (s.amount * 100)::bigint, s.direction, s.channel, s.counterparty,
    s.category, s.cash, s.cross_border, NULLIF(s.description, ''), '{PRODUCT}'::uuid
FROM bench_tx_csv s JOIN accounts a ON a.source = 'core' AND a.account_no = s.account_no;
"""


HOLDING_PRODUCTS = [  # (code, kind, risk, credit)
    ("DD-CNY", "demand_deposit", None, False),
    ("TD-1Y-CNY", "time_deposit", None, False),
    ("WM-R2", "wealth_product", "R2", False),
    ("ML-CNY", "mortgage", None, True),
]


def products_sql(a):
    pg = a.backend == "pg"
    false = "false" if pg else "0"
    rows = []
    for n, (code, kind, risk, _) in enumerate(HOLDING_PRODUCTS):
        h = f"00000000-0000-7000-8000-00000000b1{n:02d}"
        pid = f"'{h}'::uuid" if pg else f"unhex('{h.replace('-', '')}')"
        staff = f"'{STAFF}'::uuid" if pg else f"unhex('{STAFF.replace('-', '')}')"
        r = f"'{risk}'" if risk else "NULL"
        rows.append(f"({pid}, '{code}', '{kind}', '{{\"zh-CN\":\"{code}\"}}', 'CNY', NULL, 0, {r}, {false}, "
                    f"{false}, '[]', 'on_sale', '2020-01-01', NULL, 1, 0, {staff})")
    return ("INSERT INTO products (id, code, kind, names, currency, term_months, min_amount, risk_level, private,\n"
            "    dual_recording, targets, status, launch_on, end_on, version, updated_at_us, updated_by)\nVALUES "
            + ",\n".join(rows) + ";\n")


def holdings_csv(a):
    customers = [l.strip() for l in open(a.customers, encoding="utf-8") if l.strip()]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("account_no,customer,product,currency,status,opened_on,balance,credit_limit,outstanding\n")
        for i, c in enumerate(customers):
            for k in range(a.per):
                code, _, _, credit = HOLDING_PRODUCTS[k % len(HOLDING_PRODUCTS)]
                h = (i * 2654435761 + k * 40503) % 1_000_003
                base = 1_000 + h * 7  # CNY 1,000 to about 7 million
                moved = base + (h % 97) * a.next  # the next day: most balances moved a little
                no = f"6222{i:010d}{k:02d}"
                if credit:
                    limit = 1_000_000 + (h % 9) * 100_000
                    f.write(f"{no},{c},{code},CNY,active,2020-01-01,0,{limit}.00,{max(limit - moved, 0)}.00\n")
                else:
                    f.write(f"{no},{c},{code},CNY,active,2020-01-01,{moved}.{h % 100:02d},,\n")


def holdings_sql(a):
    import importlib.util, os, tomllib
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("ptools", os.path.join(here, "..", "policy", "tools.py"))
    pt = importlib.util.module_from_spec(spec); spec.loader.exec_module(pt)
    case = pt.wealth_case(tomllib.load(open(a.policy, "rb")), "bench_h_tiers.tier", "x.aum", "x.inv", "x.contrib")
    return f"""\\timing on
CREATE TABLE IF NOT EXISTS bench_h_csv (account_no text, customer text, product text, currency text, status text,
    opened_on text, balance numeric(20, 2), credit_limit numeric(20, 2), outstanding numeric(20, 2));
TRUNCATE bench_h_csv;
CREATE TABLE IF NOT EXISTS bench_h_accounts (LIKE accounts INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench_h_holdings (LIKE holdings INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench_h_metrics (LIKE customer_metrics INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench_h_tiers (customer_id uuid PRIMARY KEY, tier text);
INSERT INTO bench_h_tiers SELECT id, NULL FROM customers ON CONFLICT DO NOTHING;
\\copy bench_h_csv FROM '{a.file}' WITH (FORMAT csv, HEADER true)
INSERT INTO bench_h_accounts (id, source, account_no, customer_id, product_id, currency, status, opened_on,
    closed_on, last_as_of, updated_at_us)
SELECT gen_random_uuid(), 'core', s.account_no, c.id, p.id, s.currency, s.status, s.opened_on, NULL, '{a.day}', 0
FROM bench_h_csv s JOIN customers c ON c.customer_no = s.customer JOIN products p ON p.code = s.product
ON CONFLICT (source, account_no) DO UPDATE SET status = excluded.status, last_as_of = excluded.last_as_of
WHERE bench_h_accounts.last_as_of <= excluded.last_as_of;
INSERT INTO bench_h_holdings (account_id, as_of, customer_id, status, balance, credit_limit, outstanding,
    days_past_due, load_id)
SELECT a.id, '{a.day}', a.customer_id, s.status, (s.balance * 100)::bigint, (s.credit_limit * 100)::bigint,
    (s.outstanding * 100)::bigint, 0, '{PRODUCT}'::uuid
FROM bench_h_csv s JOIN bench_h_accounts a ON a.source = 'core' AND a.account_no = s.account_no
ON CONFLICT (account_id, as_of) DO UPDATE SET balance = excluded.balance, outstanding = excluded.outstanding;
ANALYZE bench_h_accounts, bench_h_holdings;
INSERT INTO bench_h_metrics (customer_id, as_of, aum, data, recorded_at_us, recorded_by)
SELECT l.customer_id, '{a.day}', l.aum,
    json_build_object('avg_deposits', coalesce(d.avg_deposits, 0), 'loans', l.loans,
        'product_count', l.products, 'investment_count', coalesce((b.data::json ->> 'investment_count')::int, 0),
        'contribution', coalesce((b.data::json ->> 'contribution')::bigint, 0))::text, 0, '{STAFF}'::uuid
FROM (SELECT h.customer_id, sum(h.balance) FILTER (WHERE p.kind NOT IN ('mortgage')) AS aum,
        sum(coalesce(h.outstanding, 0)) AS loans, count(DISTINCT a.product_id) AS products
      FROM bench_h_holdings h JOIN bench_h_accounts a ON a.id = h.account_id JOIN products p ON p.id = a.product_id
      WHERE h.as_of = '{a.day}' GROUP BY h.customer_id) l
LEFT JOIN (SELECT customer_id, avg(total)::bigint AS avg_deposits
      FROM (SELECT h.customer_id, h.as_of, sum(h.balance) AS total
            FROM bench_h_holdings h JOIN bench_h_accounts a ON a.id = h.account_id
            JOIN products p ON p.id = a.product_id
            WHERE p.kind IN ('demand_deposit', 'time_deposit')
              AND h.as_of BETWEEN to_char('{a.day}'::date - 89, 'YYYY-MM-DD') AND '{a.day}'
            GROUP BY 1, 2) t GROUP BY 1) d ON d.customer_id = l.customer_id
-- Figures the book does not hold (investments, contribution) carry over from the latest metrics, as in Banyan.
LEFT JOIN (SELECT DISTINCT ON (customer_id) customer_id, data FROM customer_metrics WHERE as_of <= '{a.day}'
      ORDER BY customer_id, as_of DESC) b ON b.customer_id = l.customer_id
ON CONFLICT (customer_id, as_of) DO UPDATE SET aum = excluded.aum, data = excluded.data;
WITH x AS MATERIALIZED (
    SELECT m.customer_id AS cid, m.aum AS aum, (m.data::json ->> 'investment_count')::int AS inv,
        (m.data::json ->> 'contribution')::bigint AS contrib
    FROM bench_h_metrics m JOIN customers c ON c.id = m.customer_id
    WHERE m.as_of = '{a.day}' AND c.kind = 'individual')
UPDATE bench_h_tiers SET tier = {case}
FROM x WHERE bench_h_tiers.customer_id = x.cid;
"""


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(required=True)
    p = sub.add_parser("accounts-sql"); p.add_argument("backend", choices=["pg", "sqlite"])
    p.add_argument("--as-of", required=True)
    p.set_defaults(f=lambda a: print(accounts_sql(a)))
    p = sub.add_parser("tx-csv"); p.add_argument("--accounts", type=int, required=True)
    p.add_argument("--rows", type=int, required=True); p.add_argument("--day", required=True)
    p.add_argument("--out", required=True); p.set_defaults(f=tx_csv)
    p = sub.add_parser("staging-sql"); p.add_argument("--file", required=True)
    p.set_defaults(f=lambda a: print(staging_sql(a)))
    p = sub.add_parser("products-sql"); p.add_argument("backend", choices=["pg", "sqlite"])
    p.set_defaults(f=lambda a: print(products_sql(a)))
    p = sub.add_parser("holdings-csv"); p.add_argument("--customers", required=True)
    p.add_argument("--per", type=int, default=4); p.add_argument("--day", required=True)
    p.add_argument("--next", type=int, choices=[0, 1], default=0); p.add_argument("--out", required=True)
    p.set_defaults(f=holdings_csv)
    p = sub.add_parser("holdings-sql"); p.add_argument("--file", required=True)
    p.add_argument("--day", required=True); p.add_argument("--policy", required=True)
    p.set_defaults(f=lambda a: print(holdings_sql(a)))
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    sys.exit(main())
