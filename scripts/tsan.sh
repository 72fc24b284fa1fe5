#!/usr/bin/env bash
# Builds the storage unit tests with ThreadSanitizer (gcc -fsanitize=thread) in build-tsan and runs
# them; any data race, lock-order inversion or other TSan report fails the run. The storage tests
# include tests/unit/storage/concurrency_tsan_test.cpp (appends of both durabilities, flushes,
# merges, truncates and snapshot reads on one durable table with the background thread on).
#
# Only the needed targets are built (perch_types, perch_common, perch_storage, storage_test), so
# the stage stays a few minutes on 2 cores. `--with-sql` also builds and runs sql_test (the whole
# executor under TSan: parallel scans and aggregations; several more minutes of compiling).
#
# Usage: scripts/tsan.sh [--with-sql]
# Environment: PERCH_TSAN_DIR (default build-tsan), PERCH_TSAN_REPORTS (a folder for GoogleTest's
# JUnit-style XML, as scripts/test.sh collects), PERCH_JOBS (default 2).
# Exit status: 0 clean, 1 a test failed or TSan reported, 2 the build failed.
set -uo pipefail
cd "$(dirname "$0")/.."
dir="${PERCH_TSAN_DIR:-build-tsan}"
jobs="${PERCH_JOBS:-2}"
targets=(storage_test)
[ "${1:-}" = "--with-sql" ] && targets+=(sql_test)

flags="-fsanitize=thread -fno-omit-frame-pointer -O1 -g"
if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" \
       -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" >/dev/null; then
  echo "tsan: cmake configure failed" >&2; exit 2
fi
if ! nice -n 5 cmake --build "$dir" -j"$jobs" --target "${targets[@]}"; then
  echo "tsan: build failed" >&2; exit 2
fi

# halt_on_error: the first report stops the binary with exit code 66, so nothing is missed even if
# the test itself would pass.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 history_size=4 ${TSAN_OPTIONS:-}"
status=0
for target in "${targets[@]}"; do
  xml=()
  [ -n "${PERCH_TSAN_REPORTS:-}" ] && xml=(--gtest_output="xml:${PERCH_TSAN_REPORTS}/tsan-${target}.xml")
  echo "tsan: running $target"
  if ! "$dir/$target" "${xml[@]}" --gtest_brief=1; then
    echo "tsan: $target failed (a test failed or ThreadSanitizer reported; see above)" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "tsan: clean"
exit $status
