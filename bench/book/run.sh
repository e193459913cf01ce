#!/usr/bin/env bash
# The book benchmark (issue 14, "Scale and speed"): a day of transactions loaded through Banyan against raw
# PostgreSQL COPY of the same file, in one run. Figures and reading: docs/benchmarks.md, "The book".
#
#   bench/book/run.sh                               # 1,000,000 transactions over 100,000 customers' accounts
#   ROWS=100000 CUSTOMERS=20000 bench/book/run.sh   # a quick pass
#   BACKENDS=pg SKIP_BUILD=1 bench/book/run.sh
#
# Per backend, on a fresh database: `banyan migrate`; CUSTOMERS customers (bench/policy's generator, SQL in the
# database) with one demand-deposit account each (SQL); untimed, their time reported. Then, timed:
#   load     `banyan book load transactions FILE` — parse, check, write in chunks, then the insight rules and
#            the monitoring criteria over every customer the file touched (their split from Banyan's log)
#   reload   the same file again: every row known, nothing written
# and on PostgreSQL in the same database, raw: `\copy` of the file into a table shaped like the CSV, then
# INSERT ... SELECT of those rows into a table shaped like Banyan's `transactions` (LIKE ... INCLUDING ALL,
# the account resolved by a join): the ceiling for "load 1,000,000 transactions".
# Before each timed step: CHECKPOINT (PostgreSQL) or wal_checkpoint(TRUNCATE) (SQLite), untimed.
#
# FEED=holdings: a day's holdings instead (CUSTOMERS=250000 customers, PER=4 accounts each: 1,000,000 rows).
# Timed: `banyan book load holdings` of the day before yesterday (first: every account new) and of yesterday
# (next: every account known, most balances moved) — each the rows, then every touched customer's figures
# derived and segments re-evaluated, then the insight rules (their split from Banyan's log). On PostgreSQL, raw:
# the same two days as set-based SQL (tools.py holdings-sql: COPY, accounts upserted, snapshots inserted,
# figures aggregated and upserted, wealth tier re-evaluated) into tables shaped like Banyan's. Around the loads
# (SKIP_PAGES=1 leaves it out): the 360 page's book section (`GET /api/v1/customers/{id}/book`) of 2,000
# individuals under PAGE_CLIENTS=8 closed-loop clients for PAGE_DURATION=20 s (bench/book/pages.py), served by
# `banyan serve`, before the book is loaded and after, with twelve month-end snapshots per account added by
# SQL so that its AUM line has a year.
#
# Settings: CUSTOMERS=100000 ROWS=1000000 BACKENDS="pg sqlite" FEED=transactions|holdings PER=4 SKIP_BUILD=1
#           BANYAN=path KEEP_WORK=1
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FEED=${FEED:-transactions}
PER=${PER:-4}
if [[ "$FEED" == holdings ]]; then CUSTOMERS=${CUSTOMERS:-250000}; else CUSTOMERS=${CUSTOMERS:-100000}; fi
ROWS=${ROWS:-1000000}
if [[ "$FEED" == holdings ]]; then ROWS=$((CUSTOMERS * PER)); fi
BACKENDS=${BACKENDS:-"pg sqlite"}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
POLICY=${POLICY:-$ROOT/policy/default.toml}
if [[ -n "${BANYAN:-}" ]]; then SKIP_BUILD=1; fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BANYAN=${BANYAN:-$CARGO_TARGET_DIR/release/banyan}
PT=(python3 "$ROOT/bench/policy/tools.py")
BT=(python3 "$HERE/tools.py")

OUT=$ROOT/bench/out
RESULTS=$OUT/book-results.jsonl
RUN_ID=book-$([[ "$FEED" == holdings ]] && echo holdings-)$(date -u +%Y%m%dT%H%M%SZ)
LOGS=$OUT/$RUN_ID
mkdir -p "$LOGS"
WORK=$(mktemp -d /tmp/banyan-book.XXXXXX)
chmod 755 "$WORK"
AS_OF=$(TZ=Asia/Shanghai date -d yesterday +%F)
DAY1=$(TZ=Asia/Shanghai date -d '2 days ago' +%F)   # the holdings case's first day; AS_OF is its next
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

