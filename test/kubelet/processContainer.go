package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	corev1 "k8s.io/api/core/v1"
)

// startProcess runs a container whose image maps to a host binary (--image):
// "ip netns exec" puts it in the pod's network namespace and a new mount
// namespace, "pod-exec" mounts its volumes there and execs the binary. No
// image filesystem, user, capabilities or limits: the binary runs as root.
func (rt *podRuntime) startProcess(ctx context.Context, pod *corev1.Pod, container *corev1.Container, cp *containerProcess, volumes string, logFile *os.File) (*startedContainer, error) {
	binary, err := rt.k.images.binaryFor(container.Image, rt.k.ociImages.repositories())
	if err != nil {
		cp.problem = &waiting{"ErrImageNeverPull", err.Error()}
		return nil, err
	}
	if len(container.Command) > 0 {
		err := fmt.Errorf("container command %q is not supported: image %s maps to one binary", container.Command, container.Image)
		cp.problem = &waiting{"CreateContainerConfigError", err.Error()}
		return nil, err
	}
	env, err := containerEnv(ctx, rt.k.client, pod, container, nil)
	if err != nil {
		cp.problem = &waiting{"CreateContainerConfigError", err.Error()}
		return nil, err
	}
	spec := execSpec{
		OverlayDir: filepath.Join(rt.dir, "overlay", container.Name),
		Argv:       append([]string{binary}, expandAll(container.Args, env)...),
		Env:        env,
		WorkingDir: container.WorkingDir,
	}
	for _, mount := range container.VolumeMounts {
		source := filepath.Join(volumes, mount.Name, mount.SubPath)
		spec.Mounts = append(spec.Mounts, execMount{Source: source, Target: mount.MountPath, ReadOnly: mount.ReadOnly || isConfigVolume(pod, mount.Name)})
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	specPath := filepath.Join(rt.dir, container.Name+".json")
	if err := os.WriteFile(specPath, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("ip", "netns", "exec", rt.sandbox.netns, rt.k.self, "pod-exec", "--spec", specPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group (stopped as one); killed if the kubelet dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		cp.problem = &waiting{"RunContainerError", err.Error()}
		return nil, err
	}
	return &startedContainer{cmd: cmd, id: "process://" + binary}, nil
}

// isConfigVolume tells the volumes a kubelet always mounts read-only.
func isConfigVolume(pod *corev1.Pod, name string) bool {
	for _, v := range pod.Spec.Volumes {
		if v.Name == name {
			return v.Secret != nil || v.ConfigMap != nil || v.Projected != nil || v.DownwardAPI != nil
		}
	}
	return false
}
