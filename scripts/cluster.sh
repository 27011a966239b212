#!/bin/sh
# `npm run cluster -- up|down|...`: a real Kubernetes control plane for tests
# (etcd + kube-apiserver in one Go process on loopback; see test/cluster/).
# The binary is built once per version set into .cache/cluster/bin-<key>/ with
# the CRD bundles beside it and `kubectl` as a link to it; a cold build takes
# minutes, later starts take seconds.
#
#   up [--crds v1|v1alpha2|none]  start it (or find it running); prints KUBECONFIG=<path>
#   down                          stop it and remove its files
#   bin                           build if needed and print the binary's path
#   anything else                 passed to the binary (crds, namespace, token, kubectl)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/cluster"
cache="$root/.cache/cluster"
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"

# CRDs are read from the Go module cache at the versions pinned in scripts/versions.env.
. "$root/scripts/versions.env"

key=$({ go version; echo "$GATEWAY_API_VERSION $GATEWAY_API_OLD_VERSION $MCS_API_VERSION"; cat "$src/go.mod" "$src/go.sum" "$src"/*.go; } | sha256sum | cut -c1-16)
bindir="$cache/bin-$key"
bin="$bindir/courier-cluster"

moduleDir() {
  (cd "$1" && go mod download -json "$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

build() {
  mkdir -p "$cache"
  # One build at a time, even across concurrent test runs in this checkout.
  exec 9>"$cache/build.lock"
  flock 9
  if [ -x "$bin" ]; then exec 9>&-; return 0; fi
  echo "cluster: building the test control plane into $bindir (cold: 7-10 minutes on 2 idle cores, longer when they are busy)" >&2
  started=$(date +%s)
  tmp="$cache/tmp-$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/crds/v1" "$tmp/crds/v1alpha2"
  # -p 2: the machine has 2 cores and others work on it too.
  (cd "$src" && GOFLAGS="${GOFLAGS:-} -mod=mod" go build -p 2 -trimpath -ldflags=-s -o "$tmp/courier-cluster" .)
  gw=$(moduleDir "$tmp" "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  old=$(moduleDir "$tmp" "sigs.k8s.io/gateway-api@$GATEWAY_API_OLD_VERSION")
  mcs=$(moduleDir "$tmp" "sigs.k8s.io/mcs-api@$MCS_API_VERSION")
  [ -n "$gw" ] && [ -n "$old" ] && [ -n "$mcs" ] || { echo "cluster: could not download the CRD modules" >&2; exit 1; }
  cp "$gw"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$tmp/crds/v1/"
  cp "$old"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$old/config/crd/experimental/gateway.networking.k8s.io_tlsroutes.yaml" "$tmp/crds/v1alpha2/"
  for bundle in v1 v1alpha2; do
    cp "$mcs/config/crd/multicluster.x-k8s.io_serviceimports.yaml" "$tmp/crds/$bundle/"
  done
  chmod -R u+w "$tmp/crds"
  ln -s courier-cluster "$tmp/kubectl"
  echo "gateway-api $GATEWAY_API_VERSION (v1 bundle), $GATEWAY_API_OLD_VERSION (v1alpha2 bundle); mcs-api $MCS_API_VERSION; $(go version)" > "$tmp/VERSIONS"
  mv "$tmp" "$bindir"
  # Older builds are dead weight once nobody can still be using their kubectl link:
  # drop those built more than an hour ago.
  find "$cache" -maxdepth 1 -name 'bin-*' ! -path "$bindir" -mmin +60 -exec rm -rf {} +
  echo "cluster: built in $(( $(date +%s) - started )) s" >&2
  exec 9>&-
}

case "${1:-}" in
  up)
    shift
    build
    exec "$bin" up --dir "$cache/run" "$@"
    ;;
  down)
    shift
    # Stopping needs no rebuild: any build of the binary can stop any cluster.
    any=$(ls "$cache"/bin-*/courier-cluster 2>/dev/null | head -n 1 || true)
    if [ -n "$any" ]; then exec "$any" down --dir "$cache/run" "$@"; fi
    rm -rf "$cache/run" "$cache/run.lock"
    ;;
  bin)
    build
    echo "$bin"
    ;;
  *)
    build
    exec "$bin" "$@"
    ;;
esac
