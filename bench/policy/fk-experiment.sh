#!/usr/bin/env bash
# What the foreign keys of segment_assignments and segment_history cost a first `policy evaluate --all` on
# PostgreSQL (docs/benchmarks.md, "Policy evaluation"). A diagnosis, not a proposal to ship as is.
#
#   N=100000 BANYAN=... POLICY=... bench/policy/fk-experiment.sh
#
# One fresh database with N customers (bench/policy/tools.py generate), then ROUNDS x {with the foreign keys,
# without them}: empty the three tables the evaluation writes, VACUUM ANALYZE + CHECKPOINT, run
# `banyan policy evaluate --all` (everything new) and record wall time, banyan CPU, PostgreSQL CPU and the
# database time per statement kind (pg_stat_statements). The foreign keys are dropped after the first round
# with them and put back before the next.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${N:-100000}
ROUNDS=${ROUNDS:-2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BANYAN=${BANYAN:-$ROOT/target/release/banyan}
POLICY=${POLICY:-$ROOT/policy/default.toml}
TOOLS=(python3 "$HERE/tools.py")
RUN_ID=policy-fk-$(date -u +%Y%m%dT%H%M%SZ)
LOGS=$ROOT/bench/out/$RUN_ID
RESULTS=$ROOT/bench/out/policy-results.jsonl
mkdir -p "$LOGS"
WORK=$(mktemp -d /tmp/banyan-policy-fk.XXXXXX)
chmod 755 "$WORK"
AS_OF=$(TZ=Asia/Shanghai date -d yesterday +%F)
MASTER_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
cleanup() {
    local rc=$?
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

PORT=$("${TOOLS[@]}" free-port)
mkdir -p "$WORK/pg/run" && chown -R postgres: "$WORK/pg"
sudo -u postgres "$PGBIN/initdb" -D "$WORK/pg/data" -E UTF8 --locale=C.UTF-8 -U postgres --auth-host=trust >/dev/null 2>&1
cat >>"$WORK/pg/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$WORK/pg/run'
shared_buffers = 1GB
effective_cache_size = 8GB
work_mem = 16MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
checkpoint_timeout = 15min
shared_preload_libraries = 'pg_stat_statements'
EOF
sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 start >/dev/null
psql_pg() { PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
psql_pg -d postgres -c "CREATE ROLE bench LOGIN PASSWORD 'bench'" -c "CREATE DATABASE fk OWNER bench"
psql_pg -d fk -c "CREATE EXTENSION pg_stat_statements"
export BANYAN_MASTER_KEY=$MASTER_KEY BANYAN_LOG_LEVEL=warn BANYAN_POLICY_FILE=$POLICY BANYAN_DATA_DIR=$WORK/data \
    BANYAN_DATABASE_URL="postgres://bench:bench@127.0.0.1:$PORT/fk"
"$BANYAN" migrate >/dev/null
log "generating $N customers"
{ echo 'BEGIN;'; "${TOOLS[@]}" sql pg generate --n "$N" --as-of "$AS_OF"; echo 'COMMIT;'; } | psql_pg -d fk

FKS="ALTER TABLE segment_assignments ADD CONSTRAINT fk_segment_assignments_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT;
ALTER TABLE segment_history ADD CONSTRAINT fk_segment_history_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT;"
NOFKS="ALTER TABLE segment_assignments DROP CONSTRAINT fk_segment_assignments_customer_id;
ALTER TABLE segment_history DROP CONSTRAINT fk_segment_history_customer_id;"
pgcpu() { "${TOOLS[@]}" pgcpu "$WORK/pg/data"; }
for round in $(seq 1 "$ROUNDS"); do
    for variant in with-fks without-fks; do
        if [[ "$variant" == without-fks ]]; then psql_pg -d fk -c "$NOFKS"; fi
        psql_pg -d fk -c "TRUNCATE segment_assignments, segment_history, outbox" -c "VACUUM ANALYZE" -c "CHECKPOINT" \
            -c "SELECT pg_stat_statements_reset()" >/dev/null
        log "round $round, $variant: banyan policy evaluate --all (everything new)"
        c0=$(pgcpu); t0=$(date +%s.%N)
        ( "$BANYAN" policy evaluate --all; times >"$WORK/times" ) >"$LOGS/evaluate-$variant-$round.txt" 2>&1
        t1=$(date +%s.%N); c1=$(pgcpu)
        ucpu=$(python3 -c 'import re, sys
print(round(sum(int(m.group(1)) * 60 + float(m.group(2)) for m in re.finditer(r"(\d+)m([\d.]+)s", open(sys.argv[1]).read().split("\n")[1])), 2))' "$WORK/times")
        psql_pg -d fk -c "WITH s AS (SELECT total_exec_time, rows, calls, substring(query from '^(INSERT INTO \"?[a-z_]+|SELECT [^ ]+)') AS q
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'fk'))
            SELECT q, sum(calls) AS calls, sum(rows) AS rows, round(sum(total_exec_time)::numeric) AS ms,
                   round((1000 * sum(total_exec_time) / greatest(sum(rows), 1))::numeric, 1) AS us_per_row
            FROM s GROUP BY q ORDER BY sum(total_exec_time) DESC LIMIT 6" >"$LOGS/pgss-$variant-$round.txt"
        db_ms=$(psql_pg -d fk -At -c "SELECT round(sum(total_exec_time)) FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'fk')")
        "${TOOLS[@]}" json "label=$RUN_ID/pg" backend=pg "n=$N" case=first "what=evaluate-$variant" "round=$round" \
            "wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "banyan_cpu_s=$ucpu" \
            "pg_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" "db_statement_s=$(awk -v m="$db_ms" 'BEGIN { printf "%.2f", m / 1000 }')" \
            --results "$RESULTS" | tee -a "$LOGS/results.jsonl"
        if [[ "$variant" == without-fks ]]; then psql_pg -d fk -c "$FKS"; fi
    done
done
log "logs: $LOGS"
