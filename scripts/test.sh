#!/bin/sh
# `npm test`: installs what the suites need, type-checks, runs every suite.
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure.sh openssl postgresql postgresql-client redis-server redis-tools runc
exec node_modules/.bin/bun scripts/runTests.ts "$@"
