#!/bin/sh
# The test clusters' kubelet (test/kubelet/): runs Pods from OCI image archives
# under runc or as mapped host binaries, and with --service-proxy serves
# Services and LoadBalancer addresses. Built once per source key into
# .cache/kubelet/bin-<key>/: courier-kubelet, and hello (the static HTTP server
# of the test image that test/cluster/pods.test.ts runs).
#
#   bin        build if needed and print the directory of the binaries
#   test       its Go unit tests (runtime spec from pod spec, image unpacking,
#              LoadBalancer pool, env, volumes)
#   cleanup    remove what dead kubelets left on this host (runc containers,
#              overlay mounts, network namespaces, bridges, routes)
#   anything else is passed to courier-kubelet
#
# Running it needs root (network namespaces, mounts, runc); OCI images need
# runc (`sh scripts/ensure.sh runc`).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/kubelet"
cache="$root/.cache/kubelet"
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"

key=$({ go version; cat "$src/go.mod" "$src/go.sum" "$src"/*.go "$src"/hello/*.go; } | sha256sum | cut -c1-16)
bindir="$cache/bin-$key"

build() {
  [ -x "$bindir/courier-kubelet" ] && [ -x "$bindir/hello" ] && return 0
  mkdir -p "$cache"
  # One build at a time, even across concurrent test runs in this checkout.
  exec 9>"$cache/build.lock"
  flock 9
  if [ ! -x "$bindir/courier-kubelet" ] || [ ! -x "$bindir/hello" ]; then
    echo "kubelet: building the test kubelet into $bindir" >&2
    started=$(date +%s)
    tmp="$cache/tmp-$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    (
      cd "$src"
      export GOFLAGS="${GOFLAGS:-} -mod=mod"
      # -p 2: the machine has 2 cores and others work on it too.
      go build -p 2 -trimpath -o "$tmp/courier-kubelet" .
      CGO_ENABLED=0 go build -p 2 -trimpath -ldflags=-s -o "$tmp/hello" ./hello
    )
    rm -rf "$bindir"
    mv "$tmp" "$bindir"
    # Older builds nobody can still be starting: those built more than an hour ago.
    find "$cache" -maxdepth 1 -name 'bin-*' ! -path "$bindir" -mmin +60 -exec rm -rf {} +
    echo "kubelet: built in $(( $(date +%s) - started )) s" >&2
  fi
  exec 9>&-
}

case "${1:-}" in
  test)
    shift
    cd "$src"
    GOFLAGS="${GOFLAGS:-} -mod=mod" exec go test -p 2 -count=1 "$@" ./...
    ;;
  bin)
    build
    echo "$bindir"
    ;;
  cleanup)
    shift
    build
    exec "$bindir/courier-kubelet" cleanup "$@"
    ;;
  *)
    build
    exec "$bindir/courier-kubelet" "$@"
    ;;
esac
