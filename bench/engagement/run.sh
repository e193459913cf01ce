#!/usr/bin/env bash
# Relationship-maintenance benchmark (issue 5; figures and reading in docs/benchmarks.md,
# "Relationship maintenance (issue 5)").
#
#   bench/engagement/run.sh                       # N = 1,000,000 customers, M = 20,000 messages, PostgreSQL and SQLite
#   N=20000 M=2000 bench/engagement/run.sh        # a quick pass
#   BACKENDS=sqlite bench/engagement/run.sh       # one backend
#   BANYAN=/path/to/banyan bench/engagement/run.sh   # a binary built elsewhere (no cargo build)
#
# Per backend, on a fresh database (throwaway PostgreSQL 15 cluster under /tmp as bench/policy/run.sh; SQLite in
# a scratch data directory):
#   1. `banyan migrate`; one staff row (`banyan user add ... rm1`); N verified customers made by bench/policy's
#      generator SQL (rm_id = rm1, no metrics), and a wealth_tier assignment for every individual (SQL; untimed).
#   2. `banyan tasks plan --all` twice: first (every task created), second (nothing to do).
#   3. The same tasks as one statement into a scratch table bench_tasks (same columns and indexes as tasks):
#      INSERT INTO bench_tasks SELECT ... FROM customers JOIN segment_assignments LEFT JOIN last contact
#      WHERE NOT EXISTS (open task), twice (first: all rows, second: 0 rows); a check that Banyan's open tasks and
#      the statement's rows agree on (customer, owner, plan, method, due date).
#   4. M queued app messages (purpose service) inserted by SQL; `banyan notify dispatch` (10,000 per invocation)
#      repeated until nothing is left, against a local receiver (Python ThreadingHTTPServer, 200 to every POST);
#      and a sequential keep-alive POST loop against the same receiver (its ceiling).
# Before each timed step: PostgreSQL VACUUM ANALYZE + CHECKPOINT, SQLite wal_checkpoint(TRUNCATE) (untimed).
# JSON lines to bench/out/engagement-results.jsonl; logs to bench/out/engagement-<run id>/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${N:-1000000}
M=${M:-20000}
BACKENDS=${BACKENDS:-"pg sqlite"}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
POLICY=${POLICY:-$ROOT/policy/default.toml}
if [[ -n "${BANYAN:-}" ]]; then SKIP_BUILD=1; fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BANYAN=${BANYAN:-$CARGO_TARGET_DIR/release/banyan}
T=(python3 "$HERE/tools.py")
PT=(python3 "$ROOT/bench/policy/tools.py")

OUT=$ROOT/bench/out
RESULTS=$OUT/engagement-results.jsonl
RUN_ID=engagement-$(date -u +%Y%m%dT%H%M%SZ)
LOGS=$OUT/$RUN_ID
mkdir -p "$LOGS"
WORK=$(mktemp -d /tmp/banyan-engagement.XXXXXX)
chmod 755 "$WORK"
MASTER_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
GW_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
jget() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
nowus() { python3 -c 'import time; print(int(time.time() * 1e6))'; }

