# Sourced by the bench scripts that need one throwaway PostgreSQL 15 and nothing else (bench/audit,
# bench/months): installs sudo if missing (PostgreSQL refuses root), then `throwaway_pg SHARED_BUFFERS`
# makes a cluster in $WORK/data, starts it on a free port of 127.0.0.1, creates the database `banyan` and
# sets PORT and DATABASE_URL; it is stopped (and $WORK removed unless KEEP_WORK=1) when the script exits.
# Wants PGBIN, WORK and a `log` function.

if ! command -v sudo >/dev/null; then
    apt-get update -qq && apt-get install -y -qq sudo >/dev/null
fi

throwaway_pg_stop() {
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
    if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; fi
}

throwaway_pg() {
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    chown postgres "$WORK"
    trap throwaway_pg_stop EXIT
    log "PostgreSQL 15 on 127.0.0.1:$PORT ($WORK)"
    sudo -u postgres "$PGBIN/initdb" -D "$WORK/data" -E UTF8 --locale=C.UTF-8 -U postgres \
        --auth-local=trust --auth-host=trust >"$WORK/initdb.log" 2>&1
    cat >>"$WORK/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
shared_buffers = $1
max_wal_size = 8GB
checkpoint_timeout = 15min
CONF
    sudo -u postgres "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w -t 60 start >/dev/null
    sudo -u postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres banyan
    DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/banyan"
}
