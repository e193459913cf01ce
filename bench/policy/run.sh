#!/usr/bin/env bash
# Policy-evaluation benchmark (issue 4; figures and reading in docs/benchmarks.md, "Policy evaluation").
#
#   bench/policy/run.sh                          # N = 1,000,000 on PostgreSQL and SQLite
#   N=20000 bench/policy/run.sh                  # a quick pass
#   N=100000 BACKENDS=sqlite bench/policy/run.sh
#   BANYAN=/path/to/banyan POLICY=/path/to/default.toml bench/policy/run.sh   # another build (no cargo build)
#   PROFILE=dwarf N=100000 bench/policy/run.sh   # perf profiles of banyan during the evaluate runs
#
# For each backend, on a fresh database: `banyan migrate`; N customers with one metrics row each, made by SQL
# inside the database (untimed, its time reported); then three cases, each timed twice:
#   first      `banyan policy evaluate --all` with nothing assigned yet (everything is new)
#   changed    after new figures for 1 customer in CHANGE_EVERY (5 %; SQL, untimed): only changes written
#   unchanged  nothing changed since the last run
# and after each evaluate run, in the same database, the same wealth-tier classification as one SQL statement
# `WITH x AS (metrics) UPDATE bench_wealth SET tier = CASE ... END FROM x` (tools.py wealth_case: thresholds
# and hysteresis from the policy file), twice: only the rows whose tier changes ("changed-only"), then every
# row ("all"). A check then compares the statement's tiers with Banyan's wealth_tier assignments (0 expected).
# Before each timed step: PostgreSQL VACUUM ANALYZE + CHECKPOINT, SQLite wal_checkpoint(TRUNCATE) (untimed).
#
# One JSON line per measurement goes to bench/out/policy-results.jsonl (label "<run id>/<backend>"); logs,
# banyan's output, pg_stat_statements dumps (pgss-*.txt) and the summary to bench/out/<run id>/.
#
# Settings (environment):
#   N=1000000  BACKENDS="pg sqlite"  CHANGE_EVERY=20
#   BANYAN=target/release/banyan (set: not built)   SKIP_BUILD=1   POLICY=policy/default.toml (the binary's)
#   PROFILE=1 | dwarf   perf record of banyan during evaluate (1 = flat, dwarf = call graphs; slows it down),
#                       on PostgreSQL also a flat profile of the whole machine (perf-sys-*.txt)
#   KEEP_WORK=1         keep the databases (under /tmp) for inspection
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${N:-1000000}
BACKENDS=${BACKENDS:-"pg sqlite"}
CHANGE_EVERY=${CHANGE_EVERY:-20}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
POLICY=${POLICY:-$ROOT/policy/default.toml}
if [[ -n "${BANYAN:-}" ]]; then SKIP_BUILD=1; fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BANYAN=${BANYAN:-$CARGO_TARGET_DIR/release/banyan}
TOOLS=(python3 "$HERE/tools.py")

OUT=$ROOT/bench/out
RESULTS=$OUT/policy-results.jsonl
RUN_ID=policy-$(date -u +%Y%m%dT%H%M%SZ)
LOGS=$OUT/$RUN_ID
mkdir -p "$LOGS"
WORK=$(mktemp -d /tmp/banyan-policy.XXXXXX)
chmod 755 "$WORK"
# Banyan's "today" is in its time zone (Asia/Shanghai by default); metrics are for the day before.
AS_OF=$(TZ=Asia/Shanghai date -d yesterday +%F)
MASTER_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

