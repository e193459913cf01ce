#!/usr/bin/env bash
# A PostgreSQL cluster with automatic failover on this machine, for trying and testing Banyan's failover:
# a pg_auto_failover monitor, a primary and a standby with synchronous streaming replication.
#
#   scripts/ha/cluster.sh start     # monitor :56000, node1 :56001 (primary), node2 :56002 (standby)
#   scripts/ha/cluster.sh state     # who is primary
#   scripts/ha/cluster.sh uri       # the multi-host URL Banyan connects with
#   scripts/ha/cluster.sh kill N    # SIGKILL node N's keeper and PostgreSQL (a server that dies)
#   scripts/ha/cluster.sh stop      # stop everything and remove the directory
#
# Needs Debian's postgresql-15 and postgresql-15-auto-failover (installed here when missing, as root).
# Runs as the `postgres` user (PostgreSQL refuses root). Trust authentication and no TLS on localhost:
# this is a test bench; docs/operations.md shows a production setting (scram-sha-256, TLS, three hosts).
set -euo pipefail

BASE=${HA_DIR:-/tmp/banyan-ha}
PORT0=${HA_PORT:-56000}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DB=${HA_DB:-banyan}

as_pg() {
  if [ "$(id -un)" = postgres ]; then
    env "$@"
  else
    sudo -u postgres env "$@"
  fi
}

ctl() {
  as_pg HOME="$BASE" XDG_CONFIG_HOME="$BASE/config" XDG_DATA_HOME="$BASE/share" \
    XDG_RUNTIME_DIR="$BASE/run" PATH="$PGBIN:$PATH" pg_autoctl "$@"
}

install() {
  if ! command -v pg_autoctl >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get install -y -q postgresql-15-auto-failover pg-auto-failover-cli >/dev/null
    else
      echo "pg_autoctl missing: apt-get install postgresql-15-auto-failover pg-auto-failover-cli" >&2
      exit 1
    fi
  fi
}

wait_state() { # node, state
  for _ in $(seq 1 240); do
    if ctl show state --pgdata "$BASE/monitor" 2>/dev/null | grep -E "^ *$1 " | grep -q " $2 *| *$2"; then
      return 0
    fi
    sleep 0.5
  done
  echo "node $1 did not reach $2:" >&2
  ctl show state --pgdata "$BASE/monitor" >&2 || true
  exit 1
}

start_node() { # name, port
  local dir="$BASE/$1"
  ctl create postgres --pgdata "$dir" --pgport "$2" --hostname localhost --name "$1" \
    --auth trust --no-ssl --dbname "$DB" --pgctl "$PGBIN/pg_ctl" \
    --monitor "$(cat "$BASE/monitor.uri")" >"$BASE/$1.create.log" 2>&1
  as_pg HOME="$BASE" XDG_CONFIG_HOME="$BASE/config" XDG_DATA_HOME="$BASE/share" XDG_RUNTIME_DIR="$BASE/run" \
    PATH="$PGBIN:$PATH" setsid nohup pg_autoctl run --pgdata "$dir" >"$BASE/$1.log" 2>&1 &
}

case "${1:-}" in
  start)
    install
    if [ -e "$BASE" ]; then echo "$BASE exists: stop first" >&2; exit 1; fi
    mkdir -p "$BASE"/{config,share,run}
    chown -R postgres:postgres "$BASE" 2>/dev/null || true
    chmod 700 "$BASE/run"
    ctl create monitor --pgdata "$BASE/monitor" --pgport "$PORT0" --hostname localhost \
      --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" >"$BASE/monitor.create.log" 2>&1
    as_pg HOME="$BASE" XDG_CONFIG_HOME="$BASE/config" XDG_DATA_HOME="$BASE/share" XDG_RUNTIME_DIR="$BASE/run" \
      PATH="$PGBIN:$PATH" setsid nohup pg_autoctl run --pgdata "$BASE/monitor" >"$BASE/monitor.log" 2>&1 &
    for _ in $(seq 1 120); do
      if ctl show uri --pgdata "$BASE/monitor" --formation monitor >"$BASE/monitor.uri" 2>/dev/null && [ -s "$BASE/monitor.uri" ]; then break; fi
      sleep 0.5
    done
    # The monitor's timings (pg_auto_failover's defaults: a health check every 5 s, unhealthy after 20 s, a
    # dead primary waited on for 30 s before its standby is promoted: about 55 s without writes here). On
    # one machine's loopback a node that stops answering is dead; HA_DEFAULT_TIMINGS=1 keeps the defaults.
    # On a real network keep them above the longest pause the network or a busy host can make, or the
    # monitor fails over a primary that was only slow.
    for _ in $(seq 1 120); do
      "$PGBIN/pg_isready" -q -h localhost -p "$PORT0" && break
      sleep 0.5
    done
    if [ -z "${HA_DEFAULT_TIMINGS:-}" ]; then
      for setting in health_check_period=1s health_check_timeout=1s health_check_retry_delay=1s \
        node_considered_unhealthy_timeout=5s primary_demote_timeout=5s; do
        as_pg PATH="$PGBIN:$PATH" psql -q -h localhost -p "$PORT0" -d pg_auto_failover -U postgres \
          -c "ALTER SYSTEM SET pgautofailover.${setting%%=*} = '${setting#*=}'"
      done
      as_pg PATH="$PGBIN:$PATH" psql -q -h localhost -p "$PORT0" -d pg_auto_failover -U postgres \
        -c "SELECT pg_reload_conf()" >/dev/null
    fi
    start_node node1 $((PORT0 + 1))
    wait_state node1 single
    start_node node2 $((PORT0 + 2))
    wait_state node2 secondary
    wait_state node1 primary
    "$0" uri
    ;;
  state)
    ctl show state --pgdata "$BASE/monitor"
    ;;
  uri)
    echo "postgres://postgres@localhost:$((PORT0 + 1)),localhost:$((PORT0 + 2))/$DB?target_session_attrs=read-write"
    ;;
  kill)
    # The whole node dies at once: its keeper's process group (the keeper, the supervisor that would start
    # PostgreSQL again, PostgreSQL itself), then the postmaster in case it left the group.
    n=${2:?node number}
    pid=$(pgrep -u postgres -f "pg_autoctl run --pgdata $BASE/node$n\$" | head -1 || true)
    [ -n "$pid" ] && kill -9 -- "-$pid" 2>/dev/null || true
    pm=$(head -1 "$BASE/node$n/postmaster.pid" 2>/dev/null || true)
    [ -n "$pm" ] && kill -9 "$pm" 2>/dev/null || true
    ;;
  stop)
    # pg_autoctl's supervisors rename themselves ("pg_autoctl: start/stop postgres"): every pg_autoctl of the
    # postgres user goes (this bench is the only user of pg_auto_failover on a test machine).
    pkill -9 -u postgres -f pg_autoctl || true
    pkill -9 -u postgres -f "postgres -D $BASE" || true
    for d in "$BASE"/monitor "$BASE"/node*; do
      pid=$(head -1 "$d/postmaster.pid" 2>/dev/null || true)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    done
    sleep 0.5
    rm -rf "$BASE"
    ;;
  *)
    sed -n '2,12p' "$0"
    exit 2
    ;;
esac