PG_STARTED=""; RECV_PID=""
stop_pg() {
    if [[ -n "$PG_STARTED" ]]; then
        sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
        PG_STARTED=""
    fi
}
cleanup() {
    local rc=$?
    if [[ -n "$RECV_PID" ]]; then kill "$RECV_PID" 2>/dev/null || true; fi
    stop_pg
    if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "run $RUN_ID: N=$N M=$M backends=[$BACKENDS]"
if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building banyan (release)"
    (cd "$ROOT" && cargo build --release -q -p banyan)
fi
{ echo "banyan binary: $BANYAN (built $(date -u -r "$BANYAN" +%Y-%m-%dT%H:%M:%SZ))"
  echo "policy: $POLICY (sha256 $(sha256sum "$POLICY" | cut -c1-16))"
  git -C "$ROOT" log -1 --format='work tree HEAD at run start: %H %s (%cI)' 2>/dev/null || true
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(uname -sr)"
} >"$LOGS/version.txt"
cat "$LOGS/version.txt" >&2

# ---------------------------------------------------------------- throwaway PostgreSQL 15 (as bench/policy/run.sh)
PG_PORT=""
psql_pg() { PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
start_pg() {
    PG_PORT=$("${PT[@]}" free-port)
    mkdir -p "$WORK/pg/run"
    chown -R postgres: "$WORK/pg"
    log "initdb + PostgreSQL 15 on 127.0.0.1:$PG_PORT ($WORK/pg)"
    sudo -u postgres "$PGBIN/initdb" -D "$WORK/pg/data" -E UTF8 --locale=C.UTF-8 -U postgres \
        --auth-local=trust --auth-host=trust >"$LOGS/initdb.log" 2>&1
    cat >>"$WORK/pg/data/postgresql.conf" <<EOC
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/pg/run'
max_connections = 100
shared_buffers = 1GB
effective_cache_size = 8GB
work_mem = 16MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
checkpoint_timeout = 15min
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.max = 1000
EOC
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 start >/dev/null
    PG_STARTED=1
    psql_pg -d postgres -c "CREATE ROLE bench LOGIN PASSWORD 'bench'"
    psql_pg -d postgres -At -c "SELECT version()" >>"$LOGS/version.txt"
}
pgss_dump() { # file: time per kind of statement, then reset
    psql_pg -d "$PGDB" -c "WITH s AS (SELECT calls, total_exec_time, rows, regexp_replace(regexp_replace(
                regexp_replace(query, '\s+', ' ', 'g'), '(VALUES|IN) \(\\$.*$', '\1 (...)'), '\"', '', 'g') AS q
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
        SELECT sum(calls) AS calls, round(sum(total_exec_time)::numeric) AS total_ms,
            round((sum(total_exec_time) / sum(calls))::numeric, 3) AS mean_ms, sum(rows) AS rows, left(q, 140) AS query
        FROM s GROUP BY q ORDER BY sum(total_exec_time) DESC LIMIT 15" >"$1" 2>&1 || true
    psql_pg -d "$PGDB" -At -c "SELECT 'all statements: ' || sum(calls) || ' calls, ' || round(sum(total_exec_time)::numeric)
        || ' ms in the database' FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" >>"$1" 2>&1 || true
    psql_pg -d "$PGDB" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- helpers per backend
banyan() {
    env BANYAN_MASTER_KEY="$MASTER_KEY" BANYAN_LOG_FORMAT=text BANYAN_LOG_LEVEL=warn BANYAN_POLICY_FILE="$POLICY" \
        BANYAN_DATA_DIR="$DIR" ${DB_URL:+BANYAN_DATABASE_URL="$DB_URL"} BANYAN_NIGHTLY_EVALUATION= \
        BANYAN_GATEWAY_URL="http://127.0.0.1:$RECV_PORT/gateway" BANYAN_GATEWAY_SECRET="$GW_SECRET" "$BANYAN" "$@"
}
sql() { # action [args]: run one of tools.py's SQL actions; prints {"seconds", "rows"}
    local action=$1; shift
    if [[ "$BACKEND" == pg ]]; then
        local t0 t1 out
        "${T[@]}" sql pg "$action" --n "$N" --m "$M" --rm "$RM" --policy "$POLICY" --now-us "$(nowus)" "$@" >"$WORK/$action.sql"
        t0=$(date +%s.%N)
        out=$(psql_pg -d "$PGDB" -f "$WORK/$action.sql" 2>&1) || { echo "$out" >&2; exit 1; }
        t1=$(date +%s.%N)
        printf '{"seconds": %s, "rows": null}\n' "$(secs "$t0" "$t1")"
    else
        "${T[@]}" sqlite "$DIR/banyan.db" "$action" --n "$N" --m "$M" --rm "$RM" --policy "$POLICY" --now-us "$(nowus)" "$@"
    fi
}
query() { # SQL text -> tab-separated rows
    if [[ "$BACKEND" == pg ]]; then psql_pg -d "$PGDB" -At -F $'\t' -c "$1"
    else python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=60)
for r in c.execute(sys.argv[2]): print(*r, sep="\t")' "$DIR/banyan.db" "$1"; fi
}
settle() {
    if [[ "$BACKEND" == pg ]]; then
        psql_pg -d "$PGDB" -c "VACUUM ANALYZE" -c "CHECKPOINT"
        psql_pg -d "$PGDB" -c "SELECT pg_stat_statements_reset()" >/dev/null
    else
        python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=60); c.execute("ANALYZE"); c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()' "$DIR/banyan.db"
    fi
    sync
}
pgcpu() { if [[ "$BACKEND" == pg ]]; then "${PT[@]}" pgcpu "$WORK/pg/data"; else echo 0; fi; }
busy() { "${PT[@]}" busy; }
cpu_of_times() { python3 -c 'import re, sys
t = 0.0
for tok in open(sys.argv[1]).read().split("\n")[1].split():
    m = re.fullmatch(r"(\d+)m([\d.]+)s", tok)
    if m: t += int(m.group(1)) * 60 + float(m.group(2))
print(round(t, 2))' "$1"; }
emit() { "${PT[@]}" json "label=$RUN_ID/$BACKEND" "backend=$BACKEND" "n=$N" "$@" --results "$RESULTS" | tee -a "$LOGS/results.jsonl"; }

timed_banyan() { # name cmd...: runs banyan, sets W (wall s), C (banyan CPU s), P (PostgreSQL CPU s), O (other load, cores)
    local name=$1; shift
    local t0 t1 p0 p1 b0 b1
    p0=$(pgcpu); b0=$(busy); t0=$(date +%s.%N)
    ( banyan "$@"; times >"$WORK/times" ) >"$LOGS/$name-$BACKEND.txt" 2>&1 || { cat "$LOGS/$name-$BACKEND.txt" >&2; exit 1; }
    t1=$(date +%s.%N); b1=$(busy); p1=$(pgcpu)
    W=$(secs "$t0" "$t1"); C=$(cpu_of_times "$WORK/times"); P=$(awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.2f", b - a }')
    O=$(awk -v a="$b0" -v b="$b1" -v c="$C" -v p="$P" -v w="$W" 'BEGIN { o = (b - a - c - p) / w; printf "%.2f", (o < 0 ? 0 : o) }')
}

plan() { # case
    local c=$1
    settle
    log "$BACKEND: banyan tasks plan --all ($c)"
    timed_banyan "plan-$c" tasks plan --all
    local line created customers
    line=$(grep -E '^[0-9]+ customers: ' "$LOGS/plan-$c-$BACKEND.txt")
    customers=$(sed -nE 's/^([0-9]+) customers: .*/\1/p' <<<"$line")
    created=$(sed -nE 's/.*: ([0-9]+) tasks created.*/\1/p' <<<"$line")
    log "$BACKEND: $line in $W s"
    emit "case=$c" what=plan "wall_s=$W" "customers=$customers" "created=$created" \
        "customers_per_s=$(awk -v n="$customers" -v s="$W" 'BEGIN { printf "%.0f", n / s }')" \
        "banyan_cpu_s=$C" "pg_cpu_s=$P" "other_cores=$O"
    if [[ "$BACKEND" == pg ]]; then pgss_dump "$LOGS/pgss-plan-$c.txt"; fi
}
baseline() { # case
    local c=$1 j p0 p1 b0 b1 t0 t1 own
    settle
    log "$BACKEND: single INSERT ... SELECT ($c)"
    p0=$(pgcpu); b0=$(busy); t0=$(date +%s.%N)
    j=$(sql baseline)
    t1=$(date +%s.%N); b1=$(busy); p1=$(pgcpu)
    if [[ "$BACKEND" == pg ]]; then own=$(awk -v a="$p0" -v b="$p1" 'BEGIN { print b - a }'); else own=$(jget "$j" cpu_s); fi
    local rows
    rows=$(query "SELECT count(*) FROM bench_tasks")
    emit "case=$c" what=insert-select "seconds=$(jget "$j" seconds)" "rows_total=$rows" "statement_cpu_s=$own" \
        "other_cores=$(awk -v a="$b0" -v b="$b1" -v o="$own" -v w="$(secs "$t0" "$t1")" 'BEGIN { x = (b - a - o) / w; printf "%.2f", (x < 0 ? 0 : x) }')"
}
dispatch() {
    local before after t0 t1 p0 p1 b0 b1 cpu=0 inv=0 j
    log "$BACKEND: $M queued app messages (SQL, untimed)"
    j=$(sql messages)
    emit case=dispatch what=enqueue "seconds=$(jget "$j" seconds)" "m=$M"
    settle
    before=$(curl -s "http://127.0.0.1:$RECV_PORT/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["n"])')
    log "$BACKEND: banyan notify dispatch until nothing is queued"
    p0=$(pgcpu); b0=$(busy); t0=$(date +%s.%N)
    while :; do
        inv=$((inv + 1))
        timed_banyan "dispatch-$inv" notify dispatch
        cpu=$(awk -v a="$cpu" -v b="$C" 'BEGIN { print a + b }')
        if grep -qE '^0 sent' "$LOGS/dispatch-$inv-$BACKEND.txt" || [[ $inv -ge 100 ]]; then break; fi
    done
    t1=$(date +%s.%N); b1=$(busy); p1=$(pgcpu)
    after=$(curl -s "http://127.0.0.1:$RECV_PORT/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["n"])')
    local w sent status
    w=$(secs "$t0" "$t1")
    sent=$(query "SELECT count(*) FROM messages WHERE status = 'sent'")
    status=$(query "SELECT status, count(*) FROM messages GROUP BY status" | tr '\t\n' '= ')
    log "$BACKEND: dispatch: $sent sent, receiver got $((after - before)), $inv invocations, $w s ($status)"
    local pc
    pc=$(awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.2f", b - a }')
    emit case=dispatch what=dispatch "m=$M" "wall_s=$w" "sent=$sent" "received=$((after - before))" "invocations=$inv" \
        "messages_per_s=$(awk -v n="$sent" -v s="$w" 'BEGIN { printf "%.0f", n / s }')" \
        "ms_per_message=$(awk -v n="$sent" -v s="$w" 'BEGIN { printf "%.3f", 1000 * s / n }')" \
        "banyan_cpu_s=$cpu" "pg_cpu_s=$pc" \
        "other_cores=$(awk -v a="$b0" -v b="$b1" -v c="$cpu" -v p="$pc" -v w="$w" 'BEGIN { o = (b - a - c - p) / w; printf "%.2f", (o < 0 ? 0 : o) }')" \
        "statuses=$status"
    if [[ "$BACKEND" == pg ]]; then pgss_dump "$LOGS/pgss-dispatch.txt"; fi
}

run_backend() {
    BACKEND=$1
    DIR="$WORK/$BACKEND"
    mkdir -p "$DIR"
    DB_URL=""
    if [[ "$BACKEND" == pg ]]; then
        PGDB=engagement_bench
        psql_pg -d postgres -c "DROP DATABASE IF EXISTS $PGDB" -c "CREATE DATABASE $PGDB OWNER bench"
        psql_pg -d "$PGDB" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
        DB_URL="postgres://bench:bench@127.0.0.1:$PG_PORT/$PGDB"
    fi
    log "$BACKEND: banyan migrate; user add rm1"
    banyan migrate >"$LOGS/migrate-$BACKEND.txt" 2>&1
    python3 -c 'import secrets; print(secrets.token_urlsafe(18))' | banyan user add --username rm1 \
        --role relationship_manager --branch BR0001 --password-stdin >"$LOGS/user-$BACKEND.txt" 2>&1
    if [[ "$BACKEND" == pg ]]; then RM=$(query "SELECT replace(id::text, '-', '') FROM staff WHERE username = 'rm1'")
    else RM=$(query "SELECT lower(hex(id)) FROM staff WHERE username = 'rm1'"); fi
    log "$BACKEND: generating $N customers (rm_id = rm1 $RM) and wealth tiers (SQL in the database)"
    local t0 j
    t0=$(date +%s.%N)
    sql generate >/dev/null
    j=$(sql assign)
    emit case=setup what=generate "seconds=$(secs "$t0" "$(date +%s.%N)")"
    query "SELECT value, count(*) FROM segment_assignments GROUP BY value ORDER BY 2 DESC" | tr '\t\n' '= ' >"$LOGS/tiers-$BACKEND.txt"
    sql baseline-schema >/dev/null

    plan first
    plan second
    baseline first
    baseline second
    if [[ "$BACKEND" == pg ]]; then "${T[@]}" sql pg check | psql_pg -d "$PGDB" -At -F $'\t' >"$LOGS/check-$BACKEND.txt"
    else "${T[@]}" sqlite "$DIR/banyan.db" check >"$LOGS/check-$BACKEND.txt"; fi
    log "$BACKEND check: $(tr '\t\n' '= ' <"$LOGS/check-$BACKEND.txt")"
    emit case=check what=check "result=$(tr '\t\n' '= ' <"$LOGS/check-$BACKEND.txt")"

    dispatch

    if [[ "$BACKEND" == pg ]]; then
        psql_pg -d "$PGDB" -c "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class
            WHERE relname IN ('customers', 'segment_assignments', 'tasks', 'bench_tasks', 'messages') ORDER BY 1" >"$LOGS/size-pg.txt" 2>&1 || true
        if [[ -z "${KEEP_WORK:-}" ]]; then psql_pg -d postgres -c "DROP DATABASE $PGDB"; fi
    else
        du -sh "$DIR" >"$LOGS/size-sqlite.txt"
        if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$DIR"; fi
    fi
}

# ---------------------------------------------------------------- the receiver
RECV_PORT=$("${PT[@]}" free-port)
"${T[@]}" receiver "$RECV_PORT" &
RECV_PID=$!
sleep 0.5
log "receiver on 127.0.0.1:$RECV_PORT (pid $RECV_PID); its ceiling, sequential keep-alive POSTs:"
BACKEND=none
j=$("${T[@]}" post-baseline "http://127.0.0.1:$RECV_PORT/gateway" 3000)
emit case=dispatch what=receiver-ceiling "posts_per_s=$(jget "$j" posts_per_s)" "seconds=$(jget "$j" seconds)" posts=3000

for b in $BACKENDS; do
    case "$b" in
        pg) [[ -n "$PG_STARTED" ]] || start_pg; run_backend pg ;;
        sqlite) run_backend sqlite ;;
        *) echo "unknown backend $b" >&2; exit 2 ;;
    esac
done
stop_pg
python3 "$HERE/tools.py" summary --results "$RESULTS" --run "$RUN_ID" 2>/dev/null | tee "$LOGS/summary.md" || true
log "results: $RESULTS (label prefix $RUN_ID/), logs: $LOGS"
