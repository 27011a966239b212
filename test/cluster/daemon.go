package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runUp starts "serve" as a detached process (its own session, output to
// <dir>/serve.log) and waits until it is ready, or reuses a cluster already
// running from dir. It prints one line: KUBECONFIG=<absolute path>.
func runUp(args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	dir := fs.String("dir", "", "state directory")
	ownerPID := fs.Int("owner-pid", 0, "stop the cluster when this process is gone")
	bundle := fs.String("crds", "v1", "CRD bundle to install: v1, v1alpha2 or none")
	timeout := fs.Duration("timeout", 3*time.Minute, "how long to wait for readiness")
	reuse := fs.Bool("reuse", false, "when dir holds a stopped cluster (see \"stop\"), start it again on the same PKI, ports and data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := stateDir(*dir)
	if err != nil {
		return err
	}
	unlock, err := lockDir(root)
	if err != nil {
		return err
	}
	defer unlock()

	if info, ok := runningCluster(root); ok {
		fmt.Printf("KUBECONFIG=%s\n", info.Kubeconfig)
		return nil
	}
	if *reuse && canReuse(root) {
		kubeconfig, err := startServe(root, *ownerPID, *bundle, *timeout, true)
		if err != nil {
			return err
		}
		fmt.Printf("KUBECONFIG=%s\n", kubeconfig)
		return nil
	}
	// Ports are picked free but released before etcd and the API server bind
	// them; another process may take one in between. Start over when that happens.
	for attempt := 1; ; attempt++ {
		kubeconfig, err := startServe(root, *ownerPID, *bundle, *timeout, false)
		if err == nil {
			fmt.Printf("KUBECONFIG=%s\n", kubeconfig)
			return nil
		}
		if attempt == 3 || !strings.Contains(logTail(root), "address already in use") {
			return err
		}
	}
}

// startServe starts "serve" on a clean dir (or with reuse, on the state a stopped
// cluster left there) and waits until it has written its cluster.json; it returns
// the admin kubeconfig path.
func startServe(root string, ownerPID int, bundle string, timeout time.Duration, reuse bool) (string, error) {
	if reuse {
		// Only the readiness marker of the previous run goes.
		if err := os.Remove(infoPath(root)); err != nil && !os.IsNotExist(err) {
			return "", err
		}
	} else if err := clearDir(root); err != nil {
		// Whatever is left is from a cluster that is gone: start clean.
		return "", err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	logFile, err := os.OpenFile(logPath(root), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", err
	}
	defer logFile.Close()
	args := []string{"serve", "--dir", root, "--owner-pid", strconv.Itoa(ownerPID), "--crds", bundle}
	if reuse {
		args = append(args, "--reuse")
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Own session: the cluster outlives "up" and is not hit by the terminal's ^C.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	if err := os.WriteFile(pidPath(root), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.After(timeout)
	for {
		if info, err := readInfo(root); err == nil {
			return info.Kubeconfig, nil
		}
		select {
		case err := <-exited:
			return "", fmt.Errorf("serve exited (%v) before it was ready; log:\n%s", err, logTail(root))
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			return "", fmt.Errorf("not ready within %s; log:\n%s", timeout, logTail(root))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runDown stops the cluster running from dir (if any) and removes dir.
func runDown(args []string) error {
	root, unlock, err := stopServing("down", args)
	if err != nil {
		return err
	}
	defer unlock()
	return removeState(root)
}

// stopServing parses a stopping subcommand's --dir, locks the state directory and
// stops its serve process (SIGTERM, then SIGKILL). The caller unlocks.
func stopServing(name string, args []string) (string, func(), error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dir := fs.String("dir", "", "state directory")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	root, err := stateDir(*dir)
	if err != nil {
		return "", nil, err
	}
	unlock, err := lockDir(root)
	if err != nil {
		return "", nil, err
	}
	if pid, ok := servePID(root); ok {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if !waitGone(pid, 10*time.Second) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			if !waitGone(pid, 10*time.Second) {
				unlock()
				return "", nil, fmt.Errorf("process %d did not stop", pid)
			}
		}
	}
	return root, unlock, nil
}

// removeState deletes the state directory and its lock file.
func removeState(root string) error {
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	if err := os.Remove(root + ".lock"); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

func stateDir(dir string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("--dir is required")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return root, os.MkdirAll(root, 0o700)
}

// lockDir serializes up/down on one state directory across processes. The
// lock file sits beside the directory so clearing the directory keeps it.
func lockDir(root string) (func(), error) {
	f, err := os.OpenFile(root+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// runningCluster reports the cluster of dir if its serve process is alive
// and it finished starting.
func runningCluster(root string) (clusterInfo, bool) {
	info, err := readInfo(root)
	if err != nil {
		return info, false
	}
	pid, ok := servePID(root)
	return info, ok && pid == info.PID
}

// servePID returns the pid recorded in dir if that process is still our
// "serve" for this dir (a recycled pid belongs to someone else: never signal it).
func servePID(root string) (int, bool) {
	data, err := os.ReadFile(pidPath(root))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0, false
	}
	fields := bytes.Split(cmdline, []byte{0})
	isServe, hasDir := false, false
	for _, f := range fields {
		if string(f) == "serve" {
			isServe = true
		}
		if string(f) == root {
			hasDir = true
		}
	}
	return pid, isServe && hasDir
}

func waitGone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		// A stopped child of ours stays a zombie until reaped; /proc shows "Z".
		if !processAlive(pid) || isZombie(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func isZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state letter follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

func clearDir(root string) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func logTail(root string) string {
	data, _ := os.ReadFile(logPath(root))
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}
