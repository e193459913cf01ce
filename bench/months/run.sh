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

# shellcheck source=../lib/throwaway-pg.sh
source "$ROOT/bench/lib/throwaway-pg.sh"
if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building the example (release)"
    (cd "$ROOT" && cargo build -q --release -p banyan-store --example migrate_months)
fi
EXE=${EXE:-$CARGO_TARGET_DIR/release/examples/migrate_months}

throwaway_pg 1GB

log "MESSAGES=$MESSAGES LOGS=$LOGS MONTHS=$MONTHS"
DATABASE_URL=$DATABASE_URL "$EXE" \
    | while read -r line; do echo "$line"; echo "{\"run\":\"$RUN\",\"r\":$line}" >>"$OUT/months-results.jsonl"; done
