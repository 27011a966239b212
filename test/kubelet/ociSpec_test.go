package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// courierLikePod is a pod shaped like the one dist/courier-proxy.k8s.yaml runs.
func courierLikePod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "courier-7d9f-abc", Namespace: "courier-system", UID: "0a1b2c3d-4e5f"},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), FSGroup: ptr(int64(65532))},
			Volumes: []corev1.Volume{
				{Name: "kube-api-access-x", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}},
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
			},
			Containers: []corev1.Container{{
				Name:  "courier",
				Image: "ghcr.io/courier-dev/courier:0.1.0",
				Args:  []string{"serve", "--admin", "$(POD_IP):9090", "$$(LITERAL)"},
				SecurityContext: &corev1.SecurityContext{
					RunAsUser: ptr(int64(65532)), RunAsGroup: ptr(int64(65532)),
					ReadOnlyRootFilesystem:   ptr(true),
					AllowPrivilegeEscalation: ptr(false),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE"}},
				},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "kube-api-access-x", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true},
					{Name: "tmp", MountPath: "/tmp"},
					{Name: "config", MountPath: "/etc/courier/courier.yaml", SubPath: "courier.yaml"},
				},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				},
			}},
		},
	}
}

func specFor(t *testing.T, pod *corev1.Pod, image imagespec.ImageConfig) *specs.Spec {
	t.Helper()
	env := append(append([]string{}, image.Env...), "HOSTNAME="+pod.Name, "POD_IP=198.18.7.2")
	spec, err := buildRuntimeSpec(ociSpecInput{
		Pod: pod, Container: &pod.Spec.Containers[0], Image: image, Env: env,
		User:   specs.User{UID: 65532, GID: 65532},
		RootFS: "/state/pod/oci/ck-1-0a1b2c3d-courier-0/rootfs", NetNS: "/var/run/netns/ck-1-2",
		Volumes: "/state/pod/volumes", EtcHosts: "/state/pod/etc-hosts", Hostname: pod.Name, Cgroup: "/ck-1-0a1b2c3d-courier-0",
	})
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

var courierImage = imagespec.ImageConfig{
	User:       "65532:65532",
	Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
	Entrypoint: []string{"/usr/local/bin/courier"},
	Cmd:        []string{"serve"},
	WorkingDir: "/app",
}

func TestCommandAndArgsOverrideEntrypointAndCmdAsKubernetesDoes(t *testing.T) {
	image := imagespec.ImageConfig{Entrypoint: []string{"/entry"}, Cmd: []string{"default-arg"}}
	env := []string{"NAME=world"}
	cases := []struct {
		command, args, want []string
	}{
		{nil, nil, []string{"/entry", "default-arg"}},
		{nil, []string{"hello", "$(NAME)"}, []string{"/entry", "hello", "world"}},
		{[]string{"/other"}, nil, []string{"/other"}},
		{[]string{"/other"}, []string{"x", "$(UNSET)", "$$(NAME)"}, []string{"/other", "x", "$(UNSET)", "$(NAME)"}},
	}
	for _, c := range cases {
		got, err := containerArgs(&corev1.Container{Command: c.command, Args: c.args}, image, env)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("command %q args %q: got %q (%v), want %q", c.command, c.args, got, err, c.want)
		}
	}
	if _, err := containerArgs(&corev1.Container{}, imagespec.ImageConfig{}, nil); err == nil {
		t.Error("an image without Entrypoint/Cmd and no command was accepted")
	}
}