log "run $RUN_ID: $ROWS $FEED rows over $CUSTOMERS customers, backends [$BACKENDS], day $AS_OF"
if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building banyan (release)"
    (cd "$ROOT" && cargo build --release -q -p banyan)
fi
{ echo "banyan binary: $BANYAN (built $(date -u -r "$BANYAN" +%Y-%m-%dT%H:%M:%SZ))"
  git -C "$ROOT" log -1 --format='work tree HEAD at run start: %H %s (%cI)' 2>/dev/null || true
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(uname -sr)"
} >"$LOGS/version.txt"
cat "$LOGS/version.txt" >&2

FILE="$WORK/core-transactions-$AS_OF.csv"
H1="$WORK/core-holdings-$DAY1.csv"
H2="$WORK/core-holdings-$AS_OF.csv"
if [[ "$FEED" == transactions ]]; then
    log "generating $ROWS transactions ($FILE)"
    "${BT[@]}" tx-csv --accounts "$CUSTOMERS" --rows "$ROWS" --day "$AS_OF" --out "$FILE"
    chmod 644 "$FILE"
    ls -l "$FILE" >>"$LOGS/version.txt"
fi
holdings_files() { # once, from the first backend's customers (the generator is deterministic)
    [[ -f "$H1" ]] && return
    log "generating two days' holdings: $CUSTOMERS customers x $PER accounts"
    "${BT[@]}" holdings-csv --customers "$WORK/customers.txt" --per "$PER" --day "$DAY1" --out "$H1"
    "${BT[@]}" holdings-csv --customers "$WORK/customers.txt" --per "$PER" --day "$AS_OF" --next 1 --out "$H2"
    chmod 644 "$H1" "$H2"
    ls -l "$H1" "$H2" >>"$LOGS/version.txt"
}

PG_PORT=""
psql_pg() { PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
start_pg() { # the settings of bench/run.sh: durable defaults
    PG_PORT=$("${PT[@]}" free-port)
    mkdir -p "$WORK/pg/run"
    chown -R postgres: "$WORK/pg"
    log "initdb + PostgreSQL 15 on 127.0.0.1:$PG_PORT"
    sudo -u postgres "$PGBIN/initdb" -D "$WORK/pg/data" -E UTF8 --locale=C.UTF-8 -U postgres \
        --auth-local=trust --auth-host=trust >"$LOGS/initdb.log" 2>&1
    cat >>"$WORK/pg/data/postgresql.conf" <<CONF
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
# Plans as run, with their real row counts, of 2 % of the statements (every kind that runs often: the rules'
# reads among them), in the server's log; copied to the run's logs as plans-pg.log.
session_preload_libraries = 'auto_explain'
auto_explain.log_min_duration = 0
auto_explain.sample_rate = 0.02
auto_explain.log_analyze = on
auto_explain.log_timing = off
CONF
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 start >/dev/null
    PG_STARTED=1
    psql_pg -d postgres -c "CREATE ROLE bench LOGIN PASSWORD 'bench' SUPERUSER"
    psql_pg -d postgres -At -c "SELECT version()" >>"$LOGS/version.txt"
}

banyan() {
    env BANYAN_MASTER_KEY="$MASTER_KEY" BANYAN_LOG_FORMAT=text BANYAN_LOG_LEVEL=info BANYAN_POLICY_FILE="$POLICY" \
        BANYAN_DATA_DIR="$DIR" ${DB_URL:+BANYAN_DATABASE_URL="$DB_URL"} "$BANYAN" "$@"
}
settle() {
    if [[ "$BACKEND" == pg ]]; then
        psql_pg -d "$PGDB" -c "VACUUM ANALYZE" -c "CHECKPOINT"
        psql_pg -d "$PGDB" -c "SELECT pg_stat_statements_reset()" >/dev/null
    else python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=60); c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()' "$DIR/banyan.db"
    fi
    sync
}
pgss_dump() { # file: time per kind of statement (VALUES and IN lists of any length together), then reset
    psql_pg -d "$PGDB" -c "WITH s AS (SELECT calls, total_exec_time, rows, regexp_replace(regexp_replace(
                regexp_replace(query, '\s+', ' ', 'g'), '(VALUES|IN) \(\\$.*$', '\1 (...)'), '\"', '', 'g') AS q
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
        SELECT sum(calls) AS calls, round(sum(total_exec_time)::numeric) AS total_ms,
            round((sum(total_exec_time) / sum(calls))::numeric, 3) AS mean_ms, sum(rows) AS rows, left(q, 150) AS query
        FROM s GROUP BY q ORDER BY sum(total_exec_time) DESC LIMIT 15" >"$1" 2>&1 || true
    psql_pg -d "$PGDB" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
}
pgcpu() { if [[ "$BACKEND" == pg ]]; then "${PT[@]}" pgcpu "$WORK/pg/data"; else echo 0; fi; }

