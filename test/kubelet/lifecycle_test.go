package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
)

func TestTerminationGraceIsTheDeletionsThenThePodsThenThirtySeconds(t *testing.T) {
	pod := testPod()
	if got := terminationGrace(pod); got != 30*time.Second {
		t.Errorf("no grace anywhere: %s", got)
	}
	pod.Spec.TerminationGracePeriodSeconds = ptr(int64(60))
	if got := terminationGrace(pod); got != 60*time.Second {
		t.Errorf("the pod's: %s", got)
	}
	pod.DeletionGracePeriodSeconds = ptr(int64(5))
	if got := terminationGrace(pod); got != 5*time.Second {
		t.Errorf("the deletion's (kubectl delete --grace-period=5): %s", got)
	}
}

// terminatingPod is a pod runtime with one real process as container "main"
// (a shell that logs when SIGTERM reaches it), and a pod spec with preStop.
func terminatingPod(t *testing.T, script string, preStopSeconds int64) (*podRuntime, *corev1.Pod, string) {
	t.Helper()
	pod := testPod()
	pod.Spec.Containers = []corev1.Container{{Name: "main", Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: preStopSeconds}}}}}
	k := &kubelet{queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())}
	t.Cleanup(k.queue.ShutDown)
	rt := newPodRuntime(k, pod)
	rt.dir = t.TempDir()
	logFile := filepath.Join(t.TempDir(), "signals")
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "LOG="+logFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // terminate() signals the process group
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cp := &containerProcess{name: "main", cmd: cmd, running: true, ready: true}
	rt.containers["main"] = cp
	go rt.watch(cp, cmd, nil)
	return rt, pod, logFile
}

func waitGone(t *testing.T, rt *podRuntime, pod *corev1.Pod, grace time.Duration, within time.Duration) time.Duration {
	t.Helper()
	started := time.Now()
	for !rt.terminate(pod, grace) {
		if time.Since(started) > within {
			t.Fatalf("pod not gone after %s", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(started)
}

func TestDeletionRunsPreStopThenSigtermAndNoRestart(t *testing.T) {
	// The shell notes the time SIGTERM arrives and exits.
	rt, pod, logFile := terminatingPod(t, `trap 'date +%s%N > "$LOG"; exit 0' TERM; while :; do sleep 0.05; done`, 1)
	started := time.Now()
	took := waitGone(t, rt, pod, 10*time.Second, 8*time.Second)
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("SIGTERM never reached the container: %v", err)
	}
	nanos, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if after := time.Unix(0, nanos).Sub(started); after < time.Second {
		t.Errorf("SIGTERM %s after the deletion, before the 1 s preStop sleep was over", after)
	}
	if took > 5*time.Second {
		t.Errorf("a container that exits on SIGTERM took %s to go", took)
	}
	status := rt.status(pod)
	cs := status.ContainerStatuses[0]
	if cs.State.Terminated == nil || cs.Ready || cs.RestartCount != 0 {
		t.Errorf("after termination: state %+v, ready %v, restarts %d; want terminated, not ready, not restarted", cs.State, cs.Ready, cs.RestartCount)
	}
}

func TestAContainerIgnoringSigtermIsKilledTwoSecondsAfterAPreStopThatUsedTheGrace(t *testing.T) {
	rt, pod, _ := terminatingPod(t, `trap '' TERM; while :; do sleep 0.05; done`, 5)
	took := waitGone(t, rt, pod, time.Second, 10*time.Second)
	// The hook is cut at the 1 s grace; SIGTERM still gets its 2 s, then SIGKILL.
	if took < 3*time.Second || took > 5*time.Second {
		t.Errorf("gone after %s, want about 1 s (grace, the hook cut) + 2 s (minimum after preStop)", took)
	}
}

func TestStoppingTheKubeletCutsATerminationShort(t *testing.T) {
	rt, pod, _ := terminatingPod(t, `trap '' TERM; while :; do sleep 0.05; done`, 0)
	if rt.terminate(pod, 30*time.Second) {
		t.Fatal("gone at once")
	}
	started := time.Now()
	rt.stop(500 * time.Millisecond)
	if took := time.Since(started); took > 3*time.Second {
		t.Errorf("stop took %s, want the container killed after its 500 ms", took)
	}
}
