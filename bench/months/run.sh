#!/usr/bin/env bash
# What migration 63 costs (docs/operations.md "Upgrade", docs/benchmarks.md "Messages and case logs by month"):
# a throwaway PostgreSQL 15, migrated to 62 and filled by SQL with MESSAGES messages and LOGS case-log entries
# over MONTHS months, then migration 63 timed (both tables copied into month partitions, the messages' cause
# keys into message_keys) and what it kept counted.
#
#   bench/months/run.sh                                  # 2,000,000 of each over 24 months
#   MESSAGES=200000 LOGS=200000 bench/months/run.sh      # a quick pass
#
# Settings: MESSAGES LOGS MONTHS CUSTOMERS SKIP_BUILD=1 KEEP_WORK=1 EXE= (another build of the example; the
# time is PostgreSQL's: a debug build gives the same figures)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export MESSAGES=${MESSAGES:-2000000} LOGS=${LOGS:-2000000} MONTHS=${MONTHS:-24} CUSTOMERS=${CUSTOMERS:-100000}
RUN=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/out
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/banyan-months-bench.XXXXXX)
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

if ! command -v sudo >/dev/null; then
    apt-get update -qq && apt-get install -y -qq sudo >/dev/null
fi
if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building the example (release)"
    (cd "$ROOT" && cargo build -q --release -p banyan-store --example migrate_months)
fi
EXE=${EXE:-$CARGO_TARGET_DIR/release/examples/migrate_months}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chown postgres "$WORK"
cleanup() {
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
    if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
log "PostgreSQL 15 on 127.0.0.1:$PORT ($WORK)"
sudo -u postgres "$PGBIN/initdb" -D "$WORK/data" -E UTF8 --locale=C.UTF-8 -U postgres \
    --auth-local=trust --auth-host=trust >"$WORK/initdb.log" 2>&1
cat >>"$WORK/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 15min
CONF
sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w -t 60 start >/dev/null
sudo -u postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres banyan

log "MESSAGES=$MESSAGES LOGS=$LOGS MONTHS=$MONTHS"
DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/banyan" "$EXE" \
    | while read -r line; do echo "$line"; echo "{\"run\":\"$RUN\",\"r\":$line}" >>"$OUT/months-results.jsonl"; done
