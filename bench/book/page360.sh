#!/usr/bin/env bash
# The customer 360 page itself (`GET /customers/{id}`, the whole page drawn) with and without a book behind it,
# per backend, in one run (issue 14: "the 360 page's holdings and AUM line stay within the 360 page's current
# p99"). Per backend on a fresh database: `banyan demo --customers $CUSTOMERS` (every customer encrypted as
# Banyan writes it; the demo gives the first 200 a book — accounts, holdings with their snapshots, a year of
# transactions); `banyan serve`; then bench/book/page360.py: the customers with a book and as many verified
# customers without, each set under $CLIENTS closed-loop clients for $DURATION s. Figures: docs/benchmarks.md.
#
#   SKIP_BUILD=1 bench/book/page360.sh            # settings: CUSTOMERS=1000 CLIENTS=8 DURATION=20 BACKENDS="sqlite pg"
#   WITH_FIRST=1 SKIP_BUILD=1 bench/book/page360.sh   # the customers with a book measured first (order effects)
#   BEFORE=/path/to/banyan SKIP_BUILD=1 bench/book/page360.sh
#       # and the page of a binary built from before the book (4fab1a7, the tree issue 14 was filed against) in the
#       # same run: "the 360 page's current p99" read against the page as it was, on the same machine at the same time
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CUSTOMERS=${CUSTOMERS:-1000}
CLIENTS=${CLIENTS:-8}
DURATION=${DURATION:-20}
BACKENDS=${BACKENDS:-"sqlite pg"}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BANYAN=${BANYAN:-$CARGO_TARGET_DIR/release/banyan}
PT=(python3 "$ROOT/bench/policy/tools.py")
RUN_ID=page360-$(date -u +%Y%m%dT%H%M%SZ)
LOGS=$ROOT/bench/out/$RUN_ID
mkdir -p "$LOGS"
WORK=$(mktemp -d /tmp/banyan-page360.XXXXXX)
chmod 755 "$WORK"
export BANYAN_MASTER_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
PAGE_PASSWORD=banyan-demo-2026   # the demo's staff password
export PAGE_PASSWORD
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
PG_UP=""
cleanup() {
    [[ -n "$PG_UP" ]] && sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
if [[ -z "${SKIP_BUILD:-}" ]]; then (cd "$ROOT" && cargo build --release -q -p banyan); fi
{ echo "banyan binary: $BANYAN (built $(date -u -r "$BANYAN" +%Y-%m-%dT%H:%M:%SZ))"
  git -C "$ROOT" log -1 --format='work tree HEAD at run start: %H %s' 2>/dev/null || true
  if [[ -n "${BEFORE:-}" ]]; then echo "before the book: $BEFORE (built $(date -u -r "$BEFORE" +%Y-%m-%dT%H:%M:%SZ))"; fi
} >"$LOGS/version.txt"

uuid_sql="lower(substr(hex(id),1,8)||'-'||substr(hex(id),9,4)||'-'||substr(hex(id),13,4)||'-'||substr(hex(id),17,4)||'-'||substr(hex(id),21))"
# One binary on one backend: a demo on a fresh database, the two sets of customers, `banyan serve`, the page measured.
# $1 backend, $2 binary, $3 "now" (the page with and without a book) or "before" (a binary from before the book:
# 200 verified customers, none of whom can have a book).
measure() {
    local BACKEND=$1 BIN=$2 MODE=$3
    local DIR="$WORK/$BACKEND-$MODE" DB="page360_$MODE" LISTS="$WORK/$BACKEND-$MODE"
    mkdir -p "$DIR"
    unset BANYAN_DATABASE_URL
    if [[ "$BACKEND" == pg ]]; then
        "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $DB" >/dev/null
        export BANYAN_DATABASE_URL="postgres://postgres@127.0.0.1:$port/$DB"
    fi
    log "$BACKEND ($MODE): $BIN demo --customers $CUSTOMERS (untimed)"
    "$BIN" demo --data-dir "$DIR" --customers "$CUSTOMERS" >"$LOGS/demo-$BACKEND-$MODE.log" 2>&1
    local q
    if [[ "$BACKEND" == pg ]]; then
        q() { "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d "$DB" -At -c "$1"; }
    else
        q() { sqlite3 "$DIR/banyan.db" "$1"; }
    fi
    local ID=id CID=customer_id
    [[ "$BACKEND" == sqlite ]] && ID=$uuid_sql CID=$(echo "$uuid_sql" | sed 's/(id)/(customer_id)/g')
    if [[ "$MODE" == now ]]; then
        q "SELECT DISTINCT $CID FROM accounts" >"$LISTS.with"
        n=$(wc -l <"$LISTS.with")
        q "SELECT $ID FROM customers WHERE status = 'verified' AND id NOT IN (SELECT customer_id FROM accounts) ORDER BY customer_no LIMIT $n" >"$LISTS.without"
    else
        q "SELECT $ID FROM customers WHERE status = 'verified' ORDER BY customer_no LIMIT 200" >"$LISTS.without"
        cp "$LISTS.without" "$LISTS.with"
    fi
    sport=$("${PT[@]}" free-port)
    (exec env BANYAN_LOG_LEVEL=warn "$BIN" serve --data-dir "$DIR" --listen "127.0.0.1:$sport" >"$LOGS/serve-$BACKEND-$MODE.log" 2>&1) &
    pid=$!
    for _ in $(seq 1 300); do
        if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "http://127.0.0.1:$sport/readyz" 2>/dev/null; then break; fi
        sleep 0.2
    done
    log "$BACKEND ($MODE): the 360 page, $(wc -l <"$LISTS.with") customers with a book and as many without, $CLIENTS clients, $DURATION s each"
    local extra=()
    [[ -n "${WITH_FIRST:-}" ]] && extra+=(--with-first)
    [[ "$MODE" == before ]] && extra+=(--before)
    python3 "$HERE/page360.py" --base "http://127.0.0.1:$sport" --user risk1 --password-env PAGE_PASSWORD \
        --with-book "$LISTS.with" --without "$LISTS.without" --clients "$CLIENTS" \
        --duration "$DURATION" "${extra[@]}" | sed "s/^{/{\"label\": \"$RUN_ID\", \"backend\": \"$BACKEND\", /" | tee -a "$LOGS/results.jsonl"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

for BACKEND in $BACKENDS; do
    if [[ "$BACKEND" == pg && -z "$PG_UP" ]]; then
        port=$("${PT[@]}" free-port)
        mkdir -p "$WORK/pg/run" && chown -R postgres: "$WORK/pg"
        sudo -u postgres "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth-host=trust --auth-local=trust >/dev/null
        printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nshared_buffers = 1GB\n" \
            "$port" "$WORK/pg/run" >>"$WORK/pg/data/postgresql.conf"
        sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w start >/dev/null
        PG_UP=1
    fi
    # The binary from before the book (BEFORE=path) first or last, alternating with WITH_FIRST, so that neither
    # always has the warmer machine.
    if [[ -n "${BEFORE:-}" && -z "${WITH_FIRST:-}" ]]; then measure "$BACKEND" "$BEFORE" before; fi
    measure "$BACKEND" "$BANYAN" now
    if [[ -n "${BEFORE:-}" && -n "${WITH_FIRST:-}" ]]; then measure "$BACKEND" "$BEFORE" before; fi
done
log "results: $LOGS/results.jsonl"