func TestRuntimeSpecHonoursThePodSpec(t *testing.T) {
	pod := courierLikePod()
	spec := specFor(t, pod, courierImage)

	if want := []string{"/usr/local/bin/courier", "serve", "--admin", "198.18.7.2:9090", "$(LITERAL)"}; !reflect.DeepEqual(spec.Process.Args, want) {
		t.Errorf("args %q, want %q", spec.Process.Args, want)
	}
	if spec.Process.Cwd != "/app" {
		t.Errorf("cwd %q, want the image's WorkingDir", spec.Process.Cwd)
	}
	if spec.Process.User.UID != 65532 || spec.Process.User.GID != 65532 {
		t.Errorf("user %+v", spec.Process.User)
	}
	if !spec.Root.Readonly || spec.Root.Path != "/state/pod/oci/ck-1-0a1b2c3d-courier-0/rootfs" {
		t.Errorf("root %+v, want read-only", spec.Root)
	}
	if !spec.Process.NoNewPrivileges {
		t.Error("allowPrivilegeEscalation=false must set noNewPrivileges")
	}
	caps := spec.Process.Capabilities
	for _, set := range [][]string{caps.Bounding, caps.Effective, caps.Permitted} {
		if !reflect.DeepEqual(set, []string{"CAP_NET_BIND_SERVICE"}) {
			t.Errorf("capabilities %v, want only CAP_NET_BIND_SERVICE (drop ALL, add NET_BIND_SERVICE)", set)
		}
	}
	if len(caps.Inheritable) != 0 || len(caps.Ambient) != 0 {
		t.Errorf("inheritable %v ambient %v, want none", caps.Inheritable, caps.Ambient)
	}
	if spec.Hostname != pod.Name {
		t.Errorf("hostname %q", spec.Hostname)
	}

	var netns string
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			netns = ns.Path
		}
	}
	if netns != "/var/run/netns/ck-1-2" {
		t.Errorf("network namespace %q, want the pod's", netns)
	}

	mounts := map[string]specs.Mount{}
	for _, m := range spec.Mounts {
		mounts[m.Destination] = m
	}
	readOnly := func(m specs.Mount) bool {
		for _, o := range m.Options {
			if o == "ro" {
				return true
			}
		}
		return false
	}
	token := mounts["/var/run/secrets/kubernetes.io/serviceaccount"]
	if token.Source != "/state/pod/volumes/kube-api-access-x" || token.Type != "bind" || !readOnly(token) {
		t.Errorf("service-account token mount %+v", token)
	}
	if tmp := mounts["/tmp"]; tmp.Source != "/state/pod/volumes/tmp" || readOnly(tmp) {
		t.Errorf("emptyDir /tmp mount %+v, want writable", tmp)
	}
	if file := mounts["/etc/courier/courier.yaml"]; file.Source != "/state/pod/volumes/config/courier.yaml" || !readOnly(file) {
		t.Errorf("subPath mount %+v, want the file, read-only (a configMap)", file)
	}
	if hosts := mounts["/etc/hosts"]; hosts.Source != "/state/pod/etc-hosts" {
		t.Errorf("/etc/hosts mount %+v", hosts)
	}
	for _, dest := range []string{"/proc", "/dev", "/dev/pts", "/dev/shm", "/sys"} {
		if _, ok := mounts[dest]; !ok {
			t.Errorf("no %s mount", dest)
		}
	}

	r := spec.Linux.Resources
	if r.Memory == nil || *r.Memory.Limit != 256<<20 {
		t.Errorf("memory %+v, want a 256Mi limit", r.Memory)
	}
	if r.CPU == nil || *r.CPU.Quota != 150000 || *r.CPU.Period != 100000 || *r.CPU.Shares != 102 {
		t.Errorf("cpu %+v, want quota 150000/100000 (1500m) and shares 102 (100m)", r.CPU)
	}
	if spec.Linux.CgroupsPath != "/ck-1-0a1b2c3d-courier-0" {
		t.Errorf("cgroups path %q", spec.Linux.CgroupsPath)
	}
	if spec.Linux.Sysctl["net.ipv4.ip_unprivileged_port_start"] != "0" {
		t.Error("unprivileged ports from 0, as containerd sets for pods")
	}
}

