// Package suite runs the official Gateway API conformance suite
// (sigs.k8s.io/gateway-api/conformance, used unmodified) against Courier.
package suite

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"sigs.k8s.io/yaml"
)

// BaseManifestsPath is where the adjusted base manifests are served from.
const BaseManifestsPath = "courier/base-manifests.yaml"

// dropped names one document left out of the official base manifests, and why.
type dropped struct {
	Kind, Namespace, Name, Why string
}

type manifestHead struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Listeners []struct {
			Protocol string `json:"protocol"`
		} `json:"listeners"`
	} `json:"spec"`
}

// courierBaseManifests returns the official base/manifests.yaml minus two
// kinds of documents, and says which it left out:
//   - Gateways whose listeners are all HTTP or HTTPS: Courier serves TLS
//     passthrough only and reports such Gateways as not Accepted, which the
//     suite's setup would wait on forever;
//   - the coredns Deployment, Service and ConfigMap: no image here runs it and
//     no test of the GATEWAY-TLS profile uses it.
//
// Every other document is kept byte for byte.
func courierBaseManifests(official fs.FS) ([]byte, []dropped, error) {
	data, err := fs.ReadFile(official, "base/manifests.yaml")
	if err != nil {
		return nil, nil, err
	}
	var kept [][]byte
	var left []dropped
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var head manifestHead
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, nil, fmt.Errorf("base manifests: %w", err)
		}
		if why := dropReason(head); why != "" {
			left = append(left, dropped{head.Kind, head.Metadata.Namespace, head.Metadata.Name, why})
			continue
		}
		kept = append(kept, doc)
	}
	return bytes.Join(kept, []byte("\n---\n")), left, nil
}

func dropReason(head manifestHead) string {
	switch {
	case head.Kind == "Gateway" && onlyHTTP(head):
		return "HTTP/HTTPS listeners only; Courier serves TLS passthrough"
	case head.Metadata.Name == "coredns" && (head.Kind == "Deployment" || head.Kind == "Service" || head.Kind == "ConfigMap"):
		return "coredns: not run here, unused by GATEWAY-TLS tests"
	}
	return ""
}

func onlyHTTP(head manifestHead) bool {
	if len(head.Spec.Listeners) == 0 {
		return false
	}
	for _, listener := range head.Spec.Listeners {
		if p := strings.ToUpper(listener.Protocol); p != "HTTP" && p != "HTTPS" {
			return false
		}
	}
	return true
}
