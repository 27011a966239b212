package main

import (
	"os"
	"os/exec"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// minimumGraceAfterPreStop is what a kubelet still gives SIGTERM when the
// preStop hook used up the whole grace period.
const minimumGraceAfterPreStop = 2 * time.Second

// terminationGrace is how long a deleted Pod's containers get, preStop hooks
// included: the deletion's grace period (the API server copies the pod's
// terminationGracePeriodSeconds there unless the delete call set one), else
// the pod's, else Kubernetes' default of 30 s.
func terminationGrace(pod *corev1.Pod) time.Duration {
	switch {
	case pod.DeletionGracePeriodSeconds != nil:
		return time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return 30 * time.Second
}

// terminate starts ending a deleted Pod once, the way a kubelet does: every
// container runs its preStop hook, then gets SIGTERM, and SIGKILL once grace
// (counted from now, the hook included) is over; then the Pod's namespace and
// files go. Probes go on meanwhile (readiness is still reported), crashed
// containers are not restarted. It returns whether all of that has finished;
// the Pod is queued again when it has.
func (rt *podRuntime) terminate(pod *corev1.Pod, grace time.Duration) bool {
	rt.mu.Lock()
	if !rt.terminating {
		rt.terminating = true
		go func() {
			rt.end(pod, grace)
			rt.k.queue.Add(rt.key)
		}()
	}
	rt.mu.Unlock()
	select {
	case <-rt.gone:
		return true
	default:
		return false
	}
}

// stop ends every container at once (SIGTERM, SIGKILL after grace; no hooks)
// and removes the Pod's namespace and files. A Pod terminating already gets
// grace to finish, then its containers are killed.
func (rt *podRuntime) stop(grace time.Duration) {
	rt.mu.Lock()
	first := !rt.terminating
	rt.terminating = true
	rt.mu.Unlock()
	if first {
		rt.end(nil, grace)
		return
	}
	select {
	case <-rt.gone:
	case <-time.After(grace):
		rt.mu.Lock()
		for _, cp := range rt.containers {
			if cp.cmd != nil {
				kill(cp.cmd, cp.oci)
			}
		}
		rt.mu.Unlock()
		<-rt.gone
	}
}

// end is termination proper: with pod, the containers' preStop hooks first.
func (rt *podRuntime) end(pod *corev1.Pod, grace time.Duration) {
	deadline := time.Now().Add(grace)
	type instance struct {
		cmd       *exec.Cmd
		oci       *ociInstance
		container *corev1.Container
	}
	rt.mu.Lock()
	var instances []instance
	for _, cp := range rt.containers {
		if cp.cmd != nil {
			instances = append(instances, instance{cp.cmd, cp.oci, specOf(pod, cp.name)})
		}
	}
	rt.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt.killContainer(in.cmd, in.oci, in.container, deadline)
		}()
	}
	wg.Wait()
	rt.mu.Lock()
	rt.stopped = true
	s := rt.sandbox
	rt.mu.Unlock()
	if s != nil {
		rt.k.network.remove(s)
	}
	_ = os.RemoveAll(rt.dir)
	close(rt.gone)
	logf("pod %s stopped and removed", rt.key)
}

// killContainer stops one instance as a kubelet does, on deletion as after a
// failed liveness probe: its preStop hook (when container has one), then
// SIGTERM, SIGKILL at deadline (at least 2 s after the hook).
func (rt *podRuntime) killContainer(cmd *exec.Cmd, oci *ociInstance, container *corev1.Container, deadline time.Time) {
	if container != nil && container.Lifecycle != nil && container.Lifecycle.PreStop != nil {
		rt.preStop(container, container.Lifecycle.PreStop, deadline)
		stopContainer(cmd, oci, max(time.Until(deadline), minimumGraceAfterPreStop))
		return
	}
	stopContainer(cmd, oci, time.Until(deadline))
}

// specOf is the pod's container of that name (nil without a pod).
func specOf(pod *corev1.Pod, name string) *corev1.Container {
	if pod == nil {
		return nil
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// preStop runs one container's hook, at most until deadline: a sleep, or an
// exec or httpGet handler run as a probe of that kind would be (a failure is
// logged; termination goes on, as a kubelet's does).
func (rt *podRuntime) preStop(container *corev1.Container, hook *corev1.LifecycleHandler, deadline time.Time) {
	started := time.Now()
	switch {
	case hook.Sleep != nil:
		time.Sleep(min(time.Duration(hook.Sleep.Seconds)*time.Second, time.Until(deadline)))
	case hook.Exec != nil || hook.HTTPGet != nil:
		handler := corev1.ProbeHandler{Exec: hook.Exec, HTTPGet: hook.HTTPGet}
		if err := rt.check(&corev1.Probe{ProbeHandler: handler}, container, max(time.Until(deadline), time.Millisecond)); err != nil {
			logf("pod %s container %s: preStop hook failed: %v", rt.key, container.Name, err)
		}
	default:
		logf("pod %s container %s: preStop hook has no handler this kubelet runs (sleep, exec, httpGet)", rt.key, container.Name)
		return
	}
	logf("pod %s container %s: preStop hook done after %s", rt.key, container.Name, time.Since(started).Round(time.Millisecond))
}