load() { # case: one timed `banyan book load transactions`
    local c=$1 out="$LOGS/load-$BACKEND-$1.txt" t0 t1 cpu0 cpu1
    settle
    log "$BACKEND: banyan book load transactions ($c)"
    cpu0=$(pgcpu); t0=$(date +%s.%N)
    banyan book load transactions "$FILE" --as-of "$AS_OF" >"$out" 2>&1 || { tail -20 "$out" >&2; exit 1; }
    t1=$(date +%s.%N); cpu1=$(pgcpu)
    if [[ "$BACKEND" == pg ]]; then pgss_dump "$LOGS/pgss-$BACKEND-$c.txt"; fi
    sed -i 's/\x1b\[[0-9;]*m//g' "$out"   # the log's colours
    local wall ins mon rules
    wall=$(secs "$t0" "$t1")
    ins=$(grep -o 'insights_ms=[0-9]*' "$out" | tail -1 | cut -d= -f2 || true)
    mon=$(grep -o 'monitoring_ms=[0-9]*' "$out" | tail -1 | cut -d= -f2 || true)
    # insights and monitoring run side by side: rules_ms is the two together, wall clock
    rules=$(grep -o 'rules_ms=[0-9]*' "$out" | tail -1 | cut -d= -f2 || true)
    "${PT[@]}" json "label=$RUN_ID/$BACKEND" "backend=$BACKEND" "rows=$ROWS" "customers=$CUSTOMERS" "case=$c" \
        what=banyan-load "seconds=$wall" "rows_per_s=$(awk -v n="$ROWS" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')" \
        "insights_s=$(awk -v m="${ins:-0}" 'BEGIN { printf "%.2f", m / 1000 }')" \
        "monitoring_s=$(awk -v m="${mon:-0}" 'BEGIN { printf "%.2f", m / 1000 }')" \
        "rules_s=$(awk -v m="${rules:-0}" 'BEGIN { printf "%.2f", m / 1000 }')" \
        "rows_s=$(awk -v w="$wall" -v m="${rules:-0}" 'BEGIN { printf "%.2f", w - m / 1000 }')" \
        "pg_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
}

load_holdings() { # case file day: one timed `banyan book load holdings`
    local c=$1 f=$2 day=$3 out="$LOGS/load-$BACKEND-holdings-$1.txt" t0 t1 cpu0 cpu1
    settle
    log "$BACKEND: banyan book load holdings ($c, $day)"
    cpu0=$(pgcpu); t0=$(date +%s.%N)
    banyan book load holdings "$f" --as-of "$day" >"$out" 2>&1 || { tail -20 "$out" >&2; exit 1; }
    t1=$(date +%s.%N); cpu1=$(pgcpu)
    if [[ "$BACKEND" == pg ]]; then pgss_dump "$LOGS/pgss-$BACKEND-holdings-$c.txt"; fi
    sed -i 's/\x1b\[[0-9;]*m//g' "$out"
    local wall fig ins
    wall=$(secs "$t0" "$t1")
    fig=$(grep -o 'figures_ms=[0-9]*' "$out" | tail -1 | cut -d= -f2 || true)
    ins=$(grep -o 'insights_ms=[0-9]*' "$out" | tail -1 | cut -d= -f2 || true)
    "${PT[@]}" json "label=$RUN_ID/$BACKEND" "backend=$BACKEND" "rows=$ROWS" "customers=$CUSTOMERS" "case=$c" \
        what=banyan-holdings "seconds=$wall" "rows_per_s=$(awk -v n="$ROWS" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')" \
        "figures_s=$(awk -v m="${fig:-0}" 'BEGIN { printf "%.2f", m / 1000 }')" \
        "insights_s=$(awk -v m="${ins:-0}" 'BEGIN { printf "%.2f", m / 1000 }')" \
        "pg_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
}

