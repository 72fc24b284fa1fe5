#!/usr/bin/env bash
# Configures and builds Perch into build/ (the binary ends up at build/perch).
#   scripts/build.sh [build-dir] [extra cmake args...]     (env: PERCH_BUILD_TARGET, PERCH_JOBS)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="${PERCH_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
# PERCH_BUILD_TARGET=perch builds just the server binary (the demo does not need the tests).
cmake --build "$dir" -j"${PERCH_JOBS:-2}" ${PERCH_BUILD_TARGET:+--target "$PERCH_BUILD_TARGET"}
