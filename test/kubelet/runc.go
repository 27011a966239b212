package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runcStateRoot holds one runc state directory (runc --root) per kubelet,
// named by its pid: a later kubelet deletes the containers of dead ones.
const runcStateRoot = "/run/courier-kubelet"

// runcRuntime runs containers with the runc binary, its state kept apart from
// any other runc user's.
type runcRuntime struct {
	binary string
	root   string
	pid    int
}

func newRuncRuntime(binary string, pid int) (*runcRuntime, error) {
	path, err := exec.LookPath(binary)
	if err != nil {
		return nil, fmt.Errorf("the OCI runtime %q is not installed (sh scripts/ensure.sh runc): %w", binary, err)
	}
	root := filepath.Join(runcStateRoot, fmt.Sprint(pid))
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, err
	}
	return &runcRuntime{binary: path, root: root, pid: pid}, nil
}

func (r *runcRuntime) command(args ...string) *exec.Cmd {
	return exec.Command(r.binary, append([]string{"--root", r.root}, args...)...)
}

// run is "runc run" in the foreground: the kubelet waits for it as for a
// process; it passes signals on to the container and exits with its status.
func (r *runcRuntime) run(id, bundle string) *exec.Cmd {
	cmd := r.command("run", "--bundle", bundle, id)
	// Own process group; if the kubelet dies, runc is told to stop the container.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	return cmd
}

// close deletes whatever container is left and the state directory.
func (r *runcRuntime) close() {
	deleteAllContainers(r.binary, r.root)
}

// deleteAllContainers force-deletes every container in a runc state directory, then the directory.
func deleteAllContainers(binary, root string) {
	out, _ := exec.Command(binary, "--root", root, "list", "-q").Output()
	for _, id := range strings.Fields(string(out)) {
		if err := exec.Command(binary, "--root", root, "delete", "--force", id).Run(); err != nil {
			logf("runc delete %s: %v", id, err)
		}
	}
	_ = os.RemoveAll(root)
}

// ociInstance is one run of a container under runc: its id, bundle and
// overlay root filesystem. remove() is safe to call more than once.
type ociInstance struct {
	runtime *runcRuntime
	id      string
	bundle  string
	rootfs  string

	once    sync.Once
	removed chan struct{}
}

// kill sends SIGKILL to every process of the container.
func (o *ociInstance) kill() {
	_ = o.runtime.command("kill", "--all", o.id, "KILL").Run()
}

// remove deletes the runc container (and its cgroups), unmounts the overlay
// and removes the bundle.
func (o *ociInstance) remove() {
	o.once.Do(func() {
		defer close(o.removed)
		if out, err := o.runtime.command("delete", "--force", o.id).CombinedOutput(); err != nil && !strings.Contains(string(out), "does not exist") {
			logf("runc delete %s: %v: %s", o.id, err, strings.TrimSpace(string(out)))
		}
		if err := unmount(o.rootfs); err != nil {
			logf("unmount %s: %v", o.rootfs, err)
			return // keep the files: removing them through a mount would reach the image
		}
		_ = os.RemoveAll(o.bundle)
	})
}

// unmount unmounts target, detaching it lazily when it is busy.
func unmount(target string) error {
	for i := 0; i < 20; i++ {
		err := syscall.Unmount(target, 0)
		if err == nil || err == syscall.EINVAL || err == syscall.ENOENT {
			return nil // unmounted (EINVAL: not a mount point)
		}
		if err != syscall.EBUSY {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return syscall.Unmount(target, syscall.MNT_DETACH)
}