PG_STARTED=""
stop_pg() {
    if [[ -n "$PG_STARTED" ]]; then
        sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
        PG_STARTED=""
    fi
}
cleanup() {
    local rc=$?
    stop_pg
    if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "run $RUN_ID: N=$N backends=[$BACKENDS] change 1 in $CHANGE_EVERY, as_of $AS_OF"
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

# ---------------------------------------------------------------- a throwaway PostgreSQL 15 (as bench/run.sh)
PG_PORT=""
psql_pg() { PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
start_pg() {
    PG_PORT=$("${TOOLS[@]}" free-port)
    mkdir -p "$WORK/pg/run"
    chown -R postgres: "$WORK/pg"
    log "initdb + PostgreSQL 15 on 127.0.0.1:$PG_PORT ($WORK/pg)"
    sudo -u postgres "$PGBIN/initdb" -D "$WORK/pg/data" -E UTF8 --locale=C.UTF-8 -U postgres \
        --auth-local=trust --auth-host=trust >"$LOGS/initdb.log" 2>&1
    # The settings of bench/run.sh: durable defaults (fsync, synchronous_commit, full_page_writes on).
    cat >>"$WORK/pg/data/postgresql.conf" <<EOF
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
log_checkpoints = on
EOF
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 start >/dev/null
    PG_STARTED=1
    psql_pg -d postgres -c "CREATE ROLE bench LOGIN PASSWORD 'bench'"
    psql_pg -d postgres -At -c "SELECT version()" >>"$LOGS/version.txt"
}
pgss_dump() { # db file: time per kind of statement (multi-row VALUES and IN lists of any length together), then reset
    psql_pg -d "$1" -c "WITH s AS (SELECT calls, total_exec_time, rows, regexp_replace(regexp_replace(
                regexp_replace(query, '\s+', ' ', 'g'), '(VALUES|IN) \(\\$.*$', '\1 (...)'), '\"', '', 'g') AS q
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
        SELECT sum(calls) AS calls, round(sum(total_exec_time)::numeric) AS total_ms,
            round((sum(total_exec_time) / sum(calls))::numeric, 3) AS mean_ms, sum(rows) AS rows,
            round((1000 * sum(total_exec_time) / greatest(sum(rows), 1))::numeric, 1) AS us_per_row, left(q, 150) AS query
        FROM s GROUP BY q ORDER BY sum(total_exec_time) DESC LIMIT 15" >"$2" 2>&1 || true
    psql_pg -d "$1" -At -c "SELECT 'all statements: ' || sum(calls) || ' calls, ' || round(sum(total_exec_time)::numeric)
        || ' ms in the database' FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" >>"$2" 2>&1 || true
    psql_pg -d "$1" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- one backend
banyan() { # the binary with this run's key, database and policy
    env BANYAN_MASTER_KEY="$MASTER_KEY" BANYAN_LOG_FORMAT=text BANYAN_LOG_LEVEL=warn BANYAN_POLICY_FILE="$POLICY" \
        BANYAN_DATA_DIR="$DIR" ${DB_URL:+BANYAN_DATABASE_URL="$DB_URL"} "$BANYAN" "$@"
}
run_sql() { # action [extra tools.py options]: runs it in this backend's database; prints {"seconds", "rows"}
    local action=$1
    shift
    if [[ "$BACKEND" == pg ]]; then
        { echo '\timing on'; echo 'BEGIN;'; "${TOOLS[@]}" sql pg "$action" --n "$N" --as-of "$AS_OF" \
              --policy "$POLICY" --every "$CHANGE_EVERY" "$@"; echo 'COMMIT;'; } >"$WORK/$action.sql"
        PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
            -U postgres -d "$PGDB" -f "$WORK/$action.sql" >"$WORK/$action.out" 2>&1 || { cat "$WORK/$action.out" >&2; exit 1; }
        "${TOOLS[@]}" psql-time "$WORK/$action.out"
    else
        "${TOOLS[@]}" sqlite "$DIR/banyan.db" "$action" --n "$N" --as-of "$AS_OF" --policy "$POLICY" \
            --every "$CHANGE_EVERY" "$@"
    fi
}
settle() { # [light] untimed, before each timed step: a checkpoint, so no step pays for the one before; and
           # before evaluate runs VACUUM ANALYZE (what autovacuum would have done by the next nightly run)
    if [[ "$BACKEND" == pg ]]; then
        if [[ -z "${1:-}" ]]; then psql_pg -d "$PGDB" -c "VACUUM ANALYZE"; fi
        psql_pg -d "$PGDB" -c "CHECKPOINT"
        psql_pg -d "$PGDB" -c "SELECT pg_stat_statements_reset()" >/dev/null
    else
        python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=60); c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()' "$DIR/banyan.db"
    fi
    sync
}
jget() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
pgcpu() { if [[ "$BACKEND" == pg ]]; then "${TOOLS[@]}" pgcpu "$WORK/pg/data"; else echo 0; fi; }

