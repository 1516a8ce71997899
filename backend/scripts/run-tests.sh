#!/usr/bin/env bash
# The README's test command (npm test): every golden scenario, then every *.test.ts under backend/.
# The test files are passed explicitly because `tsx --test` with no file list runs nothing on Node 20
# and still exits 0; the node runner goes last so its summary (# tests N … # fail N) closes the output.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(find backend -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-tests: no *.test.ts files found under backend/" >&2
  exit 1
fi

# Every golden scenario, verified against its committed golden file and its expectations
# (npm run awf:golden:test). --no-store: a test run leaves the developer's store alone.
echo "run-tests: golden verify (npm run awf:golden:test)"
goldens=0
npx tsx backend/src/goldens/runner.ts --mode verify --no-store || goldens=$?
[ "$goldens" -eq 0 ] || echo "run-tests: golden verify FAILED (exit $goldens)" >&2

tests=0
npx tsx --test --test-concurrency="${AWF_TEST_CONCURRENCY:-2}" "${files[@]}" || tests=$?

if [ "$tests" -ne 0 ] || [ "$goldens" -ne 0 ]; then
  echo "run-tests: FAILED (unit tests exit $tests, golden verify exit $goldens)" >&2
  exit 1
fi
