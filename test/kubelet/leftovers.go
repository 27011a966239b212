package main

import (
	"bufio"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// Everything a kubelet makes on the host carries its pid in its name: runc
// state directories /run/courier-kubelet/<pid>, containers and their overlay
// mounts ck-<pid>-..., network namespaces ck-<pid>-<n>, the bridge ckb<pid>,
// the unreachable route of the service range (metric <pid>, proto
// routeProtocol). A kubelet removes its own on the way out; sweepLeftovers
// removes those of kubelets that died without doing so.

// routeProtocol marks the routes a kubelet adds (a free number of rt_protos).
const routeProtocol = "211"

var (
	netnsName   = regexp.MustCompile(`^ck-(\d+)-\d+$`)
	bridgeName  = regexp.MustCompile(`^ckb(\d+)$`)
	overlayPath = regexp.MustCompile(`/oci/ck-(\d+)-[^/]+/rootfs$`)
	routeMetric = regexp.MustCompile(`\bmetric (\d+)\b`)
)

// alive tells whether a process with that pid runs (a zombie does not).
func alive(pid int) bool {
	return processExists(pid)
}

// deadOwner parses a pid and tells whether it is dead (and may be swept),
// or is the one pid asked for when only is set.
func deadOwner(pidText string, only int) bool {
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 1 || pid == os.Getpid() {
		return false
	}
	if only > 0 && pid != only {
		return false
	}
	return !alive(pid)
}

// sweepLeftovers removes what dead kubelets left (only = 0), or what the dead
// kubelet with pid only left.
func sweepLeftoversOf(runcBinary string, only int) {
	// Containers first: they hold mounts and namespaces.
	if entries, err := os.ReadDir(runcStateRoot); err == nil {
		if path, lookErr := exec.LookPath(runcBinary); lookErr == nil {
			for _, e := range entries {
				if deadOwner(e.Name(), only) {
					logf("cleanup: runc containers of dead kubelet %s", e.Name())
					deleteAllContainers(path, filepath.Join(runcStateRoot, e.Name()))
				}
			}
		}
	}
	if f, err := os.Open("/proc/self/mountinfo"); err == nil {
		var targets []string
		scanner := bufio.NewScanner(f)
		for scanner.Scan() {
			fields := strings.Fields(scanner.Text())
			if len(fields) > 4 {
				if m := overlayPath.FindStringSubmatch(fields[4]); m != nil && deadOwner(m[1], only) {
					targets = append(targets, fields[4])
				}
			}
		}
		f.Close()
		for _, target := range targets {
			logf("cleanup: unmount %s", target)
			_ = syscall.Unmount(target, syscall.MNT_DETACH)
		}
	}
	if out, err := exec.Command("ip", "netns", "list").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			fields := strings.Fields(line)
			if len(fields) > 0 {
				if m := netnsName.FindStringSubmatch(fields[0]); m != nil && deadOwner(m[1], only) {
					logf("cleanup: network namespace %s", fields[0])
					_ = ip("netns", "del", fields[0])
				}
			}
		}
	}
	if out, err := exec.Command("ip", "-o", "link", "show", "type", "bridge").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			fields := strings.Fields(line)
			if len(fields) > 1 {
				name := strings.TrimSuffix(fields[1], ":")
				if m := bridgeName.FindStringSubmatch(name); m != nil && deadOwner(m[1], only) {
					logf("cleanup: bridge %s", name)
					_ = ip("link", "del", name)
				}
			}
		}
	}
	if out, err := exec.Command("ip", "route", "show", "type", "unreachable", "proto", routeProtocol).Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if m := routeMetric.FindStringSubmatch(line); m != nil && deadOwner(m[1], only) {
				fields := strings.Fields(line)
				if len(fields) > 1 {
					logf("cleanup: route %s", strings.TrimSpace(line))
					_ = ip("route", "del", "unreachable", fields[1], "metric", m[1], "proto", routeProtocol)
				}
			}
		}
	}
}

func sweepLeftovers(runcBinary string) { sweepLeftoversOf(runcBinary, 0) }

// runCleanup is "courier-kubelet cleanup [--pid PID]": what dead kubelets (or
// the dead kubelet PID) left on this host is removed. Live kubelets' things stay.
func runCleanup(args []string) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	pid := fs.Int("pid", 0, "only what the kubelet with this pid left (it must have exited)")
	runc := fs.String("runc", "runc", "the OCI runtime binary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sweepLeftoversOf(*runc, *pid)
	return nil
}
