#!/usr/bin/env python3
"""The customer 360 page itself, with and without a book, under load (standard library only).

  page360.py --base URL --user NAME --password-env VAR --with-book FILE --without FILE [--clients 8]
             [--duration 20] [--warmup 3]

Against a `banyan serve` of a demo database (`banyan demo`: every customer encrypted as Banyan writes it; the
first 200 customers have a book — accounts and holdings with a year of month-end snapshots, a year of
transactions). Signs in through the login form (a session cookie per client), then measures two sets of
customers (one id a line; bench/book/page360.sh picks them): those with accounts ("with book") and as many
verified customers without ("no book"),
each in a closed loop of CLIENTS for DURATION seconds after WARMUP: `GET /customers/{id}`, the whole page
drawn. A read counts when it answers 200 with its book section (the holdings, or "no holdings"). Prints one JSON line
per set: pages, errors, rate, p50/p90/p99/max in ms.
"""
import argparse, http.cookiejar, json, os, random, re, threading, time, urllib.parse, urllib.request


def session(base, user, password):
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with op.open(f"{base}/login", timeout=30) as r:
        csrf = re.search(rb'name="_csrf" value="([^"]+)"', r.read()).group(1).decode()
    body = urllib.parse.urlencode({"_csrf": csrf, "username": user, "password": password}).encode()
    with op.open(urllib.request.Request(f"{base}/login", data=body, method="POST"), timeout=30) as r:
        r.read()
    return op


def run(a, ops, ids, expect):
    start = time.monotonic()
    measure_from = start + a.warmup
    end = measure_from + a.duration
    lat, errors, lock = [], [0], threading.Lock()

    def client(k):
        rnd = random.Random(k)
        mine, bad = [], 0
        while True:
            t0 = time.monotonic()
            if t0 >= end:
                break
            ok = False
            try:
                with ops[k].open(f"{a.base}/customers/{rnd.choice(ids)}", timeout=60) as r:
                    body = r.read()
                    ok = r.status == 200 and (expect is None or expect in body)
            except Exception:  # a refused or failed page counts as an error, the loop goes on
                ok = False
            t1 = time.monotonic()
            if t0 >= measure_from:
                if ok:
                    mine.append((t1 - t0) * 1000)
                else:
                    bad += 1
        with lock:
            lat.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    q = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else None
    return {"pages": len(lat), "errors": errors[0], "rate": round(len(lat) / a.duration, 1),
            "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99), "max_ms": lat[-1] if lat else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-env", required=True)
    ap.add_argument("--with-book", required=True)
    ap.add_argument("--without", required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--with-first", action="store_true", help="measure the customers with a book first")
    ap.add_argument("--before", action="store_true",
                    help="a binary from before the book: only the customers of --without, no book section expected")
    a = ap.parse_args()
    read = lambda f: [l.strip() for l in open(f) if l.strip()]
    with_book, without = read(a.with_book), read(a.without)
    password = os.environ[a.password_env]
    ops = [session(a.base, a.user, password) for _ in range(a.clients)]
    sets = [("no book", without, b'id="book-empty"'), ("with book", with_book, b'id="book-aum"')]
    if a.before:
        sets = [("before the book", without, b'id="glance"')]
    for name, ids, expect in (sets[::-1] if a.with_first else sets):
        r = run(a, ops, ids, expect)
        r.update({"set": name, "customers": len(ids), "clients": a.clients})
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
