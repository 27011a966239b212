package suite

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/gateway-api/conformance"
)

// TestConformance runs the official suite with the options its own flags set
// (--gateway-class, --conformance-profiles, --skip-tests, --report-output,
// --organization ... see scripts/conformance.sh). The one change is the base
// manifests file, which has no flag: see courierBaseManifests.
func TestConformance(t *testing.T) {
	opts := conformance.DefaultOptions(t)
	base, left, err := courierBaseManifests(&conformance.Manifests)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range left {
		t.Logf("base manifests: left out %s %s/%s (%s)", d.Kind, d.Namespace, d.Name, d.Why)
	}
	opts.BaseManifests = BaseManifestsPath
	opts.ManifestFS = []fs.FS{fstest.MapFS{BaseManifestsPath: {Data: base}}, &conformance.Manifests}
	conformance.RunConformanceWithOptions(t, opts)
}
