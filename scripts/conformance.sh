#!/bin/sh
# `npm run conformance`: the official Gateway API conformance suite (GATEWAY-TLS
# profile, sigs.k8s.io/gateway-api/conformance used unmodified) against Courier
# on a mini-cluster made here: etcd + kube-apiserver + kube-controller-manager
# (test/cluster/), the test kubelet that runs the suite's echo-basic pods as
# processes in network namespaces on 198.18.0.0/15 (test/kubelet/), and Courier
# as a local process with exactly the ClusterRole of dist/, giving each Gateway
# its own 127.0.0.x address. Writes conformance/report.yaml and removes
# everything it started, also when it fails or is interrupted.
#
# Needs root (network namespaces, port 443 on 127.0.0.x). See docs/conformance.md.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/conformance"
cache="$root/.cache/conformance"
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
started=$(date +%s)
[ "$(id -u)" -eq 0 ] || { echo "conformance: needs root (network namespaces for pods, port 443 on 127.0.0.x for Gateways)" >&2; exit 1; }

# HTTP/HTTPS-listener core tests: Courier serves TLS passthrough only (see docs/conformance.md).
SKIP_TESTS="GatewayListenerUnsupportedProtocol,GatewayInvalidRouteKind,GatewayInvalidTLSConfiguration,GatewayModifyListeners,GatewayObservedGenerationBump,GatewaySecretInvalidReferenceGrant,GatewaySecretMissingReferenceGrant,GatewaySecretReferenceGrantAllInNamespace,GatewaySecretReferenceGrantSpecific,TLSRouteInvalidNoMatchingListener"
ADDRESS_POOL=127.0.0.10-127.0.0.250
# The report's implementation block; override these before submitting a report upstream.
ORGANIZATION=${CONFORMANCE_ORGANIZATION:-courier}
PROJECT_URL=${CONFORMANCE_URL:-https://courier.dev}
CONTACT=${CONFORMANCE_CONTACT:-courier maintainers}
VERSION=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/package.json")

# --- build (cached by the hash of the sources) --------------------------------
cluster_bin=$(sh "$root/scripts/cluster.sh" bin)
kubelet_bin="$(sh "$root/scripts/kubelet.sh" bin)/courier-kubelet"
key=$({ go version; cat "$src/go.mod" "$src/go.sum" "$src"/suite/*.go; } | sha256sum | cut -c1-16)
bindir="$cache/bin-$key"
if [ ! -x "$bindir/conformance.test" ]; then
  mkdir -p "$cache"
  exec 9>"$cache/build.lock"
  flock 9
  if [ ! -x "$bindir/conformance.test" ]; then
    echo "conformance: building echo-basic and the suite into $bindir" >&2
    tmp="$cache/tmp-$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    (
      cd "$src"
      export GOFLAGS="${GOFLAGS:-} -mod=mod"
      go build -p 2 -trimpath -o "$tmp/echo-basic" sigs.k8s.io/gateway-api/conformance/echo-basic
      go test -p 2 -c -trimpath -o "$tmp/conformance.test" ./suite
    )
    mv "$tmp" "$bindir"
    find "$cache" -maxdepth 1 -name 'bin-*' ! -path "$bindir" -mmin +60 -exec rm -rf {} +
  fi
  exec 9>&-
fi
built=$(date +%s)
echo "conformance: binaries ready after $((built - started)) s" >&2

# --- run state and teardown ---------------------------------------------------
run="$cache/run-$$"
rm -rf "$run"
mkdir -p "$run"
courier_pid= kubelet_pid= kcm_pid=
stop_pid() { # pid seconds: SIGTERM, then SIGKILL after the given time
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  i=0
  while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
teardown() {
  status=$?
  trap - EXIT INT TERM
  echo "conformance: tearing down" >&2
  stop_pid "$courier_pid" 10
  # The kubelet stops its pods and removes their namespaces and its bridge.
  stop_pid "$kubelet_pid" 30
  # Belt and braces: whatever a killed kubelet left (its names carry its pid).
  [ -z "$kubelet_pid" ] || "$kubelet_bin" cleanup --pid "$kubelet_pid" >/dev/null 2>&1 || true
  stop_pid "$kcm_pid" 10
  "$cluster_bin" down --dir "$run/cluster" >/dev/null 2>&1 || true
  rm -rf "$cache/last-run"
  mkdir -p "$cache/last-run"
  cp "$run"/*.log "$cache/last-run/" 2>/dev/null || true
  echo "conformance: logs of this run in $cache/last-run/" >&2
  rm -rf "$run" "$run.lock"
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- mini-cluster ---------------------------------------------------------------
up=$("$cluster_bin" up --dir "$run/cluster" --owner-pid $$ --crds v1) || { echo "conformance: the control plane did not start" >&2; exit 1; }
kubeconfig=$(echo "$up" | sed -n 's/^KUBECONFIG=//p')
export KUBECONFIG="$kubeconfig"
"$cluster_bin" controller-manager --dir "$run/cluster" --owner-pid $$ >"$run/controller-manager.log" 2>&1 &
kcm_pid=$!
"$kubelet_bin" --kubeconfig "$kubeconfig" --state-dir "$run/kubelet" --owner-pid $$ \
  --image "registry.k8s.io/gateway-api/echo-basic=$bindir/echo-basic" >"$run/kubelet.log" 2>&1 &
kubelet_pid=$!

# Courier: the GatewayClass and RBAC from dist/, a token for its ServiceAccount.
kubectl() { "$cluster_bin" kubectl "$@"; }
awk 'BEGIN{RS="\n---\n"} /\nkind: GatewayClass\n/ {print; print "---"}' "$root/dist/courier-proxy.k8s.yaml" | kubectl apply -f - >/dev/null
"$cluster_bin" token --kubeconfig "$kubeconfig" --namespace courier-system --name courier \
  --rbac "$root/dist/courier-proxy.k8s.yaml" --kubeconfig-out "$run/courier.kubeconfig" >/dev/null
"$root/node_modules/.bin/bun" "$root/proxy/bin/courier.ts" serve --kubeconfig "$run/courier.kubeconfig" \
  --gateway-addresses-from "$ADDRESS_POOL" --lease-namespace courier-system --admin off >"$run/courier.log" 2>&1 &
courier_pid=$!

i=0
until kubectl get node courier-node >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 300 ] || { echo "conformance: the node never registered" >&2; exit 1; }
  sleep 0.2
done
# The suite reads the supported features from the GatewayClass status: wait for Courier to write it.
kubectl wait --for=condition=Accepted gatewayclass/courier --timeout=120s >/dev/null
echo "conformance: cluster, controller-manager, kubelet and Courier up after $(($(date +%s) - built)) s" >&2

# --- the suite ------------------------------------------------------------------
mkdir -p "$root/conformance"
report="$root/conformance/report.yaml"
set +e
"$bindir/conformance.test" -test.v -test.timeout 60m -test.run '^TestConformance$' \
  --gateway-class courier \
  --conformance-profiles GATEWAY-TLS \
  --skip-tests "$SKIP_TESTS" \
  --report-output "$report.tmp" \
  --organization "$ORGANIZATION" --project courier \
  --url "$PROJECT_URL" --version "v$VERSION" \
  --contact "$CONTACT" \
  --mode default \
  --cleanup-base-resources=true >"$run/suite.log" 2>&1
suite_status=$?
set -e

echo "conformance: results of the tests that ran (go test -v; the rest are skipped or not supported):" >&2
grep -E '^ {4}--- (PASS|FAIL): TestConformance/' "$run/suite.log" | sed 's/^ *--- //; s#TestConformance/##' >&2 || true
echo "conformance: $(grep -cE '^ {4}--- SKIP: TestConformance/' "$run/suite.log" || true) tests skipped" >&2
grep -E '^(--- |ok|FAIL|PASS$)' "$run/suite.log" >&2 || true
if [ -s "$report.tmp" ]; then mv "$report.tmp" "$report"; echo "conformance: report written to conformance/report.yaml" >&2; fi

# GatewayInvalidParametersRef belongs to the extended GatewayInfrastructure feature in
# v1.6.x, which Courier does not claim (it provisions no per-Gateway infrastructure, so
# GatewayInfrastructureMetadata cannot pass). Run it alone as well, outside the report,
# so its result is known: --run-test runs a test whatever the supported features.
# The first run deleted its namespaces on the way out: wait until they are gone.
i=0
while kubectl get namespace gateway-conformance-infra gateway-conformance-app-backend gateway-conformance-web-backend --ignore-not-found -o name 2>/dev/null | grep -q .; do
  i=$((i + 1)); [ $i -lt 600 ] || { echo "conformance: the suite's namespaces were never deleted" >&2; exit 1; }
  sleep 0.2
done
set +e
"$bindir/conformance.test" -test.v -test.timeout 20m -test.run '^TestConformance$' \
  --gateway-class courier --run-test GatewayInvalidParametersRef \
  --cleanup-base-resources=true >"$run/invalid-parameters-ref.log" 2>&1
extra_status=$?
set -e
echo "conformance: GatewayInvalidParametersRef alone (outside the report):" >&2
grep -E '^ {4}--- (PASS|FAIL|SKIP): TestConformance/GatewayInvalidParametersRef' "$run/invalid-parameters-ref.log" | sed 's/^ *--- //; s#TestConformance/##' >&2 || true

echo "conformance: suite exit status $suite_status (GatewayInvalidParametersRef alone: $extra_status); total $(($(date +%s) - started)) s" >&2
if [ "$suite_status" -ne 0 ]; then
  tail -50 "$run/suite.log" >&2
  exit "$suite_status"
fi
exit "$extra_status"