raw_holdings() { # case file day: the same day's work as set-based SQL
    local c=$1 f=$2 day=$3 out="$LOGS/raw-pg-holdings-$1.txt"
    settle
    log "pg: raw set-based SQL for the holdings of $day ($c)"
    "${BT[@]}" holdings-sql --file "$f" --day "$day" --policy "$POLICY" >"$WORK/raw-holdings.sql"
    psql_pg -d "$PGDB" -f "$WORK/raw-holdings.sql" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
    local s
    s=$("${PT[@]}" psql-time "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["seconds"])')
    "${PT[@]}" json "label=$RUN_ID/pg" backend=pg "rows=$ROWS" "customers=$CUSTOMERS" "case=raw-$c" \
        what=sql-holdings "seconds=$s" "rows_per_s=$(awk -v n="$ROWS" -v s="$s" 'BEGIN { printf "%.0f", n / s }')" \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
}

raw_copy() {
    settle
    log "pg: raw \\copy into a CSV-shaped table, then INSERT ... SELECT into Banyan's table shape"
    "${BT[@]}" staging-sql --file "$FILE" >"$WORK/raw.sql"
    psql_pg -d "$PGDB" -f "$WORK/raw.sql" >"$LOGS/raw-pg.txt" 2>&1 || { cat "$LOGS/raw-pg.txt" >&2; exit 1; }
    local times copy insert
    times=$(grep -oE 'Time: [0-9.]+ ms' "$LOGS/raw-pg.txt" | awk '{print $2}')
    copy=$(echo "$times" | sed -n 2p)
    insert=$(echo "$times" | sed -n 4p)
    "${PT[@]}" json "label=$RUN_ID/pg" backend=pg "rows=$ROWS" case=raw what=copy \
        "seconds=$(awk -v m="$copy" 'BEGIN { printf "%.3f", m / 1000 }')" \
        "rows_per_s=$(awk -v n="$ROWS" -v m="$copy" 'BEGIN { printf "%.0f", n * 1000 / m }')" \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
    "${PT[@]}" json "label=$RUN_ID/pg" backend=pg "rows=$ROWS" case=raw what=copy+insert-shaped \
        "seconds=$(awk -v a="$copy" -v b="$insert" 'BEGIN { printf "%.3f", (a + b) / 1000 }')" \
        "rows_per_s=$(awk -v n="$ROWS" -v a="$copy" -v b="$insert" 'BEGIN { printf "%.0f", n * 1000 / (a + b) }')" \
        --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
}

PAGE_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
export PAGE_PASSWORD
PAGE_CLIENTS=${PAGE_CLIENTS:-8}
PAGE_DURATION=${PAGE_DURATION:-20}
sql_backend() { # statement: run on this backend's database
    if [[ "$BACKEND" == pg ]]; then psql_pg -d "$PGDB" -At -c "$1"
    else python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=60)
for r in c.execute(sys.argv[2]): print(*r)
c.commit()' "$DIR/banyan.db" "$1"
    fi
}
pages() { # case expect: the 360 page's book section of 2,000 individuals under PAGE_CLIENTS clients, served by `banyan serve`
    local c=$1 expect=$2 port pid out="$LOGS/pages-$BACKEND-$1.json"
    if [[ ! -f "$WORK/ids-$BACKEND.txt" ]]; then
        if [[ "$BACKEND" == pg ]]; then
            sql_backend "SELECT id FROM customers WHERE kind = 'individual' ORDER BY customer_no LIMIT 2000" >"$WORK/ids-$BACKEND.txt"
        else
            sql_backend "SELECT lower(substr(hex(id),1,8)||'-'||substr(hex(id),9,4)||'-'||substr(hex(id),13,4)||'-'||substr(hex(id),17,4)||'-'||substr(hex(id),21)) FROM customers WHERE kind = 'individual' ORDER BY customer_no LIMIT 2000" >"$WORK/ids-$BACKEND.txt"
        fi
        printf '%s\n' "$PAGE_PASSWORD" | banyan user add --username pagebench --role risk_officer --password-stdin >/dev/null
    fi
    settle
    port=$("${PT[@]}" free-port)
    (exec env BANYAN_MASTER_KEY="$MASTER_KEY" BANYAN_LOG_FORMAT=text BANYAN_LOG_LEVEL=warn BANYAN_POLICY_FILE="$POLICY" \
        BANYAN_DATA_DIR="$DIR" ${DB_URL:+BANYAN_DATABASE_URL="$DB_URL"} "$BANYAN" serve --listen "127.0.0.1:$port" \
        >"$LOGS/serve-$BACKEND-$c.log" 2>&1) &
    pid=$!
    for _ in $(seq 1 300); do
        if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "http://127.0.0.1:$port/readyz" 2>/dev/null; then break; fi
        sleep 0.2
    done
    log "$BACKEND: the 360 page's book ($c), $PAGE_CLIENTS clients, $PAGE_DURATION s"
    python3 "$HERE/pages.py" --base "http://127.0.0.1:$port" --user pagebench --password-env PAGE_PASSWORD \
        --ids "$WORK/ids-$BACKEND.txt" --clients "$PAGE_CLIENTS" --duration "$PAGE_DURATION" --expect "$expect" >"$out"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    python3 - "$out" "$RUN_ID/$BACKEND" "$BACKEND" "$c" "$RESULTS" <<'PY' | tee -a "$LOGS/results.jsonl"
import json, sys
r = json.load(open(sys.argv[1]))
line = {"label": sys.argv[2], "backend": sys.argv[3], "case": "page-" + sys.argv[4], "what": "360-page", **r}
print(json.dumps(line))
open(sys.argv[5], "a").write(json.dumps(line) + "\n")
PY
}
month_ends() { # a year of month-end snapshots behind the first day's, so the 360 page draws a 12-month AUM line
    local d i
    log "$BACKEND: twelve month-end snapshots per account (SQL, untimed)"
    for i in $(seq 1 12); do
        d=$(date -d "$DAY1 -$((i - 1)) month" +%Y-%m-01)
        d=$(date -d "$d -1 day" +%F)
        sql_backend "INSERT INTO holdings (account_id, as_of, customer_id, status, balance, credit_limit, outstanding, days_past_due, load_id)
            SELECT account_id, '$d', customer_id, status, balance * (100 - $i) / 100, credit_limit, outstanding, days_past_due, load_id
            FROM holdings WHERE as_of = '$DAY1'" >/dev/null
    done
}

