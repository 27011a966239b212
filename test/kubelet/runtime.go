package main

import (
	"context"
	"errors"
	"fmt"
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
// files and one running instance per container, restarted when it exits.
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
	// terminating: the pod is being ended (lifecycle.go); nothing starts or
	// restarts any more. stopped: its containers are gone (probes end).
	terminating bool
	stopped     bool
	gone        chan struct{} // closed once its containers, namespace and files are gone
}

type waiting struct {
	reason, message string
}

// containerProcess is one container: its current instance and its history.
type containerProcess struct {
	name, image string
	id          string       // as reported in the status: process://BINARY or runc://ID
	cmd         *exec.Cmd    // the process the kubelet waits for (the binary, or "runc run")
	oci         *ociInstance // the runc container behind cmd; nil for a process container
	running     bool
	ready       bool
	started     bool // the startup probe passed (or there is none)
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
		gone:       make(chan struct{}),
	}
}

// ensure starts what should run and is not running. It returns when to look
// again if something could not be done yet (a missing Secret, a backoff).
func (rt *podRuntime) ensure(ctx context.Context, pod *corev1.Pod) time.Duration {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.terminating {
		return 0
	}
	if len(pod.Spec.InitContainers) > 0 {
		rt.problem = &waiting{"InitContainersNotSupported", "this kubelet runs no init containers"}
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
	if err := os.MkdirAll(volumes, 0o700); err != nil {
		rt.problem = &waiting{"ContainerCreating", err.Error()}
		return 10 * time.Second
	}
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
			logf("pod %s container %s: %v", rt.key, container.Name, err)
			if cp.problem == nil {
				cp.problem = &waiting{"RunContainerError", err.Error()}
			}
			var later errNotYet
			switch {
			case errors.As(err, &later):
				retry = 2 * time.Second
			case cp.problem.reason == "RunContainerError":
				// Counted as a crash: retried with the same backoff.
				cp.restarts++
				cp.notBefore = time.Now().Add(backoffAfter(cp.restarts, 0))
				retry = time.Until(cp.notBefore)
			default:
				// An image or configuration problem: looked at again in a while.
				if retry == 0 || retry > 10*time.Second {
					retry = 10 * time.Second
				}
			}
		}
	}
	return retry
}

// start launches one container from its image: under runc for an OCI image,
// else as the host binary mapped to the image.
func (rt *podRuntime) start(ctx context.Context, pod *corev1.Pod, container *corev1.Container, cp *containerProcess, volumes string) error {
	logFile, err := os.OpenFile(filepath.Join(rt.dir, container.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()

	var started *startedContainer
	if image, ok := rt.k.ociImages.lookup(container.Image); ok {
		started, err = rt.startOCI(ctx, pod, container, cp, volumes, image, logFile)
	} else {
		started, err = rt.startProcess(ctx, pod, container, cp, volumes, logFile)
	}
	if err != nil {
		return err
	}
	cp.cmd, cp.oci, cp.id = started.cmd, started.oci, started.id
	cp.running, cp.ready, cp.started, cp.problem = true, false, container.StartupProbe == nil, nil
	cp.startedAt = metav1.Now()
	go rt.watch(cp, started.cmd, started.oci)
	go rt.probe(cp, started.cmd, container, pod)
	return nil
}

// startedContainer is what a runtime hands back: the process to wait for.
type startedContainer struct {
	cmd *exec.Cmd
	oci *ociInstance
	id  string
}

// backoffAfter is the crash-loop delay after the n-th restart: doubling from 1 s
// to 10 s, back to 1 s once the container had run for 30 s.
func backoffAfter(restarts int32, ran time.Duration) time.Duration {
	if ran > 30*time.Second {
		return time.Second
	}
	backoff := time.Second << min(restarts-1, 4)
	if restarts <= 0 {
		backoff = time.Second
	}
	return min(backoff, 10*time.Second)
}

// watch waits for the container's process, removes what its instance left
// (a runc container and its root filesystem) and schedules the restart, as
// restartPolicy Always.
func (rt *podRuntime) watch(cp *containerProcess, cmd *exec.Cmd, oci *ociInstance) {
	err := cmd.Wait()
	finished := metav1.Now()
	code := int32(0)
	if state := cmd.ProcessState; state != nil {
		code = int32(state.ExitCode())
		if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int32(ws.Signal()) // as container runtimes report it
		}
	}
	if oci != nil {
		oci.remove()
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
	cp.lastExit = &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: cp.startedAt, FinishedAt: finished, ContainerID: cp.id}
	cp.running, cp.ready, cp.started, cp.cmd, cp.oci = false, false, false, nil, nil
	stopped := rt.terminating
	if !stopped {
		cp.restarts++
		backoff := backoffAfter(cp.restarts, finished.Sub(cp.startedAt.Time))
		cp.notBefore = time.Now().Add(backoff)
		cp.problem = &waiting{"CrashLoopBackOff", fmt.Sprintf("exited with %d; restarting in %s", code, backoff)}
		logf("pod %s container %s exited (%d, %s); restart %d in %s", rt.key, cp.name, code, reason, cp.restarts, backoff)
	}
	rt.mu.Unlock()
	if !stopped {
		rt.k.queue.Add(rt.key)
	}
}

// terminate asks the container to stop: SIGTERM to the process group of its
// process ("runc run" passes it on to the container's first process).
func terminate(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
}

// kill ends the container at once.
func kill(cmd *exec.Cmd, oci *ociInstance) {
	if oci != nil {
		oci.kill()
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// stopContainer terminates one instance, kills it after grace and returns once
// it is gone and its instance is removed.
func stopContainer(cmd *exec.Cmd, oci *ociInstance, grace time.Duration) {
	terminate(cmd)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && processExists(cmd.Process.Pid) {
		time.Sleep(50 * time.Millisecond)
	}
	kill(cmd, oci)
	if oci != nil {
		// watch() removes it once "runc run" has exited; make sure of it.
		select {
		case <-oci.removed:
		case <-time.After(5 * time.Second):
			oci.remove()
		}
	}
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