func TestRuntimeSpecDefaults(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "plain"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", WorkingDir: "/work"}}},
	}
	spec := specFor(t, pod, imagespec.ImageConfig{Cmd: []string{"/bin/app"}})
	if spec.Root.Readonly || spec.Process.NoNewPrivileges {
		t.Error("root must be writable and privilege escalation allowed by default")
	}
	if spec.Process.Cwd != "/work" {
		t.Errorf("cwd %q, want the container's workingDir", spec.Process.Cwd)
	}
	if !reflect.DeepEqual(spec.Process.Capabilities.Bounding, capabilities(nil)) || len(capabilities(nil)) != len(defaultCapabilities) {
		t.Errorf("capabilities %v, want the runtime default set", spec.Process.Capabilities.Bounding)
	}
	if spec.Linux.Resources.Memory != nil || spec.Linux.Resources.CPU != nil {
		t.Error("no limits asked, none set")
	}
	dropped := capabilities(&corev1.SecurityContext{Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"NET_RAW", "CAP_KILL"}}})
	if strings.Contains(strings.Join(dropped, ","), "NET_RAW") || strings.Contains(strings.Join(dropped, ","), "CAP_KILL") || len(dropped) != len(defaultCapabilities)-2 {
		t.Errorf("dropping two: %v", dropped)
	}
	pod.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
	if _, err := buildRuntimeSpec(ociSpecInput{Pod: pod, Container: &pod.Spec.Containers[0], Image: imagespec.ImageConfig{Cmd: []string{"x"}}}); err == nil {
		t.Error("a privileged container was accepted")
	}
}

func TestUserComesFromSecurityContextElseTheImage(t *testing.T) {
	rootfs := t.TempDir()
	_ = os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	_ = os.WriteFile(filepath.Join(rootfs, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n"), 0o644)
	_ = os.WriteFile(filepath.Join(rootfs, "etc/group"), []byte("root:x:0:\nnonroot:x:65532:\nextra:x:700:nonroot\n"), 0o644)
	container := &corev1.Container{}
	pod := &corev1.Pod{}

	cases := []struct {
		name      string
		imageUser string
		sc        *corev1.SecurityContext
		podSC     *corev1.PodSecurityContext
		want      specs.User
	}{
		{"image name", "nonroot", nil, nil, specs.User{UID: 65532, GID: 65532, AdditionalGids: []uint32{700}}},
		{"image uid:gid", "1000:2000", nil, nil, specs.User{UID: 1000, GID: 2000}},
		{"nothing: root", "", nil, nil, specs.User{UID: 0, GID: 0}},
		// As containerd: with runAsUser the image's group is not used; /etc/passwd gives the uid's group.
		{"runAsUser over the image", "1000:2000", &corev1.SecurityContext{RunAsUser: ptr(int64(65532))}, nil, specs.User{UID: 65532, GID: 65532, AdditionalGids: []uint32{700}}},
		{"container over pod", "", &corev1.SecurityContext{RunAsUser: ptr(int64(5)), RunAsGroup: ptr(int64(6))}, &corev1.PodSecurityContext{RunAsUser: ptr(int64(7)), RunAsGroup: ptr(int64(8))}, specs.User{UID: 5, GID: 6}},
		{"pod level, fsGroup and supplementalGroups", "", nil, &corev1.PodSecurityContext{RunAsUser: ptr(int64(65532)), SupplementalGroups: []int64{40}, FSGroup: ptr(int64(50))}, specs.User{UID: 65532, GID: 65532, AdditionalGids: []uint32{700, 40, 50}}},
	}
	for _, c := range cases {
		container.SecurityContext, pod.Spec.SecurityContext = c.sc, c.podSC
		got, err := resolveUser(pod, container, c.imageUser, rootfs)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v (%v), want %+v", c.name, got, err, c.want)
		}
	}
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptr(true)}
	container.SecurityContext = nil
	if _, err := resolveUser(pod, container, "", rootfs); err == nil {
		t.Error("runAsNonRoot with a root image user was accepted")
	}
	if _, err := resolveUser(pod, container, "nobody-here", rootfs); err == nil {
		t.Error("an unknown user name was accepted")
	}
}
