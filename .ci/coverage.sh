#!/usr/bin/env bash
# The branch-coverage ratchet: CI fails below the floor in .ci/coverage-floor, and says so when the
# suite has climbed above it so the floor can be raised (it only ever goes up).
set -euo pipefail
cd "$(dirname "$0")/.."
floor=$(cat .ci/coverage-floor)
reached=$(.venv/bin/python -m coverage report --format=total --precision=1)
echo "branch coverage: ${reached} % (floor ${floor} %)"
if awk "BEGIN{exit !(${reached} < ${floor})}"; then
  echo "coverage fell below the floor: ${reached} % < ${floor} %" >&2
  exit 1
fi
whole=$(awk "BEGIN{print int(${reached})}")
if [ "$whole" -gt "$floor" ]; then
  echo "coverage rose: raise .ci/coverage-floor to ${whole}"
fi
