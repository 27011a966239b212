#!/bin/sh
# Runs a TypeScript entry point under the project's own Bun (from npm).
set -e
root="$(cd "$(dirname "$0")/.." && pwd)"
sh "$root/scripts/ensure.sh"
exec "$root/node_modules/.bin/bun" "$@"
