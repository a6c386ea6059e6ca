#!/usr/bin/env bash
# A plain `k6 run k6/load.js` from the repository's top folder leaves its
# summary JSON under results/ (git-ignored), not in the work tree (issue
# 22). k6 is not installed here, so k6/summary.js runs under node with the
# two k6 modules it imports stubbed, and writeSummary's answer (k6's
# handleSummary map: output name -> content) is read back. SUMMARY_FILE
# still wins, as scripts/bench passes it.
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
PROG=test_k6_summary
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

command -v node >/dev/null || {
  fail "node installed" "install the 'nodejs' package"
  tests_done
}

# Stubs of k6 and k6/metrics, as node packages beside the copied script.
mkdir -p "$TMP/node_modules/k6"
cat >"$TMP/node_modules/k6/package.json" <<'JSON'
{"name": "k6", "type": "module", "exports": {".": "./index.js", "./metrics": "./metrics.js"}}
JSON
echo 'export function check() { return true; }' >"$TMP/node_modules/k6/index.js"
echo 'export class Counter { add() {} }' >"$TMP/node_modules/k6/metrics.js"
cp "$ROOT/k6/summary.js" "$TMP/summary.mjs"
cat >"$TMP/run.mjs" <<'JS'
globalThis.__ENV = process.env.SUMMARY_FILE ? { SUMMARY_FILE: process.env.SUMMARY_FILE } : {};
const { writeSummary } = await import('./summary.mjs');
const data = { metrics: {}, state: { testRunDurationMs: 1000 } };
console.log(Object.keys(writeSummary(data, process.argv[2], {})).sort().join(' '));
JS

# usage: outputs SCENARIO [SUMMARY_FILE]: the names writeSummary writes to
outputs() { (cd "$TMP" && SUMMARY_FILE=${2:-} node run.mjs "$1" 2>&1); }

check_eq "seed summary goes to results/" "results/seed-summary.json stdout" "$(outputs seed)"
check_eq "capacity summary goes to results/" "results/capacity-summary.json stdout" "$(outputs capacity)"
check_eq "SUMMARY_FILE still wins" "/tmp/x.json stdout" "$(outputs seed /tmp/x.json)"

tests_done
