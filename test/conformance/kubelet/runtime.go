package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podRuntime is one Pod on this node: its network namespace, its volume
// files and one process per container, restarted when it exits.
type podRuntime struct {
	k    *kubelet
	key  string
	uid  types.UID
	dir  string
	name string

	mu         sync.Mutex
	sandbox    *sandbox
	startedAt  metav1.Time
	problem    *waiting // why the containers cannot start yet (whole pod)
	written    bool     // volume files are written once: containers bind-mount them
	containers map[string]*containerProcess
	stopped    bool
}

type waiting struct {
	reason, message string
}

// containerProcess is one container's process and its history.
type containerProcess struct {
	name, image string
	binary      string
	cmd         *exec.Cmd
	running     bool
	ready       bool
	startedAt   metav1.Time
	restarts    int32
	lastExit    *corev1.ContainerStateTerminated
	notBefore   time.Time // crash-loop backoff
	problem     *waiting
}

func newPodRuntime(k *kubelet, pod *corev1.Pod) *podRuntime {
	return &podRuntime{
		k: k, key: pod.Namespace + "/" + pod.Name, uid: pod.UID, name: pod.Name,
		dir:        filepath.Join(k.root, string(pod.UID)),
		startedAt:  metav1.Now(),
		containers: map[string]*containerProcess{},
	}
}

// ensure starts what should run and is not running. It returns when to look
// again if something could not be done yet (a missing Secret, a backoff).
func (rt *podRuntime) ensure(ctx context.Context, pod *corev1.Pod) time.Duration {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.stopped {
		return 0
	}
	if len(pod.Spec.InitContainers) > 0 {
		rt.problem = &waiting{"InitContainersNotSupported", "the process kubelet runs no init containers"}
		return 0
	}
	if rt.sandbox == nil {
		s, err := rt.k.network.create()
		if err != nil {
			rt.problem = &waiting{"SandboxFailed", err.Error()}
			return 5 * time.Second
		}
		rt.sandbox = s
	}
	// The pod as its containers see it: with its address.
	seen := pod.DeepCopy()
	seen.Status.PodIP = rt.sandbox.address
	seen.Status.HostIP = rt.k.network.gateway
	volumes := filepath.Join(rt.dir, "volumes")
	if !rt.written {
		if err := writeVolumes(ctx, rt.k.client, seen, volumes); err != nil {
			rt.problem = &waiting{"ContainerCreating", err.Error()}
			var later errNotYet
			if errors.As(err, &later) {
				return 2 * time.Second
			}
			return 10 * time.Second
		}
		rt.written = true
	}
	rt.problem = nil

	retry := time.Duration(0)
	for i := range pod.Spec.Containers {
		container := &pod.Spec.Containers[i]
		cp := rt.containers[container.Name]
		if cp == nil {
			cp = &containerProcess{name: container.Name, image: container.Image}
			rt.containers[container.Name] = cp
		}
		if cp.running {
			continue
		}
		if wait := time.Until(cp.notBefore); wait > 0 {
			if retry == 0 || wait < retry {
				retry = wait
			}
			continue
		}
		if err := rt.start(ctx, seen, container, cp, volumes); err != nil {
			var later errNotYet
			if errors.As(err, &later) {
				retry = 2 * time.Second
			}
		}
	}
	return retry
}

