#!/usr/bin/env bash
# Installs every Debian package Perch needs to build, test and run its demo on a fresh
# Debian 12 (bookworm) machine. Idempotent: running it twice is harmless.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ cmake make git pkg-config ca-certificates curl openssl
  # C++ dependencies (see docs/architecture.md for why each one is here)
  libboost-dev          # Asio + Beast (header-only) for the HTTP server
  libssl-dev            # HMAC-SHA256 for JWTs, random bytes for tokens
  libsimdjson-dev       # NDJSON ingestion and JWT payload parsing
  zlib1g-dev            # gzip request/response bodies, CRCs
  liblz4-dev libzstd-dev  # compressed column blocks in parts
  libre2-dev            # regular expressions in SQL (match, extract, replaceRegexp*), as ClickHouse
  tzdata                # named time zones in SQL (formatDateTime(t, f, 'Europe/Berlin')), /usr/share/zoneinfo
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev   # libFuzzer targets (tests/fuzz)
  # tests and demo
  python3 python3-pytest python3-requests
  # the SQL oracle: results are compared with a real ClickHouse (tests/clickhouse)
  clickhouse-server clickhouse-client
  # HTTP load generator for the endpoint benchmark (bench/endpoint_load.sh)
  wrk
  # browser test of the demo dashboard (tests/browser)
  chromium fonts-liberation
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Node.js for the TypeScript client and the dashboard. Debian's nodejs/npm only where no node is
# installed: a newer Node (e.g. from NodeSource, which bundles npm) must not be downgraded.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
fi
echo "setup: all packages present"
