package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	corev1 "k8s.io/api/core/v1"
)

// startOCI runs a container from an OCI image under runc: a fresh overlay
// over the unpacked image as its root, the runtime spec made from the image
// config and the pod spec (ociSpec.go), the pod's network namespace.
func (rt *podRuntime) startOCI(ctx context.Context, pod *corev1.Pod, container *corev1.Container, cp *containerProcess, volumes, archive string, logFile *os.File) (*startedContainer, error) {
	if rt.k.runc == nil {
		err := fmt.Errorf("no OCI runtime")
		cp.problem = &waiting{"RunContainerError", err.Error()}
		return nil, err
	}
	image, err := rt.k.ociImages.image(archive)
	if err != nil {
		cp.problem = &waiting{"ErrImagePull", err.Error()}
		return nil, err
	}
	env, err := containerEnv(ctx, rt.k.client, pod, container, append([]string{}, image.Config.Env...))
	if err != nil {
		cp.problem = &waiting{"CreateContainerConfigError", err.Error()}
		return nil, err
	}
	user, err := resolveUser(pod, container, image.Config.User, image.RootFS)
	if err != nil {
		cp.problem = &waiting{"CreateContainerConfigError", err.Error()}
		return nil, err
	}
	etcHosts, err := rt.writeEtcHosts(pod)
	if err != nil {
		return nil, err
	}
	// Names carry the kubelet's pid (leftovers of a dead kubelet are found by it)
	// and the restart count (a new run never meets the last one's remains).
	id := fmt.Sprintf("ck-%d-%s-%s-%d", rt.k.runc.pid, shortUID(string(pod.UID)), container.Name, cp.restarts)
	bundle := filepath.Join(rt.dir, "oci", id)
	rootfs := filepath.Join(bundle, "rootfs")
	for _, dir := range []string{rootfs, filepath.Join(bundle, "upper"), filepath.Join(bundle, "work")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	instance := &ociInstance{runtime: rt.k.runc, id: id, bundle: bundle, rootfs: rootfs, removed: make(chan struct{})}
	overlay := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", image.RootFS, filepath.Join(bundle, "upper"), filepath.Join(bundle, "work"))
	if err := syscall.Mount("overlay", rootfs, "overlay", 0, overlay); err != nil {
		instance.remove()
		cp.problem = &waiting{"RunContainerError", fmt.Sprintf("root filesystem overlay: %v", err)}
		return nil, err
	}
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	spec, err := buildRuntimeSpec(ociSpecInput{
		Pod: pod, Container: container, Image: image.Config, Env: env, User: user,
		RootFS: rootfs, NetNS: filepath.Join("/var/run/netns", rt.sandbox.netns),
		Volumes: volumes, EtcHosts: etcHosts, Hostname: hostname, Cgroup: "/" + id,
	})
	if err != nil {
		instance.remove()
		cp.problem = &waiting{"CreateContainerConfigError", err.Error()}
		return nil, err
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		instance.remove()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o600); err != nil {
		instance.remove()
		return nil, err
	}
	cmd := rt.k.runc.run(id, bundle)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		instance.remove()
		cp.problem = &waiting{"RunContainerError", err.Error()}
		return nil, err
	}
	logf("pod %s container %s: runc container %s (image %s, uid %d)", rt.key, container.Name, id, image.Digest, user.UID)
	return &startedContainer{cmd: cmd, oci: instance, id: "runc://" + id}, nil
}

func shortUID(uid string) string {
	uid = strings.ReplaceAll(uid, "-", "")
	if len(uid) > 8 {
		return uid[:8]
	}
	return uid
}

// writeEtcHosts writes the pod's /etc/hosts (once) as a kubelet does: localhost
// and the pod's own name at its address.
func (rt *podRuntime) writeEtcHosts(pod *corev1.Pod) (string, error) {
	file := filepath.Join(rt.dir, "etc-hosts")
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	content := fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n", rt.sandbox.address, hostname)
	for _, alias := range pod.Spec.HostAliases {
		content += alias.IP + "\t" + strings.Join(alias.Hostnames, " ") + "\n"
	}
	return file, os.WriteFile(file, []byte(content), 0o644)
}
