package main

import (
	"fmt"
	"sort"
	"strings"
)

// imageTable maps image repositories (registry/path, no tag or digest) to
// binaries on this machine. Set from repeated --image REPOSITORY=BINARY flags.
type imageTable map[string]string

func (t *imageTable) String() string { return fmt.Sprint(map[string]string(*t)) }

func (t *imageTable) Set(value string) error {
	repo, binary, ok := strings.Cut(value, "=")
	if !ok || repo == "" || binary == "" {
		return fmt.Errorf("want REPOSITORY=BINARY, got %q", value)
	}
	if *t == nil {
		*t = imageTable{}
	}
	(*t)[repo] = binary
	return nil
}

// repository strips the tag and digest from an image reference
// ("registry.k8s.io/gateway-api/echo-basic:v1.5.1" -> "registry.k8s.io/gateway-api/echo-basic").
func repository(image string) string {
	if at := strings.Index(image, "@"); at >= 0 {
		image = image[:at]
	}
	// A colon after the last slash is a tag; before it, a registry port.
	if colon := strings.LastIndex(image, ":"); colon > strings.LastIndex(image, "/") {
		image = image[:colon]
	}
	return image
}

// binaryFor returns the binary that stands in for image, or an error that
// says which images this kubelet can run (its own and others, e.g. OCI images).
func (t imageTable) binaryFor(image string, others []string) (string, error) {
	if binary, ok := t[repository(image)]; ok {
		return binary, nil
	}
	known := append([]string{}, others...)
	for repo := range t {
		known = append(known, repo)
	}
	sort.Strings(known)
	return "", fmt.Errorf("image %q is not one this kubelet runs (it pulls nothing; known repositories: %s)", image, strings.Join(known, ", "))
}
