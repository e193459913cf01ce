#!/usr/bin/env python3
"""Helpers for bench/run.sh (standard library only).

  tools.py pgbench --phase read --stdout pgbench.txt --logs 'DIR/w2*' --label L --n N --results R
      one JSON line from a pgbench run: tps from its report, p50/p99 from its per-transaction logs
  tools.py json KEY=VALUE ... [--results R]
      one JSON line from KEY=VALUE pairs (numbers stay numbers)
  tools.py summary --results R --run RUN_ID
      the summary table of one run (Markdown), with ratios against raw PostgreSQL
  tools.py free-port
  tools.py cpu --server-pid P --pg-data D [--since SNAPSHOT --label L --phase PH --results R]
      CPU snapshot, or the cores used since a snapshot by the server, PostgreSQL and the rest
  tools.py get URL          print the body of a 2xx answer, else fail
"""
import argparse, glob, json, os, platform, re, socket, statistics, sys, time


def pct(sorted_vals, p):  # the same rule as driver.py
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def emit(obj, results):
    line = json.dumps(obj, ensure_ascii=False)
    print(line)
    if results:
        with open(results, "a") as f:
            f.write(line + "\n")


def base(label, phase, n):
    return {"adapter": "rawpg", "tool": "pgbench", "phase": phase, "n": n, "clients": 8,
            "host": platform.node(), "cpus": os.cpu_count(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "label": label}


def cmd_pgbench(a):
    text = open(a.stdout, encoding="utf-8", errors="replace").read()
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    lat = []
    for path in glob.glob(a.logs):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    lat.append(int(parts[2]) / 1e6)  # per-transaction latency in microseconds
    lat.sort()
    out = base(a.label, a.phase, a.n)
    out.update({"requests": len(lat), "errors": int(failed.group(1)) if failed else 0,
                "seconds": a.duration, "rps": round(float(m.group(1)), 1) if m else None,
                "p50_ms": round(pct(lat, 50) * 1e3, 2), "p99_ms": round(pct(lat, 99) * 1e3, 2),
                "mean_ms": round(statistics.fmean(lat) * 1e3, 2) if lat else None})
    emit(out, a.results)


def cmd_json(a):
    out = {}
    for kv in a.pairs:
        k, _, v = kv.partition("=")
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    if "host" not in out:
        out.update({"host": platform.node(), "cpus": os.cpu_count(),
                    "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    emit(out, a.results)


def fmt(x, nd=0):
    if x is None:
        return "–"
    if isinstance(x, float) and x != x:
        return "–"
    return f"{x:,.{nd}f}"


def cmd_summary(a):
    rows = []
    with open(a.results, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                if r.get("label", "").startswith(a.run + "/"):
                    rows.append(r)
    systems = []  # (key, title) in first-seen order
    by = {}
    for r in rows:
        key = r["label"].split("/", 1)[1]
        if key not in by:
            systems.append(key)
            by[key] = {}
        by[key][r["phase"]] = r
    ref = next((by[k] for k in systems if k.startswith("rawpg")), {})
    sqlite_ref = next((by[k] for k in systems if k.startswith("rawsqlite")), {})

    def cell(k, ph):
        r = by[k].get(ph)
        if not r:
            return "–"
        if ph == "load":
            s = fmt(r.get("customers_per_s"))
            if r.get("capped_at_s"):
                s += f" (cap {r['capped_at_s']:g} s, {r['loaded']:,} loaded)"
            elif r.get("batch_p99_ms") is not None and r.get("tool") != "pgbench":
                s += f" (batch p99 {fmt(r.get('batch_p99_ms'), 0)} ms)"
            if r.get("errors"):
                s += f" [{r['errors']} err]"
            return s
        s = f"{fmt(r.get('rps'))} ({fmt(r.get('p50_ms'), 2)} / {fmt(r.get('p99_ms'), 2)})"
        if ph == "search" and r.get("mean_hits") is not None:
            s += f" {r['mean_hits']:.1f} hits"
        if r.get("errors"):
            s += f" [{r['errors']} err]"
        return s

    def ratio(k, ph, base=None):
        r, b = by[k].get(ph), (ref if base is None else base).get(ph)
        if not r or not b:
            return "–"
        f = "customers_per_s" if ph == "load" else "rps"
        if not r.get(f) or not b.get(f):
            return "–"
        return f"{r[f] / b[f]:.2f}"

    n = next((r.get("n") for r in rows), None)
    print(f"\nRun {a.run} (N = {n}); cells: rate (p50 / p99 ms); W1 = customers/s\n")
    print("| system | W1 load | W2 read | W3 search | W4 update |")
    print("|---|---|---|---|---|")
    for k in systems:
        print(f"| {k} | " + " | ".join(cell(k, ph) for ph in ("load", "read", "search", "update")) + " |")
    mixes = [(k, ph) for k in systems for ph in by[k] if ph.startswith("mix")]
    if mixes:
        print("\nMixed load (60 % read, 30 % search, 10 % update; mix@R paced at R requests/s, times from when "
              "each request was due): rate (p50 / p99 ms), then read / search / update p99 ms\n")
        print("| system | phase | all | read p99 | search p99 | update p99 |")
        print("|---|---|---|---|---|---|")
        for k, ph in mixes:
            r = by[k][ph]
            kinds = " | ".join(fmt(r.get(x, {}).get("p99_ms"), 2) for x in ("read", "search", "update"))
            print(f"| {k} | {ph} | {cell(k, ph)} | {kinds} |")
    if ref:
        print("\nRatio of the rate to raw PostgreSQL (pgbench) in the same run:\n")
        print("| system | W1 | W2 | W3 | W4 |")
        print("|---|---|---|---|---|")
        for k in systems:
            if k.startswith("rawpg"):
                continue
            print(f"| {k} | " + " | ".join(ratio(k, ph) for ph in ("load", "read", "search", "update")) + " |")
    if sqlite_ref:
        print("\nRatio of Banyan on SQLite to SQLite's own ceiling (bench/sqlite: the raw statements) in the same run:\n")
        print("| system | W1 | W2 | W3 | W4 |")
        print("|---|---|---|---|---|")
        for k in systems:
            if k.startswith("banyan-sqlite"):
                print(f"| {k} | " + " | ".join(ratio(k, ph, sqlite_ref) for ph in ("load", "read", "search", "update")) + " |")
    mem = [(k, by[k]["memory"]) for k in systems if "memory" in by[k]]
    if mem:
        print("\nServer memory after W1-W4 (MB): resident now, of it the process's own (heap, stacks) and mapped "
              "files' pages, and the peak resident (VmHWM)\n")
        print("| system | customers | resident | own (RssAnon) | mapped files (RssFile) | peak |")
        print("|---|---|---|---|---|---|")
        for k, r in mem:
            print(f"| {k} | {fmt(r.get('n'))} | {fmt(r.get('rss_mb'), 1)} | {fmt(r.get('anon_mb'), 1)} | "
                  f"{fmt(r.get('file_mb'), 1)} | {fmt(r.get('peak_rss_mb'), 1)} |")
    cpu_table(a.cpu, a.run)
    seal = os.path.join(os.path.dirname(a.cpu), "seal.jsonl") if a.cpu else ""
    if seal and os.path.exists(seal):
        print("\nAudit sealer after W1 (SEAL_WAIT=1; untimed wait before W2):\n")
        print("| system | unsealed records when W1 ended | seconds until all were sealed |")
        print("|---|---|---|")
        for line in open(seal, encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                lag = r["seal_lag_s"] if not r.get("still_unsealed") else f"> {r['seal_lag_s']} ({r['still_unsealed']} left)"
                print(f"| {r['label'].split('/', 1)[1]} | {r['unsealed_after_load']:,} | {lag} |")


def cmd_get(a):
    import urllib.request
    req = urllib.request.Request(a.url)
    if os.environ.get("METRICS_TOKEN"):
        req.add_header("Authorization", "Bearer " + os.environ["METRICS_TOKEN"])
    with urllib.request.urlopen(req, timeout=5) as r:
        sys.stdout.write(r.read().decode("utf-8", "replace"))


def _ticks(pid, reaped=False):
    """utime + stime of a process (fields 14, 15); with reaped, plus its waited-for children's (16, 17)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        t = int(parts[11]) + int(parts[12])
        return t + int(parts[13]) + int(parts[14]) if reaped else t
    except (OSError, IndexError, ValueError):
        return 0


def _children(ppid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                        out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _snapshot(server_pid, postmaster_pid):
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    busy = sum(cpu) - cpu[3] - (cpu[4] if len(cpu) > 4 else 0)  # minus idle and iowait
    pg = 0
    if postmaster_pid:
        # live backends, plus the postmaster with the backends it has reaped (closed connections)
        pg = _ticks(postmaster_pid, reaped=True) + sum(_ticks(p) for p in _children(postmaster_pid))
    return {"t": time.time(), "busy": busy, "server": _ticks(server_pid) if server_pid else 0, "pg": pg}


def cmd_cpu(a):
    """Prints a snapshot (JSON); with --since, the CPU cores used since that snapshot."""
    hz = os.sysconf("SC_CLK_TCK")
    pm = 0
    if a.pg_data:
        try:
            pm = int(open(os.path.join(a.pg_data, "postmaster.pid")).readline())
        except (OSError, ValueError):
            pm = 0
    now = _snapshot(a.server_pid, pm)
    if not a.since:
        print(json.dumps(now))
        return
    old = json.loads(a.since)
    dt = now["t"] - old["t"]
    out = {"label": a.label, "phase": a.phase, "wall_s": round(dt, 1),
           # cores = CPU seconds per wall second (the machine has os.cpu_count() of them)
           "cores_all": round((now["busy"] - old["busy"]) / hz / dt, 2),
           "cores_server": round((now["server"] - old["server"]) / hz / dt, 2),
           "cores_postgres": round((now["pg"] - old["pg"]) / hz / dt, 2)}
    client = 0.0
    if a.client_times and os.path.exists(a.client_times):
        # bash `times`: line 2 is the children's "user system", e.g. "0m1.250s 0m0.310s"
        lines = open(a.client_times).read().split("\n")
        if len(lines) > 1:
            for tok in lines[1].split():
                m = re.fullmatch(r"(\d+)m([\d.]+)s", tok)
                if m:
                    client += int(m.group(1)) * 60 + float(m.group(2))
    out["cores_client"] = round(client / dt, 2)
    out["cores_other"] = round(out["cores_all"] - out["cores_server"] - out["cores_postgres"]
                               - out["cores_client"], 2)
    emit(out, a.results)


def cpu_table(path, run):
    if not path or not os.path.exists(path):
        return
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    rows = [r for r in rows if r.get("label", "").startswith(run + "/")]
    if not rows:
        return
    print("\nCPU cores used during each phase (of %d): server / PostgreSQL / client / other "
          "(other = load on the machine that is not part of the benchmark: noise)\n" % os.cpu_count())
    print("| system | W1 load | W2 read | W3 search | W4 update |")
    print("|---|---|---|---|---|")
    by = {}
    for r in rows:
        by.setdefault(r["label"].split("/", 1)[1], {})[r["phase"]] = r
    for k, phs in by.items():
        cells = []
        for ph in ("load", "read", "search", "update"):
            r = phs.get(ph)
            cells.append("–" if not r else
                         f"{r['cores_server']:.2f} / {r['cores_postgres']:.2f} / "
                         f"{r.get('cores_client', 0):.2f} / {r['cores_other']:.2f}")
        print(f"| {k} | " + " | ".join(cells) + " |")


def cmd_free_port(_a):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pgbench")
    p.add_argument("--phase", required=True)
    p.add_argument("--stdout", required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--results")
    p.set_defaults(f=cmd_pgbench)
    p = sub.add_parser("json")
    p.add_argument("pairs", nargs="+")
    p.add_argument("--results")
    p.set_defaults(f=cmd_json)
    p = sub.add_parser("summary")
    p.add_argument("--results", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--cpu", default="", help="cpu.jsonl of the run")
    p.set_defaults(f=cmd_summary)
    p = sub.add_parser("cpu")
    p.add_argument("--server-pid", type=int, default=0)
    p.add_argument("--pg-data", default="")
    p.add_argument("--since", default="")
    p.add_argument("--client-times", default="", help="output of bash `times` after the client ran")
    p.add_argument("--label", default="")
    p.add_argument("--phase", default="")
    p.add_argument("--results")
    p.set_defaults(f=cmd_cpu)
    p = sub.add_parser("get")
    p.add_argument("url")
    p.set_defaults(f=cmd_get)
    p = sub.add_parser("free-port")
    p.set_defaults(f=cmd_free_port)
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    sys.exit(main())
