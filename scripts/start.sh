#!/bin/sh
# `npm start`: installs what the demo needs, then runs it (see demo/start.ts).
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure.sh openssl
exec node_modules/.bin/bun demo/start.ts
