package main

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// fieldValue resolves a downward-API field path of the pod.
func fieldValue(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	}
	for _, prefix := range []string{"metadata.labels", "metadata.annotations"} {
		if strings.HasPrefix(path, prefix+"['") && strings.HasSuffix(path, "']") {
			key := path[len(prefix)+2 : len(path)-2]
			if prefix == "metadata.labels" {
				return pod.Labels[key], nil
			}
			return pod.Annotations[key], nil
		}
	}
	return "", fmt.Errorf("fieldRef %q is not supported", path)
}

// containerEnv builds the environment of a container as a kubelet does: a
// default PATH, the image's Env (base; nil for a process container), HOSTNAME, the
// KUBERNETES_SERVICE_* variables of the "kubernetes" Service when it exists,
// then envFrom and env in order, later names replacing earlier ones. Pod fields
// are read from pod as given (the caller fills status.podIP first); $(VAR)
// references to variables defined before are expanded.
func containerEnv(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, container *corev1.Container, base []string) ([]string, error) {
	values := map[string]string{}
	order := []string{}
	set := func(name, value string) {
		if _, seen := values[name]; !seen {
			order = append(order, name)
		}
		values[name] = value
	}
	// A PATH as container runtimes set it, unless the image has its own.
	set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	for _, entry := range base {
		name, value, _ := strings.Cut(entry, "=")
		set(name, value)
	}
	set("HOSTNAME", pod.Name)
	if svc, err := client.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{}); err == nil && svc.Spec.ClusterIP != "" && len(svc.Spec.Ports) > 0 {
		port := fmt.Sprint(svc.Spec.Ports[0].Port)
		set("KUBERNETES_SERVICE_HOST", svc.Spec.ClusterIP)
		set("KUBERNETES_SERVICE_PORT", port)
		set("KUBERNETES_SERVICE_PORT_HTTPS", port)
	}
	for _, from := range container.EnvFrom {
		data, err := envSource(ctx, client, pod.Namespace, from)
		if err != nil {
			return nil, err
		}
		for key, value := range data {
			set(from.Prefix+key, value)
		}
	}
	for _, env := range container.Env {
		if env.ValueFrom == nil {
			set(env.Name, expand(env.Value, values))
			continue
		}
		value, err := envValue(ctx, client, pod, container, env.ValueFrom)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", env.Name, err)
		}
		set(env.Name, value)
	}
	out := make([]string, 0, len(order))
	for _, name := range order {
		out = append(out, name+"="+values[name])
	}
	return out, nil
}

// expand replaces $(NAME) with the value of NAME when it is defined, turns
// $$ into $, and leaves anything else as written (Kubernetes' rules for env,
// command and args).
func expand(value string, values map[string]string) string {
	var out strings.Builder
	for i := 0; i < len(value); i++ {
		if value[i] != '$' || i+1 == len(value) {
			out.WriteByte(value[i])
			continue
		}
		switch next := value[i+1]; {
		case next == '$':
			out.WriteByte('$')
			i++
		case next == '(':
			end := strings.IndexByte(value[i+2:], ')')
			if end < 0 {
				out.WriteByte('$')
				continue
			}
			name := value[i+2 : i+2+end]
			if v, ok := values[name]; ok {
				out.WriteString(v)
			} else {
				out.WriteString(value[i : i+3+end])
			}
			i += 2 + end
		default:
			out.WriteByte('$')
		}
	}
	return out.String()
}

// expandAll expands $(NAME) in command or args with the container's environment.
func expandAll(args []string, env []string) []string {
	values := map[string]string{}
	for _, entry := range env {
		name, value, _ := strings.Cut(entry, "=")
		values[name] = value
	}
	out := make([]string, len(args))
	for i, arg := range args {
		out[i] = expand(arg, values)
	}
	return out
}

func envValue(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, container *corev1.Container, from *corev1.EnvVarSource) (string, error) {
	switch {
	case from.FieldRef != nil:
		return fieldValue(pod, from.FieldRef.FieldPath)
	case from.ResourceFieldRef != nil:
		return resourceFieldValue(container, from.ResourceFieldRef)
	case from.SecretKeyRef != nil:
		secret, err := client.CoreV1().Secrets(pod.Namespace).Get(ctx, from.SecretKeyRef.Name, metav1.GetOptions{})
		if err != nil {
			return "", notYet(err, "secret", from.SecretKeyRef.Name)
		}
		return string(secret.Data[from.SecretKeyRef.Key]), nil
	case from.ConfigMapKeyRef != nil:
		cm, err := client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, from.ConfigMapKeyRef.Name, metav1.GetOptions{})
		if err != nil {
			return "", notYet(err, "configmap", from.ConfigMapKeyRef.Name)
		}
		return cm.Data[from.ConfigMapKeyRef.Key], nil
	}
	return "", fmt.Errorf("only fieldRef, resourceFieldRef, secretKeyRef and configMapKeyRef are supported")
}

// resourceFieldValue resolves a downward-API resource of the container as a real
// kubelet does: its limit (the node's capacity without one) or request, divided by
// the divisor (default 1) and rounded up.
func resourceFieldValue(container *corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	kind, name, found := strings.Cut(ref.Resource, ".")
	if !found || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("resourceFieldRef %q is not supported", ref.Resource)
	}
	resourceName := corev1.ResourceName(name)
	list := container.Resources.Requests
	if kind == "limits" {
		list = container.Resources.Limits
	}
	quantity, ok := list[resourceName]
	if !ok && kind == "limits" {
		quantity, ok = nodeCapacity()[resourceName]
	}
	if !ok {
		quantity = resource.Quantity{}
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	// Milli-units keep "500m" CPU with divisor 1 at 1 (rounded up), as Kubernetes does.
	value := (quantity.MilliValue() + divisor.MilliValue() - 1) / divisor.MilliValue()
	return fmt.Sprint(value), nil
}

func envSource(ctx context.Context, client kubernetes.Interface, namespace string, from corev1.EnvFromSource) (map[string]string, error) {
	data := map[string]string{}
	switch {
	case from.SecretRef != nil:
		secret, err := client.CoreV1().Secrets(namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
		if err != nil {
			return nil, notYet(err, "secret", from.SecretRef.Name)
		}
		for key, value := range secret.Data {
			data[key] = string(value)
		}
	case from.ConfigMapRef != nil:
		cm, err := client.CoreV1().ConfigMaps(namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
		if err != nil {
			return nil, notYet(err, "configmap", from.ConfigMapRef.Name)
		}
		for key, value := range cm.Data {
			data[key] = value
		}
	}
	return data, nil
}

func notYet(err error, kind, name string) error {
	if apierrors.IsNotFound(err) {
		return errNotYet{fmt.Sprintf("%s %q not found", kind, name)}
	}
	return err
}
