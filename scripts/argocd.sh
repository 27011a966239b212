#!/bin/sh
# Argo CD's own health checks and sync engine for tests (test/argocd/): the
# courier-argocd binary, built from the argo-cd and gitops-engine Go modules at
# ARGOCD_VERSION of scripts/versions.env (test/argocd/go.mod pins the same), once
# per source key into .cache/argocd/bin-<key>/. Argo CD v3.6 needs Go 1.27: the go
# command runs with GOTOOLCHAIN from the toolchain line of test/argocd/go.mod and
# takes that toolchain from the Go module proxy on first use. A cold build takes
# about 12 minutes on 2 idle cores; later starts take a second.
#
#   bin        build if needed and print the binary's path
#   anything else is passed to courier-argocd (health, sync, versions)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/argocd"
cache="$root/.cache/argocd"
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"

. "$root/scripts/versions.env"
for module in github.com/argoproj/argo-cd/v3 github.com/argoproj/argo-cd/gitops-engine/v3; do
  grep -q "^[[:space:]]*$module $ARGOCD_VERSION\$" "$src/go.mod" || {
    echo "argocd: test/argocd/go.mod must require $module $ARGOCD_VERSION (ARGOCD_VERSION of scripts/versions.env)" >&2
    exit 1
  }
done
GOTOOLCHAIN=$(sed -n 's/^toolchain //p' "$src/go.mod")
export GOTOOLCHAIN

key=$({ echo "$GOTOOLCHAIN"; cat "$src/go.mod" "$src/go.sum" "$src"/*.go; } | sha256sum | cut -c1-16)
bindir="$cache/bin-$key"
bin="$bindir/courier-argocd"

build() {
  [ -x "$bin" ] && return 0
  mkdir -p "$cache"
  # One build at a time, even across concurrent test runs in this checkout.
  exec 9>"$cache/build.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    echo "argocd: building courier-argocd (Argo CD $ARGOCD_VERSION, $GOTOOLCHAIN) into $bindir (cold: about 12 minutes on 2 idle cores)" >&2
    started=$(date +%s)
    tmp="$cache/tmp-$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # -p 2: the machine has 2 cores and others work on it too.
    (cd "$src" && GOFLAGS="${GOFLAGS:-} -mod=mod" go build -p 2 -trimpath -ldflags=-s -o "$tmp/courier-argocd" .)
    rm -rf "$bindir"
    mv "$tmp" "$bindir"
    # Older builds nobody can still be starting: those built more than an hour ago.
    find "$cache" -maxdepth 1 -name 'bin-*' ! -path "$bindir" -mmin +60 -exec rm -rf {} +
    echo "argocd: built in $(( $(date +%s) - started )) s" >&2
  fi
  exec 9>&-
}

case "${1:-}" in
  bin)
    build
    echo "$bin"
    ;;
  *)
    build
    exec "$bin" "$@"
    ;;
esac
