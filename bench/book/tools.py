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
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    sys.exit(main())
