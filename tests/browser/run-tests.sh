#!/usr/bin/env bash
# Browser end-to-end test of the demo dashboard: installs the npm dependencies of clients/js,
# examples/dashboard and tests/browser (npm ci, from their package-lock.json files), builds the
# client (tsc) and the app (tsc --noEmit + vite build), then runs dashboard.spec.mjs with Node's
# test runner; the spec starts Perch, the dev token server (serving the built app) and Debian's
# Chromium through playwright-core. Screenshots go to build/screenshots/.
# Prints a final "N passed, N failed" line; exit status 0 only when everything passed.
# Needs: Node.js >= 20 with npm, python3, Debian's chromium (/usr/bin/chromium or $CHROMIUM_PATH),
# and a built build/perch (or $PERCH_BINARY).
# JUNIT_XML=path also writes a JUnit report there (a failing one if the run could not start).
set -uo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"
export PERCH_BINARY="${PERCH_BINARY:-$ROOT/build/perch}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

fail() {
  echo "run-tests.sh: $*" >&2
  if [ -n "${JUNIT_XML:-}" ]; then
    mkdir -p "$(dirname "$JUNIT_XML")"
    printf '<testsuite name="tests/browser" tests="1" failures="1"><testcase classname="tests/browser" name="setup"><failure message="%s"/></testcase></testsuite>\n' "$(echo "$*" | sed 's/[<>&"]/_/g')" > "$JUNIT_XML"
  fi
  echo "0 passed, 1 failed"
  exit 1
}

# Skipped (not failed) where the machine cannot run it: Debian 12's own Node.js is 18, and
# playwright-core needs 20. The JS client's own tests still run on 18.
skip() {
  echo "run-tests.sh: SKIPPED: $*" >&2
  if [ -n "${JUNIT_XML:-}" ]; then
    mkdir -p "$(dirname "$JUNIT_XML")"
    printf '<testsuite name="tests/browser" tests="1" skipped="1"><testcase classname="tests/browser" name="dashboard"><skipped message="%s"/></testcase></testsuite>\n' "$(echo "$*" | sed 's/[<>&"]/_/g')" > "$JUNIT_XML"
  fi
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}

command -v node >/dev/null || fail "node not found (apt-get install -y nodejs npm)"
command -v npm >/dev/null || fail "npm not found"
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || skip "Node.js >= 20 needed (playwright-core), found $(node --version)"
[ -x "$CHROMIUM_PATH" ] || fail "$CHROMIUM_PATH missing (apt-get install -y chromium)"
[ -x "$PERCH_BINARY" ] || fail "$PERCH_BINARY missing: build Perch first (bash scripts/build.sh build)"

start=$(date +%s)
npm_ci() { (cd "$1" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in $1"; }
npm_ci "$ROOT/clients/js"
(cd "$ROOT/clients/js" && npm run --silent build) || fail "building clients/js failed"
npm_ci "$ROOT/examples/dashboard"
(cd "$ROOT/examples/dashboard" && npm run --silent build) || fail "building examples/dashboard failed"
npm_ci "$ROOT/tests/browser"
echo "tests/browser: dependencies and builds took $(( $(date +%s) - start )) s"

log="$(mktemp)"
junit=()
[ -n "${JUNIT_XML:-}" ] && mkdir -p "$(dirname "$JUNIT_XML")" && junit=(--test-reporter=junit --test-reporter-destination="$JUNIT_XML")
node --test --test-reporter=spec --test-reporter-destination=stdout "${junit[@]}" dashboard.spec.mjs 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed="$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log" | tail -1)"
failed="$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -1)"
cancelled="$(sed -n 's/^ℹ cancelled \([0-9]*\)$/\1/p' "$log" | tail -1)"
rm -f "$log"
passed=${passed:-0}
failed=$(( ${failed:-0} + ${cancelled:-0} ))
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
[ "$passed" -eq 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "tests/browser: $(( $(date +%s) - start )) s in all; screenshots in $ROOT/build/screenshots/"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
