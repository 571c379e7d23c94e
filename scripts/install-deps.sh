#!/usr/bin/env bash
# Install what wangge needs to build, test and run its demo, and nothing else.
# Idempotent: checks first, so it takes a moment when everything is present.
# Debian packages via apt-get (run as root, or with sudo available);
# front-end and test packages via `npm ci` from the committed package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake ninja-build pkg-config
      libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libinih-dev
      libxlsxwriter-dev zlib1g-dev libgeos-dev libcmocka-dev
      libpq-dev postgresql postgresql-client sqlite3
      nodejs chromium fonts-noto-cjk wrk nginx-light curl)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# nodejs may come from another Debian-compatible source; accept any node >= 20.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's node package may not ship npm
  command -v npm >/dev/null 2>&1 || $SUDO apt-get install -y -qq npm >/dev/null
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
