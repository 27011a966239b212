#!/bin/sh
# `npm test`: installs what the suites need, type-checks, runs every suite. Besides
# the peers the tests talk to (nginx among them, as a PROXY protocol receiver):
# promtool (Debian's prometheus) checks the alert rules, headless Chromium renders
# the admin page.
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure.sh openssl postgresql postgresql-client redis-server redis-tools runc prometheus chromium nginx libnginx-mod-stream
exec node_modules/.bin/bun scripts/runTests.ts "$@"
