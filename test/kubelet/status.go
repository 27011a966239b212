package main

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// status is the PodStatus a kubelet would report for what runs now.
func (rt *podRuntime) status(pod *corev1.Pod) corev1.PodStatus {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	status := corev1.PodStatus{
		Phase:     corev1.PodPending,
		StartTime: &rt.startedAt,
		QOSClass:  pod.Status.QOSClass,
	}
	if rt.sandbox != nil {
		status.PodIP = rt.sandbox.address
		status.PodIPs = []corev1.PodIP{{IP: rt.sandbox.address}}
		status.HostIP = rt.k.network.gateway
		status.HostIPs = []corev1.HostIP{{IP: rt.k.network.gateway}}
	}
	allRunning, allReady := len(pod.Spec.Containers) > 0, len(pod.Spec.Containers) > 0
	for _, container := range pod.Spec.Containers {
		cs := corev1.ContainerStatus{Name: container.Name, Image: container.Image, ImageID: container.Image}
		cp := rt.containers[container.Name]
		switch {
		case cp != nil && cp.running:
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: cp.startedAt}
			cs.ContainerID = cp.id
			cs.Ready = cp.ready
			started := cp.started
			cs.Started = &started
		case cp != nil && rt.terminating && cp.lastExit != nil:
			cs.State.Terminated = cp.lastExit
		case cp != nil && cp.problem != nil:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: cp.problem.reason, Message: cp.problem.message}
		case rt.problem != nil:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: rt.problem.reason, Message: rt.problem.message}
		default:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		}
		if cp != nil {
			cs.RestartCount = cp.restarts
			if cp.lastExit != nil {
				cs.LastTerminationState.Terminated = cp.lastExit
			}
		}
		allRunning = allRunning && cs.State.Running != nil
		allReady = allReady && cs.Ready
		status.ContainerStatuses = append(status.ContainerStatuses, cs)
	}
	if allRunning {
		status.Phase = corev1.PodRunning
	}
	status.Conditions = []corev1.PodCondition{
		condition(pod, corev1.PodScheduled, true, ""),
		condition(pod, corev1.PodReadyToStartContainers, rt.sandbox != nil, ""),
		condition(pod, corev1.PodInitialized, true, ""),
		condition(pod, corev1.ContainersReady, allReady, "ContainersNotReady"),
		condition(pod, corev1.PodReady, allReady, "ContainersNotReady"),
	}
	return status
}

// condition keeps the transition time of an unchanged condition.
func condition(pod *corev1.Pod, kind corev1.PodConditionType, ok bool, reason string) corev1.PodCondition {
	c := corev1.PodCondition{Type: kind, Status: corev1.ConditionFalse, Reason: reason, LastTransitionTime: metav1.Now()}
	if ok {
		c.Status, c.Reason = corev1.ConditionTrue, ""
	}
	for _, old := range pod.Status.Conditions {
		if old.Type == kind && old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
	}
	return c
}

// statusEqual compares what matters, ignoring time stamps' sub-second noise.
func statusEqual(a, b corev1.PodStatus) bool {
	strip := func(s corev1.PodStatus) corev1.PodStatus {
		s = *s.DeepCopy()
		s.StartTime = nil
		for i := range s.Conditions {
			s.Conditions[i].LastTransitionTime = metav1.Time{}
			s.Conditions[i].LastProbeTime = metav1.Time{}
			s.Conditions[i].ObservedGeneration = 0
		}
		for i := range s.ContainerStatuses {
			cs := &s.ContainerStatuses[i]
			if cs.State.Running != nil {
				cs.State.Running = &corev1.ContainerStateRunning{}
			}
			cs.LastTerminationState = corev1.ContainerState{}
			cs.AllocatedResources, cs.Resources, cs.User, cs.VolumeMounts, cs.StopSignal = nil, nil, nil, nil, nil
			cs.ImageID = ""
		}
		return s
	}
	return reflect.DeepEqual(strip(a), strip(b))
}