holdings_backend() {
    if [[ "$BACKEND" == pg ]]; then
        psql_pg -d "$PGDB" -At -c "SELECT customer_no FROM customers ORDER BY customer_no" >"$WORK/customers.txt"
    else
        python3 -c 'import sqlite3, sys
for (n,) in sqlite3.connect(sys.argv[1]).execute("SELECT customer_no FROM customers ORDER BY customer_no"): print(n)' \
            "$DIR/banyan.db" >"$WORK/customers.txt"
    fi
    holdings_files
    if [[ -z "${SKIP_PAGES:-}" ]]; then pages before-book '"aum_line"'; fi
    load_holdings first "$H1" "$DAY1"
    load_holdings next "$H2" "$AS_OF"
    if [[ -z "${SKIP_PAGES:-}" ]]; then month_ends; pages with-book '"aum_line":[{'; fi
    if [[ "$BACKEND" == pg ]]; then
        raw_holdings first "$H1" "$DAY1"
        raw_holdings next "$H2" "$AS_OF"
        psql_pg -d "$PGDB" -c "SELECT count(*) AS accounts FROM accounts" -c "SELECT count(*) AS holdings FROM holdings" \
            -c "SELECT count(*) AS raw_holdings FROM bench_h_holdings" \
            -c "SELECT tier, count(*) FROM bench_h_tiers GROUP BY 1 ORDER BY 1" \
            -c "SELECT value AS banyan_wealth_tier, count(*) FROM segment_assignments WHERE dimension = 'wealth_tier' GROUP BY 1 ORDER BY 1" \
            >"$LOGS/counts-$BACKEND.txt" 2>&1 || true
    fi
}

