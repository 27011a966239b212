package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestResourceFieldValue(t *testing.T) {
	container := &corev1.Container{Resources: corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
	}}
	cases := []struct {
		resource, divisor, want string
	}{
		{"limits.memory", "", "536870912"},
		{"limits.memory", "1Mi", "512"},
		{"requests.cpu", "", "1"},
		{"requests.cpu", "1m", "100"},
		{"limits.cpu", "", "2"}, // no limit: the node's capacity
		{"requests.memory", "", "0"},
	}
	for _, c := range cases {
		ref := &corev1.ResourceFieldSelector{Resource: c.resource}
		if c.divisor != "" {
			ref.Divisor = resource.MustParse(c.divisor)
		}
		got, err := resourceFieldValue(container, ref)
		if err != nil || got != c.want {
			t.Errorf("%s / %q = %q, %v; want %q", c.resource, c.divisor, got, err, c.want)
		}
	}
	if _, err := resourceFieldValue(container, &corev1.ResourceFieldSelector{Resource: "limits"}); err == nil {
		t.Error("a malformed resource was accepted")
	}
}
