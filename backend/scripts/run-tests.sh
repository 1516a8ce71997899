#!/usr/bin/env bash
# The README's test command (npm test): every *.test.ts under backend/, passed explicitly because
# `tsx --test` with no file list runs nothing on Node 20 and still exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(find backend -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-tests: no *.test.ts files found under backend/" >&2
  exit 1
fi
exec npx tsx --test --test-concurrency="${AWF_TEST_CONCURRENCY:-2}" "${files[@]}"
