#!/usr/bin/env bash
# `make demo`: generate the Baiyun demo district and serve it.
# Usage: scripts/demo.sh WANGGE_BINARY DB LISTEN
# Uses the real district outline from ../shared/data when it is there,
# otherwise wangge's built-in approximation of it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/wangge}
DB=${2:-demo.db}
LISTEN=${3:-127.0.0.1:8080}
OUTLINE=${WANGGE_OUTLINE:-../shared/data/baiyun-440111-outline.geojson}

rm -f "$DB" "$DB-wal" "$DB-shm"
echo "demo: building the district, its staff and a year of grid events (~259,000; under a minute)"
if [ -f "$OUTLINE" ]; then
  echo "demo: using the real district outline $OUTLINE (GCJ-02)"
  "$BIN" demo --db "$DB" --outline "$OUTLINE" --crs gcj02
else
  echo "demo: using the built-in approximate district outline"
  "$BIN" demo --db "$DB"
fi
echo
echo "wangge is starting at http://$LISTEN/  (Ctrl-C stops it)"
echo "log in as admin / Wangge@2026, or any demo log-in listed above (demo only)"
echo
exec "$BIN" serve --db "$DB" --listen "$LISTEN" --web web --access-log off
