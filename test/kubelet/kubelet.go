package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// kubelet watches every Pod, binds unscheduled ones to its node and keeps a
// podRuntime for each Pod on its node in step with the Pod object.
type kubelet struct {
	client    kubernetes.Interface
	node      string
	root      string
	self      string
	images    imageTable
	ociImages *ociImageStore
	runc      *runcRuntime // nil without --oci-image
	network   *podNetwork

	lister listersv1.PodLister
	queue  workqueue.TypedRateLimitingInterface[string]

	mu   sync.Mutex
	pods map[string]*podRuntime // by namespace/name
}

func (k *kubelet) run(ctx context.Context) {
	k.queue = workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	factory := informers.NewSharedInformerFactory(k.client, 5*time.Minute)
	podInformer := factory.Core().V1().Pods()
	k.lister = podInformer.Lister()
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			k.queue.Add(key)
		}
	}
	_, _ = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	})
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	logf("watching pods for node %s", k.node)

	var workers sync.WaitGroup
	for i := 0; i < 4; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for k.next(ctx) {
			}
		}()
	}
	<-ctx.Done()
	k.queue.ShutDown()
	workers.Wait()
}

func (k *kubelet) next(ctx context.Context) bool {
	key, quit := k.queue.Get()
	if quit {
		return false
	}
	defer k.queue.Done(key)
	retryAfter, err := k.sync(ctx, key)
	switch {
	case err != nil && ctx.Err() == nil:
		logf("pod %s: %v", key, err)
		k.queue.AddRateLimited(key)
	case retryAfter > 0:
		k.queue.Forget(key)
		k.queue.AddAfter(key, retryAfter)
	default:
		k.queue.Forget(key)
	}
	return true
}

// sync brings one Pod's processes in line with its object. It returns how
// soon to look again when something is still in progress.
func (k *kubelet) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := k.lister.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		k.forget(key, "")
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if pod.Spec.NodeName == "" {
		return 0, k.bind(ctx, pod)
	}
	if pod.Spec.NodeName != k.node {
		return 0, nil
	}
	// A Pod recreated under the same name is a different Pod.
	k.forget(key, pod.UID)

	if pod.DeletionTimestamp != nil {
		// Until its containers are gone the pod stays, and its status (readiness
		// from its probes) is still written: the EndpointSlice controller keeps it
		// as a terminating endpoint, serving while its readiness probe passes.
		if rt := k.existing(key); rt != nil {
			if !rt.terminate(pod, terminationGrace(pod)) {
				return 0, k.report(ctx, pod, rt)
			}
			k.take(key)
		}
		// What a kubelet does once the containers are gone: finish the deletion.
		zero := int64(0)
		err := k.client.CoreV1().Pods(namespace).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero,
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return 0, nil
		}
		return 0, err
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, nil
	}

	rt := k.runtimeFor(key, pod)
	retry := rt.ensure(ctx, pod)
	if err := k.report(ctx, pod, rt); err != nil {
		return 0, err
	}
	return retry, nil
}

func (k *kubelet) bind(ctx context.Context, pod *corev1.Pod) error {
	if pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName {
		return nil
	}
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: k.node},
	}
	err := k.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return nil // bound already, or gone
	}
	return err
}

func (k *kubelet) runtimeFor(key string, pod *corev1.Pod) *podRuntime {
	k.mu.Lock()
	defer k.mu.Unlock()
	rt, ok := k.pods[key]
	if !ok {
		rt = newPodRuntime(k, pod)
		k.pods[key] = rt
	}
	return rt
}

func (k *kubelet) existing(key string) *podRuntime {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pods[key]
}

func (k *kubelet) take(key string) *podRuntime {
	k.mu.Lock()
	defer k.mu.Unlock()
	rt := k.pods[key]
	delete(k.pods, key)
	return rt
}

// forget stops and removes the runtime of key unless it belongs to keepUID.
func (k *kubelet) forget(key string, keepUID types.UID) {
	k.mu.Lock()
	rt, ok := k.pods[key]
	if !ok || (keepUID != "" && rt.uid == keepUID) {
		k.mu.Unlock()
		return
	}
	delete(k.pods, key)
	k.mu.Unlock()
	rt.stop(5 * time.Second)
}

// stopAll ends every pod process and removes every pod namespace (at shutdown).
func (k *kubelet) stopAll(grace time.Duration) {
	k.mu.Lock()
	all := make([]*podRuntime, 0, len(k.pods))
	for key, rt := range k.pods {
		all = append(all, rt)
		delete(k.pods, key)
	}
	k.mu.Unlock()
	var wg sync.WaitGroup
	for _, rt := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt.stop(grace)
		}()
	}
	wg.Wait()
	logf("stopped %d pods", len(all))
}

// report writes the Pod's status when what it says has changed.
func (k *kubelet) report(ctx context.Context, pod *corev1.Pod, rt *podRuntime) error {
	status := rt.status(pod)
	if statusEqual(pod.Status, status) {
		return nil
	}
	updated := pod.DeepCopy()
	updated.Status = status
	_, err := k.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		// A newer version is on its way through the informer; it is synced then.
		return nil
	}
	if err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	return nil
}
