#!/usr/bin/env bash
# Endpoint load test (issue 4): the JWT-authenticated per-tenant endpoint `tenant_daily` under wrk
# (Debian package `wrk`, installed by scripts/setup.sh) on the benchmark dataset (default 10M rows,
# loaded into Perch and ClickHouse once by bench/bench_systems.py). Prints requests/s and p50/p99.
#
# Usage: bench/endpoint_load.sh [--rows 10000000] [--duration 20] [--connections 16] [--threads 2]
#                               [--tenants 50] [--binary build/perch]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "endpoint_load: wrk is not installed (apt-get install wrk, or scripts/setup.sh)" >&2; exit 2; }
exec /usr/bin/python3 bench/endpoint_load.py "$@"
