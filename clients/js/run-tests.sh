#!/usr/bin/env bash
# Installs @perch/client's npm dependencies (npm ci, from package-lock.json), builds it with tsc,
# type-checks the tests and runs them with Vitest against a real Perch that the tests start
# (build/perch, or $PERCH_BINARY). Prints a final "N passed, N failed" line; exit status 0 only
# when everything passed.
# Needs: Node.js >= 18 with npm, python3 (the demo data generator), a built build/perch.
# JUNIT_XML=path also writes a JUnit report there (a failing one if the run could not start).
set -uo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"
export PERCH_BINARY="${PERCH_BINARY:-$ROOT/build/perch}"

fail() {
  echo "run-tests.sh: $*" >&2
  if [ -n "${JUNIT_XML:-}" ]; then
    mkdir -p "$(dirname "$JUNIT_XML")"
    printf '<testsuite name="clients/js" tests="1" failures="1"><testcase classname="clients/js" name="setup"><failure message="%s"/></testcase></testsuite>\n' "$(echo "$*" | sed 's/[<>&"]/_/g')" > "$JUNIT_XML"
  fi
  echo "0 passed, 1 failed"
  exit 1
}

command -v node >/dev/null || fail "node not found (apt-get install -y nodejs npm)"
command -v npm >/dev/null || fail "npm not found (apt-get install -y npm)"
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 18 ] || fail "Node.js >= 18 needed, found $(node --version)"
[ -x "$PERCH_BINARY" ] || fail "$PERCH_BINARY missing: build Perch first (bash scripts/build.sh build)"

start=$(date +%s)
npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
npm run --silent build || fail "tsc build failed"
npm run --silent typecheck || fail "type check of the tests failed"
[ -f dist/index.js ] && [ -f dist/index.d.ts ] && [ -f dist/react.js ] && [ -f dist/react.d.ts ] || fail "dist/ incomplete"

results="$(mktemp)"
junit=()
[ -n "${JUNIT_XML:-}" ] && mkdir -p "$(dirname "$JUNIT_XML")" && junit=(--reporter=junit --outputFile.junit="$JUNIT_XML")
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "${junit[@]}"
status=$?
counts="$(node -e '
  const fs = require("fs");
  let r = {};
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {}
  const passed = r.numPassedTests ?? 0;
  let failed = r.numFailedTests ?? 0;
  if (!r.numTotalTests) failed = Math.max(failed, 1);  // nothing ran (e.g. globalSetup failed)
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  process.stdout.write(`${passed} ${failed} ${skipped}`);
' "$results")"
rm -f "$results"
read -r passed failed skipped <<<"$counts"
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "clients/js: $(( $(date +%s) - start )) s"
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