// start launches one container: "ip netns exec" puts it in the pod's network
// namespace and a new mount namespace, "pod-exec" mounts its volumes there
// and execs the binary that stands in for its image.
func (rt *podRuntime) start(ctx context.Context, pod *corev1.Pod, container *corev1.Container, cp *containerProcess, volumes string) error {
	binary, err := rt.k.images.binaryFor(container.Image)
	if err != nil {
		cp.problem = &waiting{"ErrImageNeverPull", err.Error()}
		return err
	}
	if len(container.Command) > 0 {
		err := fmt.Errorf("container command %q is not supported: an image maps to one binary", container.Command)
		cp.problem = &waiting{"CreateContainerConfigError", err.Error()}
		return err
	}
	env, err := containerEnv(ctx, rt.k.client, pod, container)
	if err != nil {
		cp.problem = &waiting{"CreateContainerConfigError", err.Error()}
		return err
	}
	spec := execSpec{
		OverlayDir: filepath.Join(rt.dir, "overlay", container.Name),
		Argv:       append([]string{binary}, container.Args...),
		Env:        env,
		WorkingDir: container.WorkingDir,
	}
	for _, mount := range container.VolumeMounts {
		source := filepath.Join(volumes, mount.Name, mount.SubPath)
		spec.Mounts = append(spec.Mounts, execMount{Source: source, Target: mount.MountPath, ReadOnly: mount.ReadOnly || isConfigVolume(pod, mount.Name)})
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	specPath := filepath.Join(rt.dir, container.Name+".json")
	if err := os.WriteFile(specPath, data, 0o600); err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(rt.dir, container.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command("ip", "netns", "exec", rt.sandbox.netns, rt.k.self, "pod-exec", "--spec", specPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group (stopped as one); killed if the kubelet dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		cp.problem = &waiting{"RunContainerError", err.Error()}
		return err
	}
	cp.cmd, cp.binary, cp.running, cp.ready, cp.problem = cmd, binary, true, false, nil
	cp.startedAt = metav1.Now()
	go rt.watch(cp, cmd)
	go rt.probe(cp, cmd, container)
	return nil
}

func isConfigVolume(pod *corev1.Pod, name string) bool {
	for _, v := range pod.Spec.Volumes {
		if v.Name == name {
			return v.Secret != nil || v.ConfigMap != nil || v.Projected != nil
		}
	}
	return false
}

// watch waits for the process and schedules its restart with a backoff that
// doubles from 1s to 10s (reset after 30s of running), as restartPolicy Always.
func (rt *podRuntime) watch(cp *containerProcess, cmd *exec.Cmd) {
	err := cmd.Wait()
	finished := metav1.Now()
	code := int32(0)
	if state := cmd.ProcessState; state != nil {
		code = int32(state.ExitCode())
		if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int32(ws.Signal()) // as container runtimes report it
		}
	}
	rt.mu.Lock()
	if cp.cmd != cmd {
		rt.mu.Unlock()
		return
	}
	reason := "Completed"
	if code != 0 || err != nil {
		reason = "Error"
	}
	cp.lastExit = &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: cp.startedAt, FinishedAt: finished}
	cp.running, cp.ready, cp.cmd = false, false, nil
	stopped := rt.stopped
	if !stopped {
		backoff := time.Second << min(cp.restarts, 4)
		if backoff > 10*time.Second || finished.Sub(cp.startedAt.Time) > 30*time.Second {
			backoff = 10 * time.Second
			if finished.Sub(cp.startedAt.Time) > 30*time.Second {
				backoff = time.Second
			}
		}
		cp.restarts++
		cp.notBefore = time.Now().Add(backoff)
		cp.problem = &waiting{"CrashLoopBackOff", fmt.Sprintf("exited with %d; restarting in %s", code, backoff)}
		logf("pod %s container %s exited (%d); restart %d in %s", rt.key, cp.name, code, cp.restarts, backoff)
	}
	rt.mu.Unlock()
	if !stopped {
		rt.k.queue.Add(rt.key)
	}
}

// probe marks the container ready once every port it declares accepts a TCP
// connection on the pod address, or after half a second of running when it
// declares none (there are no readiness probes here).
func (rt *podRuntime) probe(cp *containerProcess, cmd *exec.Cmd, container *corev1.Container) {
	address := rt.sandbox.address
	deadline := time.Now().Add(2 * time.Minute)
	time.Sleep(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		rt.mu.Lock()
		current := cp.cmd == cmd && !rt.stopped
		rt.mu.Unlock()
		if !current {
			return
		}
		open := true
		for _, port := range container.Ports {
			if port.Protocol != "" && port.Protocol != corev1.ProtocolTCP {
				continue
			}
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(address, fmt.Sprint(port.ContainerPort)), time.Second)
			if err != nil {
				open = false
				break
			}
			conn.Close()
		}
		if open {
			rt.mu.Lock()
			if cp.cmd == cmd {
				cp.ready = true
			}
			rt.mu.Unlock()
			rt.k.queue.Add(rt.key)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends every process of the pod (SIGTERM to its group, SIGKILL after
// grace) and removes its namespace and files.
func (rt *podRuntime) stop(grace time.Duration) {
	rt.mu.Lock()
	rt.stopped = true
	var cmds []*exec.Cmd
	for _, cp := range rt.containers {
		if cp.cmd != nil {
			cmds = append(cmds, cp.cmd)
		}
	}
	s := rt.sandbox
	rt.mu.Unlock()
	for _, cmd := range cmds {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for _, cmd := range cmds {
		for time.Now().Before(deadline) && processExists(cmd.Process.Pid) {
			time.Sleep(50 * time.Millisecond)
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if s != nil {
		rt.k.network.remove(s)
	}
	_ = os.RemoveAll(rt.dir)
	logf("pod %s stopped and removed", rt.key)
}

// processExists is false once the process is gone or only a zombie waiting
// for watch() to reap it.
func processExists(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	for i := len(stat) - 1; i > 0; i-- {
		if stat[i] == ')' {
			return i+2 >= len(stat) || stat[i+2] != 'Z'
		}
	}
	return true
}
