#!/usr/bin/env python3
"""The book section of the customer 360 page under load (standard library only), for bench/book/run.sh.

  pages.py --base URL --user NAME --password-env VAR --ids FILE [--clients 8] [--duration 20] [--warmup 3]
           [--expect TEXT]

Signs in through the API (a bearer token per client), then each client asks for `/api/v1/customers/{id}/book`
— what the 360 page draws its holdings, totals and AUM line from — of customers drawn from FILE (one id a
line) in a closed loop for DURATION seconds after WARMUP. (The page itself cannot be drawn for the generated
customers: their identity numbers are random bytes, not encrypted values.) A read counts only when it answers
200 with the text EXPECT in it (`"aum_line":[{` asks that the customer has a book). Prints one JSON line:
pages, errors, rate, p50/p90/p99/max in ms.
"""
import argparse, json, os, random, sys, threading, time, urllib.request


def token(base, user, password):
    req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST",
                                 data=json.dumps({"username": user, "password": password}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["token"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-env", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--expect", default='"aum_line"')
    a = ap.parse_args()
    ids = [l.strip() for l in open(a.ids) if l.strip()]
    expect = a.expect.encode()
    password = os.environ[a.password_env]
    tokens = [token(a.base, a.user, password) for _ in range(a.clients)]
    start = time.monotonic()
    measure_from = start + a.warmup
    end = measure_from + a.duration
    lat, errors, lock = [], [0], threading.Lock()

    def client(k):
        rnd = random.Random(k)
        mine = []
        while True:
            t0 = time.monotonic()
            if t0 >= end:
                break
            ok = False
            try:
                req = urllib.request.Request(f"{a.base}/api/v1/customers/{rnd.choice(ids)}/book",
                                             headers={"authorization": f"Bearer {tokens[k]}"})
                with urllib.request.urlopen(req, timeout=60) as r:
                    body = r.read()
                    ok = r.status == 200 and expect in body
            except Exception:  # a refused or failed page counts as an error, the loop goes on
                ok = False
            t1 = time.monotonic()
            if t0 >= measure_from:
                if ok:
                    mine.append((t1 - t0) * 1000)
                else:
                    with lock:
                        errors[0] += 1
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    q = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else None
    print(json.dumps({"pages": len(lat), "errors": errors[0], "rate": round(len(lat) / a.duration, 1),
                      "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99), "max_ms": q(1.0) if lat else None,
                      "clients": a.clients, "duration_s": a.duration}))


if __name__ == "__main__":
    sys.exit(main())
