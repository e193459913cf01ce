#!/usr/bin/env bash
# Failover under write load, end to end on this machine (docs/benchmarks.md "A standby that takes over"):
# a pg_auto_failover monitor, primary and synchronous standby (scripts/ha/cluster.sh), two Banyan nodes on
# the multi-host URL, writers through both; the primary is killed after BEFORE seconds. Prints the figures
# of bench/ha/failover.py and exits non-zero if an acknowledged write was lost or a key answered twice.
#
#   bench/ha/run.sh                      # builds the release binary if missing
#   EXE=target/debug/banyan bench/ha/run.sh   # (BANYAN_* variables are Banyan's own settings)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${EXE:-$ROOT/target/release/banyan}
[ -x "$BIN" ] || cargo build --release -p banyan
OUT=${OUT:-$(mktemp -d /tmp/banyan-ha-run.XXXX)}
mkdir -p "$OUT"
export BANYAN_MASTER_KEY=${BANYAN_MASTER_KEY:-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}
export BANYAN_LOG_LEVEL=warn BANYAN_NIGHTLY_EVALUATION=""
PGBIN_DIR=${PGBIN:-/usr/lib/postgresql/15/bin}

scripts/ha/cluster.sh stop >/dev/null 2>&1 || true
scripts/ha/cluster.sh start >/dev/null
trap 'kill $(jobs -p) 2>/dev/null; scripts/ha/cluster.sh stop >/dev/null 2>&1 || true' EXIT
export BANYAN_DATABASE_URL=$(scripts/ha/cluster.sh uri)
echo "database: $BANYAN_DATABASE_URL"
"$BIN" --data-dir "$OUT/a" migrate
echo "a-long-password" | "$BIN" --data-dir "$OUT/a" user add --username rm1 --role relationship_manager \
  --branch BR0001 --password-stdin >/dev/null
"$BIN" --data-dir "$OUT/a" serve --listen 127.0.0.1:8091 >"$OUT/a.log" 2>&1 &
"$BIN" --data-dir "$OUT/b" serve --listen 127.0.0.1:8092 >"$OUT/b.log" 2>&1 &
for port in 8091 8092; do
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
done
python3 bench/ha/failover.py --nodes http://127.0.0.1:8091,http://127.0.0.1:8092 \
  --kill-cmd "scripts/ha/cluster.sh kill 1" \
  --count-cmd "$PGBIN_DIR/psql '$BANYAN_DATABASE_URL' -Atc 'SELECT count(*) FROM customers'" --before "${BEFORE:-10}" --after "${AFTER:-60}"
scripts/ha/cluster.sh state
