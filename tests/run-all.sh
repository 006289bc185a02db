#!/usr/bin/env bash
# Runs every test project of the solution (Release) and ends with one line: "N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG="$(mktemp)"
# Tests marked [Trait("Category", "Long")] (the issue's long MD checks) run too: ~10 s in Release.
# Skip them with: bash tests/run-all.sh --filter "Category!=Long"
# A test that runs past 15 minutes (the slowest take about a minute) is taken as hung: its test host is stopped and the run
# ends naming it (dotnet test's blame-hang), instead of holding CI until its own limit with nothing said.
STATUS=0
run() {
  dotnet test "$ROOT/MlipEngine.sln" -c Release --nologo --blame-hang-timeout 15m --blame-hang-dump-type none "$@" 2>&1 | tee -a "$LOG"
  local rc=${PIPESTATUS[0]}
  (( rc != 0 )) && STATUS=$rc
  return 0
}
if (( $# == 0 )); then
  # Two phases. ILGPU's cases (every test whose name or arguments say ilgpu) run last and one test class at a time: ILGPU's CPU
  # accelerator hands every launch to all its threads, and beside other tests on the same cores its cases took twice as long
  # in sum (docs/verification.md, ILGPU). Everything else runs with test classes in parallel, as before.
  run --filter "DisplayName!~ilgpu"
  run --no-build --filter "DisplayName~ilgpu" -- xUnit.ParallelizeTestCollections=false
else
  run "$@"
fi
read -r PASSED FAILED < <(grep -E '^(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$LOG" \
  | sed -E 's/.*Failed: +([0-9]+), +Passed: +([0-9]+).*/\2 \1/' \
  | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
# An aborted run (a hung or crashed test host) counts the tests it names as failed: the summary must not read as clean.
if grep -q '^Test Run Aborted' "$LOG"; then
  mapfile -t STOPPED < <(sed -n '/^The test running when the crash occurred:/,/^$/p' "$LOG" | sed '1d;/^$/d')
  echo "test run aborted while running: ${STOPPED[*]:-(not named)}" >&2
  FAILED=$((FAILED + (${#STOPPED[@]} > 0 ? ${#STOPPED[@]} : 1)))
  [[ "$STATUS" -eq 0 ]] && STATUS=1
fi
rm -f "$LOG"
echo "${PASSED} passed, ${FAILED} failed"
if [[ "$PASSED" -eq 0 ]]; then echo "no tests ran" >&2; exit 1; fi
exit "$STATUS"
