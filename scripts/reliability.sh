#!/bin/sh
# The reliability suite (docs/reliability.md): real `courier serve` processes under
# hostile input and load; prints one table, exits non-zero on any failure.
# Not part of `npm test`. Arguments go to the suite: --quick, --rows 1,4.
set -eu
cd "$(dirname "$0")/.."
# 10,000 slowloris connections need as many descriptors in the suite and in Courier.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node_modules/.bin/bun reliability/main.ts "$@"
