"""A throwaway Banyan backend for the self-contained Python benchmarks (bench/care/run.py, bench/wealth/run.py;
standard library only): a fresh PostgreSQL cluster (through `sudo -u postgres`) or an embedded SQLite data
directory, the environment `banyan` runs in, SQL on it, and signing in as a demo staff member (a workbench
session or an API token).
"""
import html, http.cookiejar, json, os, re, shutil, subprocess, tempfile, time, urllib.parse, urllib.request

from closedloop import free_port

PASSWORD = "banyan-demo-2026"  # the demo's staff password


class Backend:
    def __init__(self, kind, work, db, pgbin, master):
        self.kind, self.work, self.pg, self.url = kind, work, None, None
        self.db, self.pgbin, self.master = db, pgbin, master
        self.dir = os.path.join(work, kind)
        os.makedirs(self.dir)
        if kind == "pg":
            self.port = free_port()
            data, run = os.path.join(work, "pgdata"), os.path.join(work, "pgrun")
            os.makedirs(run)
            subprocess.run(["chown", "-R", "postgres:", work], check=True)
            subprocess.run(["sudo", "-u", "postgres", f"{self.pgbin}/initdb", "-D", data, "-E", "UTF8",
                            "--locale=C.UTF-8", "-U", "postgres", "--auth-local=trust", "--auth-host=trust"],
                           check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(data, "postgresql.conf"), "a") as f:
                f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{run}'\n"
                        "max_connections = 100\nshared_buffers = 512MB\nwork_mem = 16MB\n")
            subprocess.run(["sudo", "-u", "postgres", f"{self.pgbin}/pg_ctl", "-D", data, "-l",
                            os.path.join(work, "postgres.log"), "-w", "-t", "60", "start"], check=True,
                           stdout=subprocess.DEVNULL)
            self.pg = data
            self.psql("postgres", "CREATE ROLE bench LOGIN PASSWORD 'bench' SUPERUSER")
            self.psql("postgres", f"CREATE DATABASE {db} OWNER bench")
            self.url = f"postgres://bench:bench@127.0.0.1:{self.port}/{db}"

    def stop(self):
        if self.pg:
            subprocess.run(["sudo", "-u", "postgres", f"{self.pgbin}/pg_ctl", "-D", self.pg, "-m", "fast", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.pg = None

    def psql(self, db, sql):
        r = subprocess.run([f"{self.pgbin}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", "postgres", "-d", db, "-c", sql], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"psql: {r.stderr.strip()}")
        return r.stdout.strip()

    def sql(self, sql):
        if self.kind == "pg":
            return self.psql(self.db, sql)
        import sqlite3
        c = sqlite3.connect(os.path.join(self.dir, "banyan.db"), timeout=60)
        rows = c.execute(sql).fetchall()
        c.close()
        return "\n".join("|".join(str(x) for x in r) for r in rows)

    def env(self):
        e = dict(os.environ, BANYAN_MASTER_KEY=self.master, BANYAN_LOG_FORMAT="text", BANYAN_LOG_LEVEL="warn",
                 BANYAN_DATA_DIR=self.dir)
        if self.url:
            e["BANYAN_DATABASE_URL"] = self.url
        return e


def uuid_sql(b, expr):
    return expr if b.kind == "pg" else f"lower(hex({expr}))"


def dashed(u):
    u = u.replace("-", "")
    return f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"


def session(base, user):
    """A signed-in workbench session (cookie jar), as a browser would have it."""
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = op.open(f"{base}/login", timeout=30).read().decode()
    csrf = html.unescape(re.search(r'name="_csrf" value="([^"]*)"', page).group(1))
    body = urllib.parse.urlencode({"_csrf": csrf, "username": user, "password": PASSWORD}).encode()
    op.open(urllib.request.Request(f"{base}/login", data=body, method="POST"), timeout=30).read()
    return op


def token(base, user):
    req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST",
                                 data=json.dumps({"username": user, "password": PASSWORD}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["token"]


def serve(banyan, b, log_path):
    """`banyan serve` on the backend: its process and its base address, once it answers /readyz."""
    port = free_port()
    proc = subprocess.Popen([banyan, "serve", "--listen", f"127.0.0.1:{port}"], env=b.env(),
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{base}/readyz", timeout=2).read()
            break
        except Exception:  # not up yet
            time.sleep(0.5)
    return proc, base


def each_backend(root, banyan, backends, prefix, logs, run):
    """`run(kind, work)` on each backend in a fresh work directory, the release binary built first if missing."""
    if not os.path.exists(banyan):
        subprocess.run(["cargo", "build", "--release", "-p", "banyan"], cwd=root, check=True)
    os.makedirs(logs, exist_ok=True)
    for kind in backends:
        work = tempfile.mkdtemp(prefix=f"{prefix}-{kind}-")
        try:
            run(kind, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
