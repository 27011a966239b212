package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
)

// ociSpecInput is everything the runtime spec of one container is made from.
type ociSpecInput struct {
	Pod       *corev1.Pod
	Container *corev1.Container
	Image     imagespec.ImageConfig
	Env       []string   // resolved: image Env, then the container's (containerEnv)
	User      specs.User // resolved (resolveUser)
	RootFS    string     // the container's root filesystem (an overlay over the image)
	NetNS     string     // path of the pod's network namespace
	Volumes   string     // directory holding one directory per pod volume
	EtcHosts  string     // files the kubelet writes for the pod
	Hostname  string
	Cgroup    string // cgroups path
}

// defaultCapabilities are those a CRI runtime (containerd, CRI-O) grants a
// container that neither adds nor drops any.
var defaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// allCapabilities are the capabilities "ALL" adds (those runc 1.1 knows).
var allCapabilities = []string{
	"CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE", "CAP_BLOCK_SUSPEND", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_KILL", "CAP_LEASE", "CAP_LINUX_IMMUTABLE",
	"CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_MKNOD", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_RAW", "CAP_PERFMON", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE", "CAP_SYS_NICE",
	"CAP_SYS_PACCT", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_SYSLOG", "CAP_WAKE_ALARM",
}

// containerArgs applies Kubernetes' rule for command and args over the
// image's Entrypoint and Cmd, then expands $(VAR) from the environment.
func containerArgs(container *corev1.Container, image imagespec.ImageConfig, env []string) ([]string, error) {
	var argv []string
	switch {
	case len(container.Command) > 0:
		argv = append(append(argv, container.Command...), container.Args...)
	case len(container.Args) > 0:
		argv = append(append(argv, image.Entrypoint...), container.Args...)
	default:
		argv = append(append(argv, image.Entrypoint...), image.Cmd...)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command: the image has no Entrypoint or Cmd and the container sets no command")
	}
	return expandAll(argv, env), nil
}

// capabilities applies the container's securityContext.capabilities (names
// with or without CAP_, or ALL) to the runtime's default set.
func capabilities(sc *corev1.SecurityContext) []string {
	set := map[string]bool{}
	for _, c := range defaultCapabilities {
		set[c] = true
	}
	if sc != nil && sc.Capabilities != nil {
		norm := func(c corev1.Capability) string {
			name := strings.ToUpper(string(c))
			if name == "ALL" || strings.HasPrefix(name, "CAP_") {
				return name
			}
			return "CAP_" + name
		}
		for _, c := range sc.Capabilities.Drop {
			if norm(c) == "ALL" {
				set = map[string]bool{}
			} else {
				delete(set, norm(c))
			}
		}
		for _, c := range sc.Capabilities.Add {
			if norm(c) == "ALL" {
				for _, all := range allCapabilities {
					set[all] = true
				}
			} else {
				set[norm(c)] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// buildRuntimeSpec makes the OCI runtime spec (runc's config.json) of one container.
func buildRuntimeSpec(in ociSpecInput) (*specs.Spec, error) {
	pod, container := in.Pod, in.Container
	sc := container.SecurityContext
	if sc != nil && sc.Privileged != nil && *sc.Privileged {
		return nil, fmt.Errorf("privileged containers are not supported by this kubelet")
	}
	argv, err := containerArgs(container, in.Image, in.Env)
	if err != nil {
		return nil, err
	}
	cwd := container.WorkingDir
	if cwd == "" {
		cwd = in.Image.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	caps := capabilities(sc)
	process := &specs.Process{
		User: in.User,
		Args: argv,
		Env:  in.Env,
		Cwd:  cwd,
		Capabilities: &specs.LinuxCapabilities{
			Bounding:  caps,
			Effective: caps,
			Permitted: caps,
		},
		NoNewPrivileges: sc != nil && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation,
	}

	mounts := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		{Destination: "/etc/hosts", Type: "bind", Source: in.EtcHosts, Options: []string{"rbind", "rprivate", "ro"}},
	}
	volumeSources := map[string]*corev1.Volume{}
	for i := range pod.Spec.Volumes {
		volumeSources[pod.Spec.Volumes[i].Name] = &pod.Spec.Volumes[i]
	}
	for _, vm := range container.VolumeMounts {
		volume, ok := volumeSources[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volumeMount %q names no volume of the pod", vm.Name)
		}
		if vm.SubPathExpr != "" {
			return nil, fmt.Errorf("volumeMount %q: subPathExpr is not supported", vm.Name)
		}
		subPath := filepath.Clean("/" + vm.SubPath)
		options := []string{"rbind", "rprivate"}
		if vm.ReadOnly || volume.Secret != nil || volume.ConfigMap != nil || volume.Projected != nil || volume.DownwardAPI != nil {
			options = append(options, "ro")
		}
		mounts = append(mounts, specs.Mount{
			Destination: vm.MountPath,
			Type:        "bind",
			Source:      filepath.Join(in.Volumes, vm.Name, subPath),
			Options:     options,
		})
	}

	sysctl := map[string]string{
		// As containerd does for every pod: binding ports below 1024 needs no capability.
		"net.ipv4.ip_unprivileged_port_start": "0",
		"net.ipv4.ping_group_range":           "0 2147483647",
	}
	if pod.Spec.SecurityContext != nil {
		for _, s := range pod.Spec.SecurityContext.Sysctls {
			sysctl[s.Name] = s.Value
		}
	}

	return &specs.Spec{
		Version:  "1.0.2-dev",
		Root:     &specs.Root{Path: in.RootFS, Readonly: sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem},
		Process:  process,
		Hostname: in.Hostname,
		Mounts:   mounts,
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace},
				{Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace},
				{Type: specs.MountNamespace},
				{Type: specs.NetworkNamespace, Path: in.NetNS},
			},
			Resources:   linuxResources(container.Resources),
			CgroupsPath: in.Cgroup,
			Sysctl:      sysctl,
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
				"/sys/firmware", "/sys/devices/virtual/powercap",
			},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}, nil
}

// linuxResources turns requests and limits into cgroup settings: memory limit,
// CPU quota over a 100 ms period from limits.cpu, CPU shares from requests.cpu
// (or limits.cpu, as the API server defaults requests to limits).
func linuxResources(resources corev1.ResourceRequirements) *specs.LinuxResources {
	out := &specs.LinuxResources{
		// The default device rules of a container: nothing but the usual character devices.
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
	}
	if memory, ok := resources.Limits[corev1.ResourceMemory]; ok {
		limit := memory.Value()
		out.Memory = &specs.LinuxMemory{Limit: &limit}
	}
	cpuRequest, hasRequest := resources.Requests[corev1.ResourceCPU]
	cpuLimit, hasLimit := resources.Limits[corev1.ResourceCPU]
	if !hasRequest && hasLimit {
		cpuRequest, hasRequest = cpuLimit, true
	}
	if hasRequest || hasLimit {
		out.CPU = &specs.LinuxCPU{}
	}
	if hasRequest {
		shares := uint64(max(cpuRequest.MilliValue()*1024/1000, 2))
		out.CPU.Shares = &shares
	}
	if hasLimit {
		period := uint64(100000)
		quota := max(cpuLimit.MilliValue()*100, 1000) // at least 1 ms per period, as the kubelet
		out.CPU.Period, out.CPU.Quota = &period, &quota
	}
	return out
}
