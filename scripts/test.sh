#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Perch and runs every test suite:
#   1. unit tests (GoogleTest via CTest) in the normal build,
#   2. the same unit tests built with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. black-box HTTP tests (pytest) against build/perch.
# Ends with one line "N passed, N failed, N skipped" summing every suite; exits non-zero if any
# suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
reports="$root/build/test-reports"
# Debian's interpreter has python3-pytest/python3-requests; a pyenv python3 earlier on PATH may not.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$reports"
mkdir -p "$reports"
status=0

echo "== build (at ${SECONDS}s)"
if ! bash scripts/build.sh build; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

echo "== unit tests (at ${SECONDS}s)"
(cd build && ctest --output-on-failure -j2 --timeout 300 --output-junit "$reports/unit.xml") || status=1

if [ "${PERCH_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== unit tests under ASan+UBSan (at ${SECONDS}s)"
  if cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPERCH_SANITIZE=ON >/dev/null &&
     cmake --build build-asan -j2; then
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --output-on-failure -j2 --timeout 600 --output-junit "$reports/asan.xml") || status=1
  else
    echo "sanitizer build failed"; status=1
    echo '<testsuite tests="1" failures="1"/>' > "$reports/asan-build.xml"
  fi
fi

if [ "${PERCH_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== storage concurrency under ThreadSanitizer (at ${SECONDS}s)"
  if ! PERCH_TSAN_REPORTS="$reports" bash scripts/tsan.sh; then
    status=1
    echo '<testsuite tests="1" failures="1"><testcase classname="tsan" name="storage_under_tsan"><failure message="build failed, a test failed or ThreadSanitizer reported; see log"/></testcase></testsuite>' > "$reports/tsan-failed.xml"
  fi
fi

echo "== SQL results against ClickHouse 18.16 (at ${SECONDS}s)"
oracle_suite() {  # name command... : runs a check and records it as one JUnit case
  local name="$1"; shift
  if "$@"; then
    echo "<testsuite tests=\"1\"><testcase classname=\"clickhouse\" name=\"$name\"/></testsuite>" > "$reports/ch-$name.xml"
  else
    status=1
    echo "<testsuite tests=\"1\"><testcase classname=\"clickhouse\" name=\"$name\"><failure message=\"see log\"/></testcase></testsuite>" > "$reports/ch-$name.xml"
  fi
}
oracle_suite sqllogic_check_unit "$PYTHON" tests/clickhouse/sqllogic_check_test.py  # no server needed
if bash tests/clickhouse/start_clickhouse.sh; then
  oracle_suite sqllogic_files "$PYTHON" tests/clickhouse/sqllogic_check.py
  oracle_suite differential "$PYTHON" tests/clickhouse/differential_test.py --oracle build/sql_oracle
  bash tests/clickhouse/start_clickhouse.sh stop || true
else
  oracle_suite clickhouse_start false
fi

echo "== fuzzers (bounded time) (at ${SECONDS}s)"
for fuzzer in template_fuzzer jwt_fuzzer; do
  if FUZZ_SECONDS="${FUZZ_SECONDS:-30}" bash tests/fuzz/run_fuzzers.sh "$fuzzer"; then
    echo "<testsuite tests=\"1\"><testcase classname=\"fuzz\" name=\"$fuzzer\"/></testsuite>" > "$reports/fuzz-$fuzzer.xml"
  else
    status=1
    echo "<testsuite tests=\"1\"><testcase classname=\"fuzz\" name=\"$fuzzer\"><failure message=\"fuzzer failed\"/></testcase></testsuite>" > "$reports/fuzz-$fuzzer.xml"
  fi
done

echo "== end-to-end tests (at ${SECONDS}s)"
"$PYTHON" -m pytest -q tests/e2e --junitxml="$reports/e2e.xml" -p no:cacheprovider || status=1
if [ -x build-asan/perch ]; then
  echo "== end-to-end tests against the ASan+UBSan server"
  PERCH_BINARY="$root/build-asan/perch" ASAN_OPTIONS=detect_leaks=1 \
    "$PYTHON" -m pytest -q tests/e2e --junitxml="$reports/e2e-asan.xml" -p no:cacheprovider -o junit_suite_name=e2e_asan || status=1
fi

echo "== crash test: SIGKILL during wait=true ingestion (at ${SECONDS}s)"
if "$PYTHON" tests/crash/crash_test.py --binary build/perch --cycles 20 --time-budget 120; then
  echo '<testsuite tests="1"><testcase classname="crash" name="sigkill_cycles"/></testsuite>' > "$reports/crash.xml"
else
  status=1
  echo '<testsuite tests="1"><testcase classname="crash" name="sigkill_cycles"><failure message="acknowledged rows lost or duplicated"/></testcase></testsuite>' > "$reports/crash.xml"
fi

echo "== fault injection: write/fsync failures through an LD_PRELOAD shim (at ${SECONDS}s)"
"$PYTHON" -m pytest -q tests/fault --junitxml="$reports/fault.xml" -p no:cacheprovider -o junit_suite_name=fault || status=1

echo "== JavaScript client (at ${SECONDS}s)"
JUNIT_XML="$reports/js-client.xml" bash clients/js/run-tests.sh || status=1
echo "== dashboard in Chromium (at ${SECONDS}s)"
JUNIT_XML="$reports/browser.xml" bash tests/browser/run-tests.sh || status=1

echo "== all suites finished (at ${SECONDS}s)"
"$PYTHON" scripts/summarize_tests.py "$reports"/*.xml || status=1
exit $status
