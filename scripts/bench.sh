#!/bin/sh
# `npm run bench`: Courier next to HAProxy 2.6 and nginx 1.22 on the same workloads.
# Installs the reference proxies and the C toolchain's TLS headers, builds the load
# generator and backends into .cache/bench/, then runs bench/main.ts. Arguments pass
# through, e.g. `npm run bench -- --only bulk --targets direct,courier`.
# `npm run bench -- scale` runs the control-plane scale benchmark instead.
set -e
cd "$(dirname "$0")/.."
root="$(pwd)"
# `npm run bench -- scale [...]`: the control plane at scale (bench/scale/main.ts).
# It needs none of the reference proxies: it starts its own test API server, and
# stops it and Courier by PID when it ends (the API server also watches its PID).
if [ "${1:-}" = scale ]; then
  shift
  exec node_modules/.bin/bun bench/scale/main.ts "$@"
fi
cache="$root/.cache/bench"
sh scripts/ensure.sh haproxy nginx libnginx-mod-stream libssl-dev gcc openssl postgresql postgresql-client
mkdir -p "$cache/tmp"
# The PostgreSQL row's data directory lands here, so that its server's command line
# names this cache directory too (see stop_leftovers).
export TMPDIR="$cache/tmp"

for program in loadgen backend; do
  if [ ! -x "$cache/$program" ] || [ "bench/$program.c" -nt "$cache/$program" ] || [ bench/net.h -nt "$cache/$program" ]; then
    gcc -O2 -Wall -Wextra -o "$cache/$program" "bench/$program.c" -lssl -lcrypto
  fi
done
if [ ! -s "$cache/cert.pem" ]; then
  # ECDSA P-256: the cheapest certificate to sign with, so the TLS backend stays light.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj /CN=tls.bench.test -keyout "$cache/key.pem" -out "$cache/cert.pem" 2>/dev/null
fi

# 9,900 proxied idle connections take two descriptors each in the proxy.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# Stops whatever bench/main.ts started and did not stop itself: it records live PIDs
# in a file. A PID is only ours if its command line names this cache directory (a
# recycled PID is left alone); nginx's worker is found as its master's child.
ours() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -e "$cache" -e "$root/bench/"
}
stop_leftovers() {
  [ -f "$cache/pids" ] || return 0
  pids=""
  for pid in $(cat "$cache/pids"); do
    if ours "$pid"; then
      pids="$pids $pid $(cat "/proc/$pid/task/$pid/children" 2>/dev/null)"
    fi
  done
  if [ -n "$pids" ]; then
    kill $pids 2>/dev/null || true
    sleep 1
    kill -9 $pids 2>/dev/null || true
  fi
  rm -f "$cache/pids"
}
if [ -f "$cache/pids" ]; then
  for pid in $(cat "$cache/pids"); do
    # Not stopped here: they may belong to a bench still running in another shell.
    if ours "$pid"; then echo "bench: process $pid from an earlier or concurrent run is still alive" >&2; fi
  done
fi
trap stop_leftovers EXIT
trap "exit 130" INT TERM
# The orchestrator itself stays off the proxy's core.
taskset -c 1 node_modules/.bin/bun bench/main.ts "$@"
