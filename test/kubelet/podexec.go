package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// execSpec is what the kubelet hands to "pod-exec": the mounts a container
// sees and the process it becomes.
type execSpec struct {
	Mounts     []execMount `json:"mounts"`
	OverlayDir string      `json:"overlayDir"` // scratch space for mount points that do not exist on the host
	Argv       []string    `json:"argv"`
	Env        []string    `json:"env"`
	WorkingDir string      `json:"workingDir,omitempty"`
}

type execMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly"`
}

// runPodExec runs inside "ip netns exec", which has already put this process
// in the pod's network namespace and in a mount namespace of its own (mounts
// made here are not seen by the host). It bind-mounts each volume at its
// mountPath and then execs the container's binary, keeping the pid.
func runPodExec(args []string) error {
	fs := flag.NewFlagSet("pod-exec", flag.ContinueOnError)
	specPath := fs.String("spec", "", "JSON execSpec")
	if err := fs.Parse(args); err != nil {
		return err
	}
	data, err := os.ReadFile(*specPath)
	if err != nil {
		return err
	}
	var spec execSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return err
	}
	// Nothing mounted here may propagate back to the host.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	for i, m := range spec.Mounts {
		if err := ensureMountPoint(m.Target, filepath.Join(spec.OverlayDir, fmt.Sprint(i))); err != nil {
			return fmt.Errorf("mount point %s: %w", m.Target, err)
		}
		if err := syscall.Mount(m.Source, m.Target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %s on %s: %w", m.Source, m.Target, err)
		}
		if m.ReadOnly {
			if err := syscall.Mount("", m.Target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
				return fmt.Errorf("read-only %s: %w", m.Target, err)
			}
		}
	}
	if spec.WorkingDir != "" {
		if err := os.Chdir(spec.WorkingDir); err != nil {
			return err
		}
	}
	return syscall.Exec(spec.Argv[0], spec.Argv, spec.Env)
}

// ensureMountPoint makes target exist without touching the host's files: when
// it is missing, its nearest existing ancestor is covered (in this mount
// namespace only) by an overlay whose upper layer lives in scratch, and the
// directory is made there.
func ensureMountPoint(target, scratch string) error {
	if _, err := os.Stat(target); err == nil {
		return nil
	}
	ancestor := filepath.Dir(target)
	for {
		if _, err := os.Stat(ancestor); err == nil {
			break
		}
		ancestor = filepath.Dir(ancestor)
	}
	if ancestor == "/" {
		return fmt.Errorf("will not overlay / for %s", target)
	}
	upper, work := filepath.Join(scratch, "upper"), filepath.Join(scratch, "work")
	for _, dir := range []string{upper, work} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	options := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", ancestor, upper, work)
	if err := syscall.Mount("overlay", ancestor, "overlay", 0, options); err != nil {
		return fmt.Errorf("overlay on %s: %w", ancestor, err)
	}
	return os.MkdirAll(target, 0o755)
}
