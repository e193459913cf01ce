#!/usr/bin/env python3
"""The care benchmark (issue 16, "Done when"): what the need-to-know checks cost on the customer 360 page — the
page of a registered care customer against the page of a customer outside the programme — through Banyan on
both backends, and the adjustments read against the same statements as raw PostgreSQL in the same run.

  bench/care/run.py                       # both backends
  CUSTOMERS=300 BACKENDS=pg bench/care/run.py
  BANYAN=target/release/banyan (default; built by `cargo build --release -p banyan` when missing)

Per backend, on a fresh database: `banyan demo --customers CUSTOMERS` (its care demo registers customer
P-BR0001-00000001 with rm1 on the team, and verifies no other), then `banyan serve`. Two readers: rm1 (the care
team's lead contact, his own customers) and supervisor1 (branch BR0001, supervises the record). Cases, each under
CLIENTS closed-loop clients for DURATION s after WARMUP s:
  page   GET /customers/{id}                      (the workbench's 360 page, a signed-in session; for the care
                                                    customer it shows the adjustments band: the record, its team,
                                                    its grants, the staff names, the access decision)
  adjust GET /api/v1/customers/{id}/adjustments   (the same check alone)
for the care customer and for another customer of rm1's in BR0001 (no record: one indexed miss). Raw: the adjust
case's statements as SQL on the PostgreSQL database (the customer; the open record; its team; its grants; the staff
names) under pgbench with the same clients and duration, p99 from its per-transaction log.
Results: one JSON line per case in bench/out/care-results.jsonl and the run's directory.
"""
import json, os, secrets, subprocess, sys, time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from closedloop import closed_loop, pgbench  # noqa: E402
from backends import Backend, dashed, each_backend, session, token, uuid_sql  # noqa: E402
from backends import serve as start  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CUSTOMERS = int(os.environ.get("CUSTOMERS", "300"))
BACKENDS = os.environ.get("BACKENDS", "pg sqlite").split()
CLIENTS = int(os.environ.get("CLIENTS", "8"))
DURATION = float(os.environ.get("DURATION", "15"))
WARMUP = float(os.environ.get("WARMUP", "3"))
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
BANYAN = os.environ.get("BANYAN", os.path.join(ROOT, "target", "release", "banyan"))
RUN_ID = "care-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
OUT = os.path.join(ROOT, "bench", "out")
LOGS = os.path.join(OUT, RUN_ID)
MASTER = secrets.token_hex(32)
READERS = ["rm1", "supervisor1"]


def log(*a):
    print(time.strftime("[%H:%M:%S]"), *a, file=sys.stderr, flush=True)


def reads(base, user, path, expect, page):
    """CLIENTS clients ask for `path` in a loop, signed in as `user` (a workbench session or a bearer token)."""
    if page:
        openers = [session(base, user) for _ in range(CLIENTS)]
        fetch = lambda k: openers[k].open(base + path, timeout=60)
    else:
        tokens = [token(base, user) for _ in range(CLIENTS)]
        fetch = lambda k: urllib.request.urlopen(urllib.request.Request(
            base + path, headers={"authorization": f"Bearer {tokens[k]}"}), timeout=60)
    return closed_loop(fetch, CLIENTS, WARMUP, DURATION, expect)


def raw_script(customer, record):
    """The adjustments read as SQL: the customer in scope, its open record, the record's team and grants (is the
    reader on it?), the staff names for the lead contact."""
    s = [f"SELECT * FROM customers WHERE id = '{customer}';",
         f"SELECT * FROM care_records WHERE customer_id = '{customer}' AND status IN ('reported', 'verified', "
         "'registered') ORDER BY reported_at_us DESC LIMIT 1;"]
    if record:
        s += [f"SELECT * FROM care_team WHERE record_id = '{record}';",
              f"SELECT * FROM care_grants WHERE record_id = '{record}' ORDER BY from_us DESC;",
              f"SELECT * FROM care_team WHERE record_id = '{record}';",
              "SELECT * FROM staff;"]
    return "\n".join(s) + "\n"


def record(line):
    print(json.dumps(line, ensure_ascii=False), flush=True)
    for p in (os.path.join(OUT, "care-results.jsonl"), os.path.join(LOGS, "results.jsonl")):
        with open(p, "a") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def run(kind, work):
    b = Backend(kind, work, "care", PGBIN, MASTER)
    serve = None
    try:
        t0 = time.monotonic()
        subprocess.run([BANYAN, "demo", "--customers", str(CUSTOMERS)], env=b.env(), check=True,
                       stdout=subprocess.DEVNULL)
        log(f"{kind}: demo of {CUSTOMERS} customers in {time.monotonic() - t0:.0f} s (untimed)")
        rm1 = b.sql(f"SELECT {uuid_sql(b, 'id')} FROM staff WHERE username = 'rm1'")
        care = b.sql(f"SELECT {uuid_sql(b, 'r.customer_id')}, {uuid_sql(b, 'r.id')} FROM care_records r JOIN care_team t "
                     f"ON t.record_id = r.id JOIN staff s ON s.id = t.staff_id WHERE r.status = 'registered' "
                     "AND s.username = 'rm1'").split("|")
        other = b.sql(f"SELECT {uuid_sql(b, 'c.id')} FROM customers c WHERE c.branch_code = 'BR0001' "
                      "AND c.kind = 'individual' AND c.rm_id = (SELECT id FROM staff WHERE username = 'rm1') "
                      "AND NOT EXISTS (SELECT 1 FROM care_records r WHERE r.customer_id = c.id) "
                      "ORDER BY c.customer_no LIMIT 1")
        who = {"care": (dashed(care[0]), dashed(care[1])), "other": (dashed(other), None)}
        log(f"{kind}: rm1 {dashed(rm1)}; care customer {who['care'][0]}, other {who['other'][0]}")
        serve, base = start(BANYAN, b, os.path.join(LOGS, f"serve-{kind}.log"))
        for case in ["page", "adjust"]:
            for reader in READERS:
                for customer, (cid, rec) in who.items():
                    path = f"/customers/{cid}" if case == "page" else f"/api/v1/customers/{cid}/adjustments"
                    expect = b"care-banner" if (case == "page" and customer == "care") else (
                        b"glance" if case == "page" else b"needs_adjustments")
                    log(f"{kind}: {case} of the {customer} customer as {reader}")
                    r = reads(base, reader, path, expect, case == "page")
                    record({"run": RUN_ID, "backend": kind, "case": case, "reader": reader, "customer": customer,
                            "customers": CUSTOMERS, "clients": CLIENTS, "duration_s": DURATION, **r})
                    if kind == "pg" and case == "adjust" and reader == READERS[0]:
                        r = pgbench(PGBIN, b.work, b.port, "care", raw_script(cid, rec), CLIENTS, DURATION,
                                    f"raw-{customer}")
                        record({"run": RUN_ID, "backend": "pg-raw", "case": case, "reader": reader,
                                "customer": customer, "customers": CUSTOMERS, "clients": CLIENTS,
                                "duration_s": DURATION, **r})
    finally:
        if serve:
            serve.terminate()
            serve.wait()
        b.stop()


def main():
    each_backend(ROOT, BANYAN, BACKENDS, "care", LOGS, run)
    log(f"results: {os.path.join(LOGS, 'results.jsonl')}")


if __name__ == "__main__":
    main()
