#!/usr/bin/env bash
# The audit log at scale (issue 20, "Data that grows for ten years"): N records spread over ten years of months,
# written through Banyan's writers' path (each with its MAC) into the month-partitioned log, sealed every 20,000
# records as the running sealer keeps up (rates reported per tenth), verified end to end, and 1,000 customers'
# audit pages read; then raw PostgreSQL in the same database and
# run: the same rows in the same batches into one plain table with the same indexes, and the same page query.
# Figures and reading: docs/benchmarks.md, "The audit log over ten years".
#
#   bench/audit/run.sh                  # N=10,000,000 (about 14 GB of disk for both sides)
#   N=1000000 bench/audit/run.sh        # a quick pass
#
# Settings: N CUSTOMERS=200000 STEPS=10 SKIP_BUILD=1 KEEP_WORK=1
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${N:-10000000}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
RUN=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/out
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/banyan-audit-bench.XXXXXX)
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# shellcheck source=../lib/throwaway-pg.sh
source "$ROOT/bench/lib/throwaway-pg.sh"
if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building the example (release)"
    (cd "$ROOT" && cargo build -q --release -p banyan-app --features test-support --example audit_scale)
fi
EXE=$CARGO_TARGET_DIR/release/examples/audit_scale

throwaway_pg 2GB

log "N=$N: Banyan's log, then raw PostgreSQL"
DATABASE_URL=$DATABASE_URL N=$N "$EXE" \
    | while read -r line; do echo "$line"; echo "{\"run\":\"$RUN\",\"n\":$N,\"r\":$line}" >>"$OUT/audit-results.jsonl"; done
sudo -u postgres "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres banyan -At <<'SQL' | tee -a "$OUT/audit-$RUN.txt"
SELECT 'audit_log (all months): ' || pg_size_pretty(SUM(pg_total_relation_size(inhrelid)))
  FROM pg_inherits WHERE inhparent = 'audit_log'::regclass;
SELECT 'raw_audit: ' || pg_size_pretty(pg_total_relation_size('raw_audit'));
SQL
log "results in bench/out/audit-results.jsonl (run $RUN)"
