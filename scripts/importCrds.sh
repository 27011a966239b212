#!/bin/sh
# Regenerates the L1 classes in src/imports/ from the Gateway API and MCS CRDs.
# The CRDs come from the Go module proxy at pinned versions so the generated code
# is reproducible anywhere `go` runs; `cdk8s import` turns them into TypeScript.
# Each group's CRD files are joined into one multi-document YAML first because
# `cdk8s import` of several files keeps only the last kind per output module.
# Usage: importCrds.sh [OUTDIR]   (default src/imports; tests pass a temporary dir)
set -eu

cd "$(dirname "$0")/.."
. scripts/versions.env
moduleDir() {
  go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})'
}
gatewayApi=$(moduleDir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
mcsApi=$(moduleDir "sigs.k8s.io/mcs-api@$MCS_API_VERSION")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
join() {
  out=$1; shift
  : > "$out"
  for f in "$@"; do
    printf -- '---\n' >> "$out"
    cat "$f" >> "$out"
  done
}
std="$gatewayApi/config/crd/standard"
join "$work/gateway.networking.k8s.io.yaml" \
  "$std/gateway.networking.k8s.io_gatewayclasses.yaml" \
  "$std/gateway.networking.k8s.io_gateways.yaml" \
  "$std/gateway.networking.k8s.io_tlsroutes.yaml" \
  "$std/gateway.networking.k8s.io_referencegrants.yaml"
join "$work/multicluster.x-k8s.io.yaml" \
  "$mcsApi/config/crd/multicluster.x-k8s.io_serviceimports.yaml"

out=${1:-src/imports}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out"
cdk8s="$(pwd)/node_modules/.bin/cdk8s"
# Run from the scratch dir: `cdk8s import` records each import in the cdk8s.yaml of
# its working directory, and the project's cdk8s.yaml must stay as written.
cd "$work"
for spec in gateway.networking.k8s.io multicluster.x-k8s.io; do
  "$cdk8s" --no-check-upgrade import --language typescript --output "$out" "$work/$spec.yaml"
done
