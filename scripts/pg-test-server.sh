#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the test suite and benchmarks.
#   scripts/pg-test-server.sh start [DIR] [PORT]   prints the admin URL
#   scripts/pg-test-server.sh stop  [DIR]
# Uses Debian's postgresql package (scripts/install-deps.sh installs it).
# As root the cluster runs as the 'postgres' user; otherwise as you.
set -euo pipefail
cmd=${1:-start}
DIR=${2:-${WANGGE_PG_DIR:-/tmp/wangge-pg}}
PORT=${3:-${WANGGE_PG_PORT:-55432}}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/pg_ctl" ] || { echo "pg-test-server: PostgreSQL server binaries not found" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if [ -f "$DIR/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
    exit 0
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
  as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB" \
    start >/dev/null
  echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
  ;;
stop)
  [ -d "$DIR/data" ] && as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
  ;;
restart)
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w restart \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB" >/dev/null
  ;;
*)
  echo "usage: $0 start|stop|restart [DIR] [PORT]" >&2
  exit 1
  ;;
esac
