#!/usr/bin/env bash
# CRM-W1 benchmark of Banyan (see docs/benchmarks.md and /work/shared/bench/WORKLOAD.md).
#
#   bench/run.sh                      # everything, N = 100,000
#   N=20000 bench/run.sh              # smaller data
#   SQLITE_N=20000 LOAD_CAP_S=120 bench/run.sh
#
# One run: (a) data from gen_customers.py (Faker pinned, in bench/.venv), (b) a throwaway PostgreSQL 15
# on 127.0.0.1, (c) raw PostgreSQL: timed COPY of the CSV, then pgbench W2/W3/W4, (d) Banyan on PostgreSQL,
# (e) Banyan on SQLite, each once with the shared Python driver and once with bench/loadgen, each on a fresh
# database. Every phase appends one JSON line to bench/out/results.jsonl (label "<run id>/<system>"); logs,
# pgbench reports, pg_stat_statements dumps and per-phase CPU use (cpu.jsonl: cores used by the server,
# PostgreSQL and everything else, i.e. the client and other load) go to bench/out/<run id>/. A summary
# table is printed last.
#
# Settings (environment):
#   N=100000            customers (CSV rows) for raw PostgreSQL and Banyan on PostgreSQL
#   SQLITE_N=$N         customers for Banyan on SQLite
#   LOAD_CAP_S=         W1 cap in seconds (stop taking new batches after it), empty = none
#   SQLITE_LOAD_CAP_S=$LOAD_CAP_S
#   DURATION=20 WARMUP=3 CLIENTS=8
#   PARTS="rawpg banyan-pg rawsqlite banyan-sqlite"   which systems (rawsqlite: bench/sqlite, SQLite's own
#                                           ceiling: the same statements on one table through rusqlite)
#   TOOLS="driver loadgen"                  which clients for Banyan
#   DB_MAX_CONNECTIONS=16                   Banyan's pool (BANYAN_DB_MAX_CONNECTIONS)
#   PROFILE=1 | dwarf                       perf profile of the server in W1-W4 (bench/out/<run>/perf-*.txt):
#                                           1 = flat (self time), dwarf = with callers (inclusive time)
#   SKIP_BUILD=1                            use the binaries already built
#   SEAL_WAIT=1                             after W1, wait (untimed) until the audit sealer has sealed every
#                                           record, and report how long that took (seal.jsonl, summary); then
#                                           settle both PostgreSQL databases alike (VACUUM ANALYZE, CHECKPOINT)
#   KEEP_WORK=1                             keep the scratch directory (databases) for inspection
#   SHARED_BENCH=/work/shared/bench         driver.py and gen_customers.py
#   SEARCH_KINDS="middle pinyin initials tail4 mobile"
#                                           after W3, the search box's other kinds of query (loadgen only;
#                                           raw PostgreSQL runs the kinds it can express: middle, tail4)
#   MIX_RATES="max 330"                     then (loadgen only) a mixed load — 60 % reads, 30 % searches, 10 %
#                                           updates — as fast as answered ("max") and paced at each rate given
#                                           in requests/s (330: a bank's busy hour, docs/scaling.md); empty: none
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SHARED=${SHARED_BENCH:-/work/shared/bench}
N=${N:-100000}
SQLITE_N=${SQLITE_N:-$N}
LOAD_CAP_S=${LOAD_CAP_S:-}
SQLITE_LOAD_CAP_S=${SQLITE_LOAD_CAP_S:-$LOAD_CAP_S}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
CLIENTS=${CLIENTS:-8}
PARTS=${PARTS:-"rawpg banyan-pg rawsqlite banyan-sqlite"}
SEARCH_KINDS=${SEARCH_KINDS-"middle pinyin initials tail4 mobile"}
MIX_RATES=${MIX_RATES-"max 330"}
TOOLS=${TOOLS:-"driver loadgen"}
DB_MAX_CONNECTIONS=${DB_MAX_CONNECTIONS:-16}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PASSWORD=password123456

OUT=$HERE/out
RESULTS=$OUT/results.jsonl
RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
LOGS=$OUT/$RUN_ID
mkdir -p "$OUT/data" "$LOGS"
WORK=$(mktemp -d /tmp/banyan-bench.XXXXXX)
chmod 755 "$WORK" # the postgres user works below it
PY=$HERE/.venv/bin/python
BANYAN=${BANYAN:-$CARGO_TARGET_DIR/release/banyan}   # BANYAN=path: another build (with SKIP_BUILD=1)
LOADGEN=$HERE/loadgen/target/release/banyan-loadgen
SQLITE_CEILING=$HERE/sqlite/target/release/banyan-sqlite-ceiling
# Each phase's JSON line is also kept in this run's log directory.

