#!/usr/bin/env python3
"""Failover under write load: writers create customers through Banyan's nodes, each request with its own
Idempotency-Key and retried with the same key until answered; the primary is killed part way through.
Afterwards every acknowledged customer must be there, every key must answer the customer it answered
first, and there must be exactly one customer per key. Prints the time without acknowledged writes.

    failover.py --nodes http://127.0.0.1:8091,http://127.0.0.1:8092 --kill-cmd "scripts/ha/cluster.sh kill 1"

Standard library only (urllib and threads)."""

import argparse, json, subprocess, sys, threading, time, urllib.error, urllib.request

def call(method, url, body=None, token=None, key=None, timeout=15):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    if key:
        req.add_header("idempotency-key", key)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except Exception:
        return None, None

def resident_id(n):
    # A valid mainland resident ID (GB 11643): region 110105, a birth date and a sequence unique to n, and
    # the ISO 7064 MOD 11-2 check character.
    import datetime
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 999)
    body = "110105" + born.strftime("%Y%m%d") + "%03d" % (n % 999 + 1)
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * w[i] for i, c in enumerate(body))
    return body + "10X98765432"[s % 11]

def customer(n):
    return {"kind": "individual", "branch_code": "BR0001",
            "individual": {"name_zh": "容灾%d" % n, "id_type": "resident_id", "id_number": resident_id(n)},
            "contacts": [{"kind": "mobile", "value": "139%08d" % n}]}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", required=True)
    ap.add_argument("--kill-cmd", required=True)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--before", type=float, default=10.0, help="seconds of writes before the kill")
    ap.add_argument("--after", type=float, default=60.0, help="seconds of writes after the kill")
    ap.add_argument("--password", default="a-long-password")
    ap.add_argument("--count-cmd", required=True, help="prints how many customers the database holds")
    a = ap.parse_args()
    nodes = a.nodes.split(",")
    st, v = call("POST", nodes[0] + "/api/v1/auth/login", {"username": "rm1", "password": a.password})
    assert st == 200, ("login", st)
    token = v["token"]
    acks = {}           # key -> (customer id, time of the first answer)
    answered = []       # times of every acknowledged write
    errors = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w):
        n = w
        while not stop.is_set():
            key = "failover-%d" % n
            node = 0
            while True:
                st, v = call("POST", nodes[node % len(nodes)] + "/api/v1/customers", customer(n), token, key)
                if st == 201:
                    with lock:
                        acks[key] = (v["id"], time.time(), n)
                        answered.append(time.time())
                    break
                if st is not None and st < 500 and st not in (409, 429):
                    print("key %s refused: %s" % (key, st), file=sys.stderr)
                    sys.exit(1)
                with lock:
                    errors[0] += 1
                node += 1        # the next node, as a load balancer would
                time.sleep(0.1)
            n += a.writers

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(a.writers)]
    for t in threads:
        t.start()
    time.sleep(a.before)
    killed = time.time()
    subprocess.run(a.kill_cmd, shell=True, check=True)
    time.sleep(a.after)
    stop.set()
    for t in threads:
        t.join()

    # Every acknowledged write is there, and each key answers as it did the first time.
    lost, changed = 0, 0
    for key, (cid, _, n) in sorted(acks.items()):
        st, v = call("GET", nodes[-1] + "/api/v1/customers/" + cid, token=token)
        if st != 200:
            lost += 1
        st, v = call("POST", nodes[0] + "/api/v1/customers", customer(n), token, key)
        if st != 201 or v["id"] != cid:
            changed += 1
    # Counted in the database: the API's listing counts exactly only up to 10,000.
    total = int(subprocess.run(a.count_cmd, shell=True, check=True, capture_output=True, text=True).stdout.strip())
    before = sorted(t for t in answered if t < killed)
    after = sorted(t for t in answered if t >= killed)
    # The longest stretch without an acknowledged write from the kill on: the time the bank could not write.
    marks = [killed] + after
    gap = max((b - a) for a, b in zip(marks, marks[1:])) if after else float("inf")
    rate = len(before) / a.before if a.before else 0
    print(json.dumps({
        "keys_acknowledged": len(acks), "customers": total, "lost": lost, "answered_differently": changed,
        "failed_attempts_retried": errors[0], "writes_per_s_before": round(rate, 1),
        "seconds_without_writes_after_kill": round(gap, 2),
        "writes_per_s_after": round(len(after) / a.after, 1) if a.after else 0,
    }))
    ok = lost == 0 and changed == 0 and total == len(acks) and after
    sys.exit(0 if ok else 1)

main()
