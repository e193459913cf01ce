"""Shared pieces of the self-contained Python benchmarks (bench/acquisition/run.py, bench/care/run.py; standard
library only): a free port, percentiles, closed-loop clients against Banyan, and pgbench for the raw side.
"""
import os, socket, subprocess, tempfile, threading, time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def pct(lat, p):
    if not lat:
        return None
    s = sorted(lat)
    return round(s[min(len(s) - 1, int(len(s) * p))], 2)


def summary(lat, errors, duration):
    return {"reads": len(lat), "errors": errors, "rate": round(len(lat) / duration, 1),
            "p50_ms": pct(lat, 0.5), "p90_ms": pct(lat, 0.9), "p99_ms": pct(lat, 0.99),
            "max_ms": round(max(lat), 2) if lat else None}


def closed_loop(fetch, clients, warmup, duration, expect, status=200):
    """`clients` threads call `fetch(k)` (a response to read) in a loop for `duration` s after `warmup` s; a read
    counts when it answers `status` (200; a write 201) holding `expect`, any other answer or failure is an error."""
    start = time.monotonic()
    begin, end = start + warmup, start + warmup + duration
    lat, errors, lock = [], [0], threading.Lock()

    def client(k):
        mine, bad = [], 0
        while True:
            t0 = time.monotonic()
            if t0 >= end:
                break
            try:
                with fetch(k) as r:
                    ok = r.status == status and expect in r.read()
            except Exception:  # a failed read counts as an error; the loop goes on
                ok = False
            t1 = time.monotonic()
            if t0 >= begin:
                if ok:
                    mine.append((t1 - t0) * 1000)
                else:
                    bad += 1
        with lock:
            lat.extend(mine)
            errors[0] += bad

    ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return summary(lat, errors[0], duration)


def pgbench(pgbin, work, port, db, script, clients, duration, name):
    """`script` under pgbench (user `bench`) with `clients` clients for `duration` s; latencies from its
    per-transaction log."""
    d = tempfile.mkdtemp(dir=work)
    f = os.path.join(d, "script.sql")
    open(f, "w").write(script)
    subprocess.run(["chmod", "-R", "a+rwx", d], check=True)
    r = subprocess.run([f"{pgbin}/pgbench", "-n", "-h", "127.0.0.1", "-p", str(port), "-U", "bench", "-c",
                        str(clients), "-j", "2", "-T", str(int(duration)), "-f", f, "--log", "--log-prefix",
                        os.path.join(d, "tx"), db], cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"pgbench {name}: {r.stderr}")
    lat = []
    for fn in os.listdir(d):
        if fn.startswith("tx"):
            for line in open(os.path.join(d, fn)):
                parts = line.split()
                if len(parts) >= 3:
                    lat.append(int(parts[2]) / 1000)
    return summary(lat, 0, duration)