log() { printf '\n[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- cleanup: stop everything we started
BANYAN_PID=""
PG_STARTED=""
alive() { # pid: running and not a zombie
    local st
    { read -r _ _ st _ <"/proc/$1/stat"; } 2>/dev/null || return 1
    [[ "$st" != Z ]]
}
stop_banyan() {
    if [[ -n "$BANYAN_PID" ]]; then
        local sig
        for sig in INT TERM KILL; do # graceful (Ctrl-C) first
            kill -"$sig" "$BANYAN_PID" 2>/dev/null || break
            for _ in $(seq 1 50); do
                alive "$BANYAN_PID" || break 2
                sleep 0.1
            done
        done
        wait "$BANYAN_PID" 2>/dev/null || true
        BANYAN_PID=""
    fi
}
stop_pg() {
    if [[ -n "$PG_STARTED" ]]; then
        sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
        PG_STARTED=""
    fi
}
cleanup() {
    local rc=$?
    stop_banyan
    stop_pg
    if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- (a) tools and data
log "run $RUN_ID: N=$N SQLITE_N=$SQLITE_N cap=${LOAD_CAP_S:-none}/${SQLITE_LOAD_CAP_S:-none} parts=[$PARTS] tools=[$TOOLS]"
if ! command -v sudo >/dev/null; then
    log "installing sudo (PostgreSQL refuses to run as root)"
    apt-get update -qq && apt-get install -y -qq sudo >/dev/null
fi
if [[ ! -x "$PY" ]]; then
    log "creating bench/.venv (Faker 40.54.0 pins the data; aiohttp for the adapter)"
    python3 -m venv "$HERE/.venv"
fi
if ! "$PY" -c 'import faker, aiohttp; assert faker.VERSION == "40.54.0"' 2>/dev/null; then
    "$PY" -m pip install -q 'Faker==40.54.0' 'aiohttp==3.14.5'
fi

csv_for() { echo "$OUT/data/customers-$1.csv"; }
make_csv() {
    local n=$1 f
    f=$(csv_for "$n")
    if [[ ! -s "$f" ]]; then
        log "generating $n customers"
        "$PY" "$SHARED/gen_customers.py" --n "$n" --seed 20240601 --out "$f.tmp"
        mv "$f.tmp" "$f"
    fi
    if [[ "$n" == 100000 ]]; then
        local h
        h=$(sha256sum "$f" | cut -d' ' -f1)
        if [[ "$h" != d28c56fb4e227f48077bfe6555c374ccbcf15ef37e9475c0b83e07e69809e148 ]]; then
            echo "$f: sha256 $h differs from WORKLOAD.md's" >&2
            exit 1
        fi
    fi
}
make_csv "$N"
if [[ "$SQLITE_N" != "$N" && " $PARTS " == *" banyan-sqlite "* ]]; then make_csv "$SQLITE_N"; fi

if [[ " $PARTS " == *" rawsqlite "* && ( -z "${SKIP_BUILD:-}" || ! -x "$SQLITE_CEILING" ) ]]; then
    log "building bench/sqlite (release)"
    cargo build --release -q --manifest-path "$HERE/sqlite/Cargo.toml" --target-dir "$HERE/sqlite/target"
fi
if [[ " $PARTS " == *" rawsqlite "* && "$SQLITE_N" != "$N" ]]; then make_csv "$SQLITE_N"; fi
if [[ " $PARTS " == *" banyan-"* ]]; then
    if [[ -z "${SKIP_BUILD:-}" ]]; then
        log "building banyan (release) and the load generator"
        (cd "$ROOT" && cargo build --release -q -p banyan)
        cargo build --release -q --manifest-path "$HERE/loadgen/Cargo.toml" --target-dir "$HERE/loadgen/target"
    fi
    { echo "banyan binary: $BANYAN (built $(date -u -r "$BANYAN" +%Y-%m-%dT%H:%M:%SZ)${SKIP_BUILD:+; SKIP_BUILD: not rebuilt by this run})"
      git -C "$ROOT" log -1 --format='work tree HEAD at run start: %H %s (%cI)' 2>/dev/null || true
      git -C "$ROOT" status --short -- crates Cargo.toml Cargo.lock 2>/dev/null | sed 's/^/dirty: /' || true
    } >"$LOGS/banyan-version.txt"
fi

free_port() { "$PY" "$HERE/tools.py" free-port; }

# ---------------------------------------------------------------- (b) a throwaway PostgreSQL
PG_PORT=""
psql_pg() { sudo -u postgres env PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
start_pg() {
    PG_PORT=$(free_port)
    mkdir -p "$WORK/pg/run"
    chown -R postgres: "$WORK/pg"
    log "initdb + PostgreSQL 15 on 127.0.0.1:$PG_PORT ($WORK/pg)"
    sudo -u postgres "$PGBIN/initdb" -D "$WORK/pg/data" -E UTF8 --locale=C.UTF-8 -U postgres \
        --auth-local=trust --auth-host=trust >"$LOGS/initdb.log" 2>&1
    # Durable defaults (fsync, synchronous_commit, full_page_writes on); memory sized for 24 GiB;
    # pg_stat_statements and auto_explain (slow plans only) for diagnosis.
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
shared_preload_libraries = 'pg_stat_statements,auto_explain'
pg_stat_statements.max = 1000
auto_explain.log_min_duration = '100ms'
log_min_duration_statement = -1
log_checkpoints = on
EOF
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 start >/dev/null
    PG_STARTED=1
    psql_pg -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
    psql_pg -d postgres -c "CREATE ROLE bench LOGIN PASSWORD 'bench'"
    psql_pg -d postgres -At -c "SELECT version()" >"$LOGS/pg_version.txt"
}
fresh_db() { # name
    psql_pg -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 OWNER bench"
    psql_pg -d "$1" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
}
pgss_dump() { # db file: the 25 statements with the most total time, then reset
    psql_pg -d "$1" -c "SELECT calls, round(total_exec_time::numeric, 0) AS total_ms,
            round(mean_exec_time::numeric, 3) AS mean_ms, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 220) AS query
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT 25" >"$2" 2>&1 || true
    psql_pg -d "$1" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
}
if [[ " $PARTS " == *" rawpg "* || " $PARTS " == *" banyan-pg "* ]]; then
    start_pg
fi

# ---------------------------------------------------------------- (c) raw PostgreSQL: COPY + pgbench
run_rawpg() {
    local label="$RUN_ID/rawpg-pgbench" csv db=rawpg
    csv=$(csv_for "$N")
    fresh_db "$db"
    psql_pg -d "$db" -f "$HERE/pg/schema.sql"
    log "raw PostgreSQL: COPY $N rows (indexes in place, durable commit)"
    local t0 t1
    t0=$(date +%s.%N)
    psql_pg -d "$db" -c "COPY customers FROM STDIN (FORMAT csv, HEADER true)" <"$csv"
    t1=$(date +%s.%N)
    local wall rate
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    rate=$(awk -v n="$N" -v w="$wall" 'BEGIN { printf "%.1f", n / w }')
    psql_pg -d "$db" -c "VACUUM ANALYZE customers"
    # With SEAL_WAIT=1 both systems settle alike after their load: a checkpoint writes the load's pages out
    # before the reads are measured (Banyan's database gets the same, after its sealer, in wait_sealed).
    if [[ -n "${SEAL_WAIT:-}" ]]; then psql_pg -d "$db" -c "CHECKPOINT"; fi
    "$PY" "$HERE/tools.py" json adapter=rawpg tool=psql-copy phase=load "n=$N" clients=1 "label=$label" \
        "wall_s=$wall" "loaded=$N" "customers_per_s=$rate" errors=0 \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
    mkdir -p "$WORK/pgbench"
    chown postgres: "$WORK/pgbench"
    local ph
    for ph in read search update; do
        log "raw PostgreSQL: pgbench $ph (${WARMUP}s warm-up + ${DURATION}s, $CLIENTS clients)"
        local pgb=(sudo -u postgres "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -M prepared
            -c "$CLIENTS" -j 2 -D "n=$N" -f "$HERE/pg/$ph.sql" "$db")
        (cd "$WORK/pgbench" && "${pgb[@]}" -T "$WARMUP" >/dev/null 2>&1)
        local cpu0
        cpu0=$("$PY" "$HERE/tools.py" cpu --pg-data "$WORK/pg/data")
        (cd "$WORK/pgbench" && "${pgb[@]}" -T "$DURATION" -l --log-prefix="$WORK/pgbench/$ph"; times >"$WORK/times") \
            >"$LOGS/pgbench-$ph.txt" 2>&1
        "$PY" "$HERE/tools.py" cpu --pg-data "$WORK/pg/data" --since "$cpu0" --client-times "$WORK/times" \
            --label "$label" --phase "$ph" --results "$LOGS/cpu.jsonl" >/dev/null
        "$PY" "$HERE/tools.py" pgbench --phase "$ph" --stdout "$LOGS/pgbench-$ph.txt" \
            --logs "$WORK/pgbench/$ph.*" --label "$label" --n "$N" --duration "$DURATION" \
            --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
        rm -f "$WORK/pgbench/$ph".*
    done
    if [[ -n "$SEARCH_KINDS" ]]; then
        log "raw PostgreSQL: indexes for the other search kinds (pg_trgm on the name, right(mobile, 4))"
        psql_pg -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" \
            -c "CREATE INDEX customers_name_trgm ON customers USING gin (full_name gin_trgm_ops)" \
            -c "CREATE INDEX customers_mobile_tail ON customers (right(mobile, 4))" -c "ANALYZE customers"
        local kind
        for kind in $SEARCH_KINDS; do
            [[ -f "$HERE/pg/search_$kind.sql" ]] || continue
            log "raw PostgreSQL: pgbench search:$kind"
            local pgk=(sudo -u postgres "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -M prepared
                -c "$CLIENTS" -j 2 -D "n=$N" -f "$HERE/pg/search_$kind.sql" "$db")
            (cd "$WORK/pgbench" && "${pgk[@]}" -T "$WARMUP" >/dev/null 2>&1)
            (cd "$WORK/pgbench" && "${pgk[@]}" -T "$DURATION" -l --log-prefix="$WORK/pgbench/k$kind") \
                >"$LOGS/pgbench-search-$kind.txt" 2>&1
            "$PY" "$HERE/tools.py" pgbench --phase "search:$kind" --stdout "$LOGS/pgbench-search-$kind.txt" \
                --logs "$WORK/pgbench/k$kind.*" --label "$label" --n "$N" --duration "$DURATION" \
                --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
            rm -f "$WORK/pgbench/k$kind".*
        done
    fi
    psql_pg -d "$db" -c "EXPLAIN (ANALYZE, BUFFERS) SELECT c.* FROM (SELECT left(full_name, 2) AS t FROM customers
        WHERE cust_no = '00000042') s, LATERAL (SELECT * FROM customers c WHERE c.full_name >= s.t
        AND c.full_name < s.t || chr(1114111) ORDER BY c.full_name LIMIT 20) c" >"$LOGS/rawpg-search-plan.txt" 2>&1
    pgss_dump "$db" "$LOGS/pgss-rawpg.txt"
    psql_pg -d postgres -c "DROP DATABASE $db"
}

# ---------------------------------------------------------------- (d, e) Banyan
MASTER_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
# /metrics answers only with its token.
METRICS_TOKEN=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
banyan_env() {
    env BANYAN_MASTER_KEY="$MASTER_KEY" BANYAN_LOG_FORMAT=text BANYAN_LOG_LEVEL=warn \
        BANYAN_DB_MAX_CONNECTIONS="$DB_MAX_CONNECTIONS" "$@"
}
start_banyan() { # backend tool -> sets BASE_URL; a fresh database (PostgreSQL) or data directory (SQLite)
    local backend=$1 tool=$2 dir="$WORK/banyan-$1-$2" port db_args=()
    rm -rf "$dir"
    mkdir -p "$dir"
    if [[ "$backend" == pg ]]; then
        local db="banyan_$tool"
        fresh_db "$db"
        db_args=(--database-url "postgres://bench:bench@127.0.0.1:$PG_PORT/$db")
    fi
    printf '%s\n' "$PASSWORD" | banyan_env "$BANYAN" --data-dir "$dir" "${db_args[@]}" \
        user add --username bench --role customer_service --password-stdin >"$LOGS/banyan-$backend-$tool-user.log" 2>&1
    port=$(free_port)
    # exec: $! must be the server itself, not a subshell around it.
    (exec env BANYAN_MASTER_KEY="$MASTER_KEY" BANYAN_LOG_FORMAT=text BANYAN_LOG_LEVEL=warn \
        BANYAN_DB_MAX_CONNECTIONS="$DB_MAX_CONNECTIONS" BANYAN_METRICS_TOKEN="$METRICS_TOKEN" \
        "$BANYAN" --data-dir "$dir" "${db_args[@]}" serve --listen "127.0.0.1:$port" \
        >"$LOGS/banyan-$backend-$tool.log" 2>&1) &
    BANYAN_PID=$!
    BASE_URL="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do
        if "$PY" "$HERE/tools.py" get "$BASE_URL/readyz" >/dev/null 2>&1; then return 0; fi
        alive "$BANYAN_PID" || { cat "$LOGS/banyan-$backend-$tool.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "banyan did not become ready" >&2
    exit 1
}
unsealed() { # backend tool -> number of audit records not sealed yet
    if [[ "$1" == pg ]]; then
        psql_pg -d "banyan_$2" -At -c "SELECT count(*) FROM audit_log WHERE seq IS NULL"
    else
        "$PY" -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=30)
print(c.execute("SELECT count(*) FROM audit_log WHERE seq IS NULL").fetchone()[0])' "$WORK/banyan-$1-$2/banyan.db"
    fi
}
wait_sealed() { # backend tool label: SEAL_WAIT=1 waits (untimed) until the audit sealer caught up with W1
    local t0 left n
    t0=$(date +%s.%N)
    left=$(unsealed "$1" "$2")
    log "banyan on $1 via $2: waiting for the audit sealer ($left records unsealed after W1)"
    n=0
    while [[ "$(unsealed "$1" "$2")" != 0 && $n -lt 1200 ]]; do sleep 0.5; n=$((n + 1)); done
    "$PY" "$HERE/tools.py" json phase=seal "label=$3" "unsealed_after_load=$left" \
        "seal_lag_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" \
        "still_unsealed=$(unsealed "$1" "$2")" --results "$LOGS/seal.jsonl"
    # Then the database settles as raw PostgreSQL's does after its COPY (untimed): statistics and the
    # visibility map by VACUUM ANALYZE, the load's and the sealer's pages written out by a checkpoint, so that
    # the reads are not measured beside the writeback of a million rows (run 20261204T173131Z: 0.6 cores of
    # kernel work beside W2-W4, p99 of W2 36 ms).
    if [[ "$1" == pg ]]; then
        log "banyan on pg via $2: VACUUM ANALYZE and CHECKPOINT (untimed)"
        psql_pg -d "banyan_$2" -c "VACUUM ANALYZE" -c "CHECKPOINT"
    fi
}
run_banyan() { # backend tool
    local backend=$1 tool=$2 n cap csv state label
    if [[ "$backend" == pg ]]; then n=$N cap=$LOAD_CAP_S; else n=$SQLITE_N cap=$SQLITE_LOAD_CAP_S; fi
    csv=$(csv_for "$n")
    state="$WORK/state-$backend-$tool.json"
    label="$RUN_ID/banyan-$backend-$tool"
    start_banyan "$backend" "$tool"
    local cap_args=() ph
    if [[ -n "$cap" ]]; then cap_args=(--max-seconds "$cap"); fi
    for ph in load read search update; do
        log "banyan on $backend via $tool: $ph"
        local extra=() cpu0 perf_pid=""
        if [[ "$ph" == load ]]; then extra=("${cap_args[@]}"); fi
        cpu0=$("$PY" "$HERE/tools.py" cpu --server-pid "$BANYAN_PID" --pg-data "$WORK/pg/data")
        if [[ -n "${PROFILE:-}" ]] && command -v perf >/dev/null; then
            local perf_opts=(-F 499)
            if [[ "$PROFILE" == dwarf ]]; then perf_opts=(-F 199 --call-graph dwarf,16384); fi
            # The load runs until the CSV is in (its length unknown): perf is stopped when the client ends.
            local perf_for=(sleep "$(( ${WARMUP%.*} + ${DURATION%.*} - 1 ))")
            if [[ "$ph" == load ]]; then perf_for=(sleep 100000); fi
            perf record -q "${perf_opts[@]}" -p "$BANYAN_PID" -o "$WORK/perf-$backend-$tool-$ph.data" \
                -- "${perf_for[@]}" >/dev/null 2>&1 &
            perf_pid=$!
        fi
        local client=()
        if [[ "$tool" == driver ]]; then
            client=(env PYTHONPATH="$HERE" "$PY" "$SHARED/driver.py" --adapter banyan
                --adapter-args "{\"base_url\": \"$BASE_URL\", \"username\": \"bench\", \"password\": \"$PASSWORD\"}"
                --run-tag 1)
        else
            client=("$LOADGEN" --base-url "$BASE_URL" --username bench --password "$PASSWORD" --run-tag 2)
        fi
        # `times` in the subshell: the CPU the client used (its children's user and system time).
        ("${client[@]}" --phase "$ph" --csv "$csv" --state "$state" --clients "$CLIENTS" \
            --duration "$DURATION" --warmup "$WARMUP" --seed 1 \
            --label "$label" --results "$RESULTS" "${extra[@]}"; times >"$WORK/times") | tee -a "$LOGS/results.jsonl"
        "$PY" "$HERE/tools.py" cpu --server-pid "$BANYAN_PID" --pg-data "$WORK/pg/data" --since "$cpu0" \
            --client-times "$WORK/times" --label "$label" --phase "$ph" --results "$LOGS/cpu.jsonl" >/dev/null
        if [[ -n "$perf_pid" ]]; then
            if [[ "$ph" == load ]]; then pkill -INT -P "$perf_pid" sleep 2>/dev/null || kill -INT "$perf_pid" 2>/dev/null || true; fi
            wait "$perf_pid" || true
            local report_opts=(--no-children --sort dso,symbol --percent-limit 0.4)
            if [[ "$PROFILE" == dwarf ]]; then report_opts=(--children --sort symbol -g none --percent-limit 1); fi
            perf report -i "$WORK/perf-$backend-$tool-$ph.data" "${report_opts[@]}" --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' \
                | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/[[:space:]]+$//' | cut -c1-220 \
                | head -150 >"$LOGS/perf-banyan-$backend-$tool-$ph.txt" || true
            rm -f "$WORK/perf-$backend-$tool-$ph.data"
        fi
        if [[ "$backend" == pg ]]; then pgss_dump "banyan_$tool" "$LOGS/pgss-banyan-pg-$tool-$ph.txt"; fi
        if [[ "$ph" == load && -n "${SEAL_WAIT:-}" ]]; then wait_sealed "$backend" "$tool" "$label"; fi
    done
    if [[ "$tool" == loadgen ]]; then
        local kind
        for kind in $SEARCH_KINDS; do
            log "banyan on $backend via loadgen: search:$kind"
            "$LOADGEN" --base-url "$BASE_URL" --username bench --password "$PASSWORD" --run-tag 2 \
                --phase search --terms "$kind" --csv "$csv" --state "$state" --clients "$CLIENTS" \
                --duration "$DURATION" --warmup "$WARMUP" --seed 7 --label "$label" --results "$RESULTS" \
                | tee -a "$LOGS/results.jsonl"
            if [[ "$backend" == pg ]]; then pgss_dump "banyan_$tool" "$LOGS/pgss-banyan-pg-$tool-search-$kind.txt"; fi
        done
        local rate pace
        for rate in $MIX_RATES; do
            pace=()
            if [[ "$rate" != max ]]; then pace=(--rate "$rate"); fi
            log "banyan on $backend via loadgen: mix ($rate)"
            local cpu0
            cpu0=$("$PY" "$HERE/tools.py" cpu --server-pid "$BANYAN_PID" --pg-data "$WORK/pg/data")
            ("$LOADGEN" --base-url "$BASE_URL" --username bench --password "$PASSWORD" --run-tag 3 \
                --phase mix "${pace[@]}" --csv "$csv" --state "$state" --clients "$CLIENTS" \
                --duration "$DURATION" --warmup "$WARMUP" --seed 11 --label "$label" --results "$RESULTS"; \
                times >"$WORK/times") | tee -a "$LOGS/results.jsonl"
            "$PY" "$HERE/tools.py" cpu --server-pid "$BANYAN_PID" --pg-data "$WORK/pg/data" --since "$cpu0" \
                --client-times "$WORK/times" --label "$label" --phase "mix-$rate" --results "$LOGS/cpu.jsonl" >/dev/null
            if [[ "$backend" == pg ]]; then pgss_dump "banyan_$tool" "$LOGS/pgss-banyan-pg-$tool-mix-$rate.txt"; fi
        done
    fi
    METRICS_TOKEN="$METRICS_TOKEN" "$PY" "$HERE/tools.py" get "$BASE_URL/metrics" >"$LOGS/metrics-banyan-$backend-$tool.txt" 2>/dev/null || true
    # The server's memory after W1-W4 (issue 19's aim: resident size <= 150 MB at 1,000,000 customers): now,
    # the peak over the run (VmHWM), and the process's own memory (RssAnon: heap and stacks) apart from pages
    # of files it maps (RssFile: on SQLite the database file, mapped by every connection, the kernel's page
    # cache counted once per mapping), in MB.
    "$PY" "$HERE/tools.py" json phase=memory "label=$label" "n=$n" \
        "rss_mb=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$BANYAN_PID/status")" \
        "peak_rss_mb=$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$BANYAN_PID/status")" \
        "anon_mb=$(awk '/^RssAnon:/ {printf "%.1f", $2 / 1024}' "/proc/$BANYAN_PID/status")" \
        "file_mb=$(awk '/^RssFile:/ {printf "%.1f", $2 / 1024}' "/proc/$BANYAN_PID/status")" \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
    stop_banyan
    if [[ "$backend" == pg ]]; then # plans of two statements that matter (see docs/benchmarks.md)
        psql_pg -d "banyan_$tool" -c "EXPLAIN (ANALYZE, BUFFERS) SELECT id, seq, at_us FROM audit_log
                WHERE seq IS NULL ORDER BY at_us ASC, id ASC LIMIT 2000" \
            -c "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM customers WHERE display_name >= '王秀'
                AND display_name < '王秀'||chr(1114111) ORDER BY display_name, id LIMIT 21" \
            >"$LOGS/banyan-pg-$tool-plans.txt" 2>&1 || true
    fi
    if [[ "$backend" == pg ]]; then
        psql_pg -d "banyan_$tool" -At -c "SELECT 'customers', count(*) FROM customers UNION ALL
            SELECT 'audit_log', count(*) FROM audit_log UNION ALL SELECT 'audit_unsealed', count(*) FROM audit_log WHERE seq IS NULL" \
            >"$LOGS/banyan-pg-$tool-counts.txt" 2>&1 || true
        if [[ -z "${KEEP_WORK:-}" ]]; then psql_pg -d postgres -c "DROP DATABASE banyan_$tool"; fi
    else
        du -sh "$WORK/banyan-$backend-$tool" >"$LOGS/banyan-sqlite-$tool-size.txt" 2>&1 || true
        if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK/banyan-$backend-$tool"; fi
    fi
}

