package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestImagesMapByRepositoryAndRefuseTheRest(t *testing.T) {
	var table imageTable
	if err := table.Set("registry.k8s.io/gateway-api/echo-basic=/bin/echo-basic"); err != nil {
		t.Fatal(err)
	}
	for _, image := range []string{
		"registry.k8s.io/gateway-api/echo-basic:v1.5.1",
		"registry.k8s.io/gateway-api/echo-basic:v1.6.0-dev.3",
		"registry.k8s.io/gateway-api/echo-basic@sha256:0123",
		"registry.k8s.io/gateway-api/echo-basic",
	} {
		if got, err := table.binaryFor(image, nil); err != nil || got != "/bin/echo-basic" {
			t.Errorf("%s: got %q, %v", image, got, err)
		}
	}
	if _, err := table.binaryFor("registry.k8s.io/coredns/coredns:v1.12.2", nil); err == nil || !strings.Contains(err.Error(), "known repositories: registry.k8s.io/gateway-api/echo-basic") {
		t.Errorf("unknown image: %v", err)
	}
	if repository("localhost:5000/app:1") != "localhost:5000/app" || repository("localhost:5000/app") != "localhost:5000/app" {
		t.Error("a registry port is not a tag")
	}
	if err := table.Set("no-binary"); err == nil {
		t.Error("a flag without = was accepted")
	}
}

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "tls-backend-abc", Namespace: "infra", UID: "u-1", Labels: map[string]string{"app": "tls"}},
		Spec:       corev1.PodSpec{NodeName: "courier-node"},
		Status:     corev1.PodStatus{PodIP: "198.18.3.2"},
	}
}

func TestEnvResolvesFieldRefsInOrder(t *testing.T) {
	pod := testPod()
	container := &corev1.Container{Env: []corev1.EnvVar{
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "APP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
		{Name: "GREETING", Value: "hello $(POD_NAME)"},
	}}
	env, err := containerEnv(context.Background(), fake.NewClientset(), pod, container, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(env[2:], ";")
	want := "POD_NAME=tls-backend-abc;NAMESPACE=infra;POD_IP=198.18.3.2;APP=tls;GREETING=hello tls-backend-abc"
	if got != want {
		t.Errorf("env %q, want %q", got, want)
	}
	container.Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.containers"}}}}
	if _, err := containerEnv(context.Background(), fake.NewClientset(), pod, container, nil); err == nil {
		t.Error("an unsupported fieldRef was accepted")
	}
}

func TestSecretVolumesHonorItemsAndWaitForMissingSecrets(t *testing.T) {
	pod := testPod()
	pod.Spec.Volumes = []corev1.Volume{{Name: "secret-volume", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: "tls-checks-certificate",
		Items:      []corev1.KeyToPath{{Key: "tls.crt", Path: "crt"}, {Key: "tls.key", Path: "key"}},
	}}}}
	dir := t.TempDir()
	client := fake.NewClientset()
	err := writeVolumes(context.Background(), client, pod, dir)
	var later errNotYet
	if !errors.As(err, &later) {
		t.Fatalf("missing secret: want a retryable error, got %v", err)
	}
	_, _ = client.CoreV1().Secrets("infra").Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "tls-checks-certificate", Namespace: "infra"},
		Data:       map[string][]byte{"tls.crt": []byte("CERT"), "tls.key": []byte("KEY"), "ca.crt": []byte("CA")},
	}, metav1.CreateOptions{})
	if err := writeVolumes(context.Background(), client, pod, dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "secret-volume"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "crt,key" {
		t.Errorf("files %v, want only the listed items crt,key", names)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "secret-volume", "crt")); string(data) != "CERT" {
		t.Errorf("crt holds %q", data)
	}
}

func TestVolumePathsStayInsideTheVolume(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{"../x", "/etc/passwd", "a/../../x"} {
		if err := writeFile(dir, bad, []byte("x"), 0o644); err == nil {
			t.Errorf("%q was written", bad)
		}
	}
	if err := writeFile(dir, "a/b/c", []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "a/b/c")); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("a/b/c: %v %v", info, err)
	}
}
