package suite

import (
	"bytes"
	"testing"

	"sigs.k8s.io/gateway-api/conformance"
)

// The adjusted base manifests leave out exactly the four HTTP/HTTPS Gateways
// and coredns, and keep everything else unchanged.
func TestBaseManifestsLeaveOutOnlyHTTPGatewaysAndCoreDNS(t *testing.T) {
	base, left, err := courierBaseManifests(&conformance.Manifests)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"Gateway gateway-conformance-infra/same-namespace":                     true,
		"Gateway gateway-conformance-infra/same-namespace-with-https-listener": true,
		"Gateway gateway-conformance-infra/all-namespaces":                     true,
		"Gateway gateway-conformance-infra/backend-namespaces":                 true,
		"Deployment gateway-conformance-infra/coredns":                         true,
		"Service gateway-conformance-infra/coredns":                            true,
		"ConfigMap gateway-conformance-infra/coredns":                          true,
	}
	for _, d := range left {
		key := d.Kind + " " + d.Namespace + "/" + d.Name
		if !want[key] {
			t.Errorf("left out %s unexpectedly", key)
		}
		delete(want, key)
	}
	for key := range want {
		t.Errorf("%s was not left out", key)
	}
	for _, kept := range []string{"name: tls-backend", "name: tcp-backend", "name: gateway-conformance-app-backend", "kind: Namespace"} {
		if !bytes.Contains(base, []byte(kept)) {
			t.Errorf("kept manifests lack %q", kept)
		}
	}
	if bytes.Contains(base, []byte("kind: Gateway\n")) {
		t.Error("a Gateway is still in the base manifests")
	}
}