run_backend() {
    BACKEND=$1
    DIR="$WORK/$BACKEND"
    mkdir -p "$DIR"
    DB_URL=""
    if [[ "$BACKEND" == pg ]]; then
        PGDB=book_bench
        psql_pg -d postgres -c "CREATE DATABASE $PGDB OWNER bench"
        psql_pg -d "$PGDB" -c "CREATE EXTENSION pg_stat_statements"
        DB_URL="postgres://bench:bench@127.0.0.1:$PG_PORT/$PGDB${PG_URL_OPTS:-}"
    fi
    log "$BACKEND: banyan migrate; $CUSTOMERS customers and their accounts (SQL, untimed)"
    banyan migrate >"$LOGS/migrate-$BACKEND.txt" 2>&1
    local t0
    t0=$(date +%s.%N)
    local catalogue=(accounts-sql "$BACKEND" --as-of "$AS_OF")
    if [[ "$FEED" == holdings ]]; then catalogue=(products-sql "$BACKEND"); fi
    if [[ "$BACKEND" == pg ]]; then
        { echo 'BEGIN;'; "${PT[@]}" sql pg generate --n "$CUSTOMERS" --as-of "$AS_OF" --policy "$POLICY";
          "${BT[@]}" "${catalogue[@]}"; echo 'COMMIT;'; } >"$WORK/setup.sql"
        psql_pg -d "$PGDB" -f "$WORK/setup.sql" >"$LOGS/setup-pg.txt" 2>&1 || { cat "$LOGS/setup-pg.txt" >&2; exit 1; }
    else
        "${PT[@]}" sqlite "$DIR/banyan.db" generate --n "$CUSTOMERS" --as-of "$AS_OF" --policy "$POLICY" >/dev/null
        "${BT[@]}" "${catalogue[@]}" >"$WORK/accounts.sql"
        python3 - "$DIR/banyan.db" "$WORK/accounts.sql" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=60)
c.create_function("unhex", 1, lambda s: bytes.fromhex(s), deterministic=True)
c.executescript(open(sys.argv[2]).read())
c.commit()
PY
    fi
    log "$BACKEND: setup took $(secs "$t0" "$(date +%s.%N)") s"
    if [[ "$FEED" == holdings ]]; then
        holdings_backend
        return
    fi
    load first
    load reload
    if [[ "$BACKEND" == pg ]]; then raw_copy; fi
    if [[ "$BACKEND" == pg ]]; then
        psql_pg -d "$PGDB" -c "SELECT count(*) AS transactions FROM transactions" \
            -c "SELECT count(*) AS alerts FROM alerts" -c "SELECT count(*) AS hits FROM monitoring_hits" \
            -c "SELECT pg_size_pretty(pg_total_relation_size('transactions_y' || to_char(now(), 'YYYY') || 'm' || to_char(now(), 'MM'))) AS this_month" \
            >"$LOGS/counts-$BACKEND.txt" 2>&1 || true
    fi
}

for b in $BACKENDS; do
    case "$b" in
        pg) [[ -n "$PG_STARTED" ]] || start_pg; run_backend pg ;;
        sqlite) run_backend sqlite ;;
        *) echo "unknown backend $b" >&2; exit 2 ;;
    esac
done
if [[ -f "$WORK/pg/postgres.log" ]]; then
    cp "$WORK/pg/postgres.log" "$LOGS/plans-pg.log"
    # One plan per read (the slowest sampled), readable: docs/plans/ keeps the one docs/benchmarks.md cites.
    python3 "$HERE/plans.py" "$LOGS/plans-pg.log" --title "The plans of the book load's reads ($RUN_ID)" \
        >"$LOGS/plans-reads.md" || true
fi
stop_pg
log "results: $RESULTS ($RUN_ID), logs: $LOGS"
cat "$LOGS/results.jsonl"
