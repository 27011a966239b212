package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// errNotYet marks a problem that may go away by itself (a Secret that does
// not exist yet): the pod is retried, not failed.
type errNotYet struct{ msg string }

func (e errNotYet) Error() string { return e.msg }

// writeVolumes writes every volume of the pod as files under dir/<volume name>,
// the way the kubelet presents them: Secret and ConfigMap keys (or the listed
// items, at their paths and modes), projected sources, empty dirs.
func writeVolumes(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, dir string) error {
	for _, volume := range pod.Spec.Volumes {
		target := filepath.Join(dir, volume.Name)
		if err := os.RemoveAll(target); err != nil {
			return err
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		var err error
		switch {
		case volume.Secret != nil:
			err = writeSecret(ctx, client, pod, volume.Secret.SecretName, volume.Secret.Items, volume.Secret.DefaultMode, volume.Secret.Optional, target)
		case volume.ConfigMap != nil:
			err = writeConfigMap(ctx, client, pod, volume.ConfigMap.Name, volume.ConfigMap.Items, volume.ConfigMap.DefaultMode, volume.ConfigMap.Optional, target)
		case volume.Projected != nil:
			err = writeProjected(ctx, client, pod, volume.Projected, target)
		case volume.EmptyDir != nil:
			// The directory itself is the volume, writable by any user (as a kubelet makes it).
			err = os.Chmod(target, 0o777)
		default:
			err = fmt.Errorf("volume %q: only secret, configMap, projected and emptyDir volumes are supported", volume.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func modeOr(mode *int32, fallback os.FileMode) os.FileMode {
	if mode == nil {
		return fallback
	}
	return os.FileMode(*mode)
}

// writeKeys writes data as files: every key, or only the listed items.
func writeKeys(data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, dir, what string) error {
	mode := modeOr(defaultMode, 0o644)
	if len(items) == 0 {
		for key, value := range data {
			if err := writeFile(dir, key, value, mode); err != nil {
				return err
			}
		}
		return nil
	}
	for _, item := range items {
		value, ok := data[item.Key]
		if !ok {
			return fmt.Errorf("%s has no key %q", what, item.Key)
		}
		if err := writeFile(dir, item.Path, value, modeOr(item.Mode, mode)); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(dir, path string, data []byte, mode os.FileMode) error {
	clean := filepath.Clean(path)
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("volume path %q escapes the volume", path)
	}
	full := filepath.Join(dir, clean)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(full, data, 0o600); err != nil {
		return err
	}
	return os.Chmod(full, mode)
}

func writeSecret(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, name string, items []corev1.KeyToPath, mode *int32, optional *bool, dir string) error {
	secret, err := client.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if optional != nil && *optional {
			return nil
		}
		return errNotYet{fmt.Sprintf("secret %q not found", name)}
	}
	if err != nil {
		return err
	}
	return writeKeys(secret.Data, items, mode, dir, "secret "+name)
}

func writeConfigMap(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, name string, items []corev1.KeyToPath, mode *int32, optional *bool, dir string) error {
	cm, err := client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if optional != nil && *optional {
			return nil
		}
		return errNotYet{fmt.Sprintf("configmap %q not found", name)}
	}
	if err != nil {
		return err
	}
	data := map[string][]byte{}
	for key, value := range cm.Data {
		data[key] = []byte(value)
	}
	for key, value := range cm.BinaryData {
		data[key] = value
	}
	return writeKeys(data, items, mode, dir, "configmap "+name)
}

func writeProjected(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, projected *corev1.ProjectedVolumeSource, dir string) error {
	for _, source := range projected.Sources {
		var err error
		switch {
		case source.Secret != nil:
			err = writeSecret(ctx, client, pod, source.Secret.Name, source.Secret.Items, projected.DefaultMode, source.Secret.Optional, dir)
		case source.ConfigMap != nil:
			err = writeConfigMap(ctx, client, pod, source.ConfigMap.Name, source.ConfigMap.Items, projected.DefaultMode, source.ConfigMap.Optional, dir)
		case source.DownwardAPI != nil:
			for _, item := range source.DownwardAPI.Items {
				if item.FieldRef == nil {
					return fmt.Errorf("downwardAPI item %q: only fieldRef is supported", item.Path)
				}
				value, ferr := fieldValue(pod, item.FieldRef.FieldPath)
				if ferr != nil {
					return ferr
				}
				if err = writeFile(dir, item.Path, []byte(value), modeOr(item.Mode, modeOr(projected.DefaultMode, 0o644))); err != nil {
					return err
				}
			}
		case source.ServiceAccountToken != nil:
			err = writeToken(ctx, client, pod, source.ServiceAccountToken, modeOr(projected.DefaultMode, 0o644), dir)
		default:
			err = fmt.Errorf("projected volume source not supported")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeToken mints a token bound to the pod from the TokenRequest API, as the kubelet does.
func writeToken(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, source *corev1.ServiceAccountTokenProjection, mode os.FileMode, dir string) error {
	request := &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			ExpirationSeconds: source.ExpirationSeconds,
			BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}
	if source.Audience != "" {
		request.Spec.Audiences = []string{source.Audience}
	}
	account := pod.Spec.ServiceAccountName
	if account == "" {
		account = "default"
	}
	token, err := client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, account, request, metav1.CreateOptions{})
	if apierrors.IsNotFound(err) {
		return errNotYet{fmt.Sprintf("serviceaccount %q not found", account)}
	}
	if err != nil {
		return err
	}
	return writeFile(dir, source.Path, []byte(token.Status.Token), mode)
}