evaluate() { # case
    local c=$1 t0 t1 cpu0 cpu1 busy0 busy1 out="$LOGS/evaluate-$BACKEND-$1.txt" prof=()
    settle
    if [[ -n "${PROFILE:-}" ]] && command -v perf >/dev/null; then
        prof=(perf record -q -F 499 -o "$WORK/perf-$BACKEND-$c.data" --)
        if [[ "$PROFILE" == dwarf ]]; then prof=(perf record -q -F 99 --call-graph dwarf,16384 -o "$WORK/perf-$BACKEND-$c.data" --); fi
    fi
    local sys_pid=""
    if [[ ${#prof[@]} -gt 0 && "$BACKEND" == pg ]]; then # and a flat profile of the whole machine (PostgreSQL's side)
        perf record -q -a -F 199 -o "$WORK/perf-sys-$c.data" >/dev/null 2>&1 &
        sys_pid=$!
    fi
    log "$BACKEND: banyan policy evaluate --all ($c)"
    cpu0=$(pgcpu)
    busy0=$("${TOOLS[@]}" busy)
    t0=$(date +%s.%N)
    # `times` in the subshell: the CPU banyan used (its user and system time).
    ( "${prof[@]}" env BANYAN_MASTER_KEY="$MASTER_KEY" BANYAN_LOG_FORMAT=text BANYAN_LOG_LEVEL=warn \
        BANYAN_POLICY_FILE="$POLICY" BANYAN_DATA_DIR="$DIR" ${DB_URL:+BANYAN_DATABASE_URL="$DB_URL"} \
        "$BANYAN" policy evaluate --all; times >"$WORK/times" ) >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
    t1=$(date +%s.%N)
    busy1=$("${TOOLS[@]}" busy)
    cpu1=$(pgcpu)
    if [[ -n "$sys_pid" ]]; then kill -INT "$sys_pid" 2>/dev/null || true; wait "$sys_pid" 2>/dev/null || true; fi
    local wall inner customers changed ucpu
    wall=$(secs "$t0" "$t1")
    inner=$(sed -nE 's/^in ([0-9.]+) s .*/\1/p' "$out")
    customers=$(sed -nE 's/^([0-9]+) customers; ([0-9]+) changed$/\1/p' "$out")
    changed=$(sed -nE 's/^([0-9]+) customers; ([0-9]+) changed$/\2/p' "$out")
    ucpu=$(python3 -c 'import re, sys
t = 0.0
for tok in open(sys.argv[1]).read().split("\n")[1].split():
    m = re.fullmatch(r"(\d+)m([\d.]+)s", tok)
    if m: t += int(m.group(1)) * 60 + float(m.group(2))
print(round(t, 2))' "$WORK/times")
    "${TOOLS[@]}" json "label=$RUN_ID/$BACKEND" "backend=$BACKEND" "n=$N" "case=$c" what=evaluate \
        "seconds=$inner" "wall_s=$wall" "customers=$customers" "customers_changed=$changed" \
        "customers_per_s=$(awk -v n="$customers" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')" \
        "banyan_cpu_s=$ucpu" "pg_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" \
        "other_cores=$(awk -v a="$busy0" -v b="$busy1" -v u="$ucpu" -v p0="$cpu0" -v p1="$cpu1" -v w="$wall" \
            'BEGIN { o = (b - a - u - (p1 - p0)) / w; printf "%.2f", (o < 0 ? 0 : o) }')" \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
    if [[ "$BACKEND" == pg ]]; then pgss_dump "$PGDB" "$LOGS/pgss-$BACKEND-$c.txt"; fi
    if [[ ${#prof[@]} -gt 0 ]]; then
        local opts=(--no-children --sort dso,symbol --percent-limit 0.5)
        if [[ "$PROFILE" == dwarf ]]; then opts=(--children --sort symbol -g none --percent-limit 1); fi
        perf report -i "$WORK/perf-$BACKEND-$c.data" "${opts[@]}" --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' \
            | cut -c1-200 | head -120 >"$LOGS/perf-$BACKEND-$c.txt" || true
        rm -f "$WORK/perf-$BACKEND-$c.data"
    fi
    if [[ -n "$sys_pid" ]]; then
        { perf report -i "$WORK/perf-sys-$c.data" --sort comm --percent-limit 1 --stdio 2>/dev/null
          echo "--- postgres processes only, by symbol (percent of their samples)"
          perf report -i "$WORK/perf-sys-$c.data" --comms postgres --sort dso,symbol --percent-limit 0.5 \
              --percentage relative --stdio 2>/dev/null; } \
            | grep -v '^#' | grep -v '^$' | cut -c1-160 | head -90 >"$LOGS/perf-sys-$BACKEND-$c.txt" || true
        rm -f "$WORK/perf-sys-$c.data"
    fi
}
single_statement() { # case
    local c=$1 v j
    for v in update-changed update-all; do
        settle light
        log "$BACKEND: one UPDATE ... CASE ($v, after $c)"
        local p0 p1 b0 b1 t0 t1 own
        p0=$(pgcpu); b0=$("${TOOLS[@]}" busy); t0=$(date +%s.%N)
        j=$(run_sql "$v")
        t1=$(date +%s.%N); b1=$("${TOOLS[@]}" busy); p1=$(pgcpu)
        # our CPU: PostgreSQL's (the statement) or the sqlite process's; the rest of the busy time is other load
        if [[ "$BACKEND" == pg ]]; then own=$(awk -v a="$p0" -v b="$p1" 'BEGIN { print b - a }'); else own=$(jget "$j" cpu_s); fi
        "${TOOLS[@]}" json "label=$RUN_ID/$BACKEND" "backend=$BACKEND" "n=$N" "case=$c" "what=$v" \
            "seconds=$(jget "$j" seconds)" "rows=$(jget "$j" rows)" "statement_cpu_s=$own" \
            "other_cores=$(awk -v a="$b0" -v b="$b1" -v o="$own" -v w="$(secs "$t0" "$t1")" \
                'BEGIN { x = (b - a - o) / w; printf "%.2f", (x < 0 ? 0 : x) }')" \
            "customers_per_s=$(awk -v n="$N" -v s="$(jget "$j" seconds)" 'BEGIN { printf "%.0f", n / s }')" \
            --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
    done
    if [[ "$BACKEND" == pg ]]; then
        "${TOOLS[@]}" sql pg check --policy "$POLICY" | psql_pg -d "$PGDB" -At -F $'\t' >"$LOGS/check-$BACKEND-$c.txt"
    else
        "${TOOLS[@]}" sqlite "$DIR/banyan.db" check --policy "$POLICY" >"$LOGS/check-$BACKEND-$c.txt"
    fi
    local mism
    mism=$(awk -F'\t' '$1 == "mismatches" { print $2 }' "$LOGS/check-$BACKEND-$c.txt")
    log "$BACKEND ($c): $(tr '\n' ' ' <"$LOGS/check-$BACKEND-$c.txt")"
    if [[ "$mism" != 0 ]]; then log "WARNING: $mism customers where the statement and Banyan disagree on the wealth tier"; fi
}

run_backend() {
    BACKEND=$1
    DIR="$WORK/$BACKEND"
    mkdir -p "$DIR"
    DB_URL=""
    if [[ "$BACKEND" == pg ]]; then
        PGDB=policy_bench
        psql_pg -d postgres -c "DROP DATABASE IF EXISTS $PGDB" -c "CREATE DATABASE $PGDB OWNER bench"
        psql_pg -d "$PGDB" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
        DB_URL="postgres://bench:bench@127.0.0.1:$PG_PORT/$PGDB"
    fi
    log "$BACKEND: banyan migrate"
    banyan migrate >"$LOGS/migrate-$BACKEND.txt" 2>&1
    log "$BACKEND: generating $N customers with metrics (SQL in the database)"
    local t0 j
    t0=$(date +%s.%N)
    j=$(run_sql generate)
    run_sql schema >/dev/null
    "${TOOLS[@]}" json "label=$RUN_ID/$BACKEND" "backend=$BACKEND" "n=$N" case=setup what=generate \
        "seconds=$(secs "$t0" "$(date +%s.%N)")" "statement_s=$(jget "$j" seconds)" --results "$RESULTS" \
        | tee -a "$LOGS/results.jsonl"
    if [[ "$BACKEND" == pg ]]; then
        psql_pg -d "$PGDB" -At -c "SELECT pg_size_pretty(pg_database_size(current_database()))" >"$LOGS/size-$BACKEND-generated.txt"
    else
        du -sh "$DIR" >"$LOGS/size-$BACKEND-generated.txt"
    fi

    evaluate first
    single_statement first

    log "$BACKEND: new figures for 1 customer in $CHANGE_EVERY (untimed)"
    j=$(run_sql change --salt 1)
    "${TOOLS[@]}" json "label=$RUN_ID/$BACKEND" "backend=$BACKEND" "n=$N" case=changed what=change-metrics \
        "seconds=$(jget "$j" seconds)" "rows=$(jget "$j" rows)" --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
    evaluate changed
    single_statement changed

    evaluate unchanged
    single_statement unchanged

    if [[ "$BACKEND" == pg ]]; then
        psql_pg -d "$PGDB" -c "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) AS size
            FROM pg_class WHERE relname IN ('customers', 'customer_metrics', 'segment_assignments', 'segment_history', 'outbox', 'bench_wealth')
            ORDER BY pg_total_relation_size(oid) DESC" >"$LOGS/size-$BACKEND-end.txt" 2>&1 || true
        if [[ -z "${KEEP_WORK:-}" ]]; then psql_pg -d postgres -c "DROP DATABASE $PGDB"; fi
    else
        du -sh "$DIR" >"$LOGS/size-$BACKEND-end.txt"
        if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$DIR"; fi
    fi
}

for b in $BACKENDS; do
    case "$b" in
        pg) [[ -n "$PG_STARTED" ]] || start_pg; run_backend pg ;;
        sqlite) run_backend sqlite ;;
        *) echo "unknown backend $b" >&2; exit 2 ;;
    esac
done
stop_pg

{
    cat "$LOGS/version.txt"
    echo
    "${TOOLS[@]}" summary --results "$RESULTS" --run "$RUN_ID"
} | tee "$LOGS/summary.md"
log "results: $RESULTS (label prefix $RUN_ID/), logs: $LOGS"