# ---------------------------------------------------------------- raw SQLite: the same four phases as raw statements
run_rawsqlite() {
    local n=$SQLITE_N
    log "raw SQLite: bench/sqlite on one table ($n customers, $CLIENTS clients)"
    mkdir -p "$WORK/rawsqlite"
    "$SQLITE_CEILING" --db "$WORK/rawsqlite/raw.db" --csv "$(csv_for "$n")" --clients "$CLIENTS" \
        --duration "$DURATION" --warmup "$WARMUP" --label "$RUN_ID/rawsqlite" --results "$RESULTS" \
        | tee -a "$LOGS/results.jsonl"
    du -sh "$WORK/rawsqlite" >"$LOGS/rawsqlite-size.txt" 2>&1 || true
    if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK/rawsqlite"; fi
}

for part in $PARTS; do
    case "$part" in
        rawpg) run_rawpg ;;
        rawsqlite) run_rawsqlite ;;
        banyan-pg) for t in $TOOLS; do run_banyan pg "$t"; done ;;
        banyan-sqlite) for t in $TOOLS; do run_banyan sqlite "$t"; done ;;
        *) echo "unknown part $part" >&2; exit 2 ;;
    esac
done
stop_pg

# ---------------------------------------------------------------- (f) summary
{
    echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(uname -sr); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    cat "$LOGS/pg_version.txt" 2>/dev/null || true
    "$PY" "$HERE/tools.py" summary --results "$RESULTS" --run "$RUN_ID" --cpu "$LOGS/cpu.jsonl"
} | tee "$LOGS/summary.md"
log "results: $RESULTS (label prefix $RUN_ID/), logs: $LOGS"
