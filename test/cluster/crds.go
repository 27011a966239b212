package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// The admission policy shipped with the standard channel refuses older or
// experimental Gateway API CRDs; it goes when a bundle is replaced.
const safeUpgradesPolicy = "safe-upgrades.gateway.networking.k8s.io"

var gatewayGroups = map[string]bool{"gateway.networking.k8s.io": true, "gateway.networking.x-k8s.io": true}

func runCRDs(args []string) error {
	fs := flag.NewFlagSet("crds", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	bundle := fs.String("bundle", "v1", "v1 (TLSRoute v1, Gateway API standard channel) or v1alpha2 (an older bundle serving TLSRoute only as v1alpha2)")
	reset := fs.Bool("reset", false, "first delete the Gateway API CRDs present (and every object of them)")
	crdDir := fs.String("crd-dir", defaultCRDDir(), "directory holding one sub-directory per bundle")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return installBundle(ctx, *kubeconfig, filepath.Join(*crdDir, *bundle), *reset)
}

// installBundle server-side-applies every object of the bundle directory and
// waits until each CRD is established and its schema is published in OpenAPI
// (which kubectl explain and client-side validation read).
func installBundle(ctx context.Context, kubeconfig, dir string, reset bool) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no CRD files in %s", dir)
	}
	sort.Strings(files)
	cfg, err := restConfig(kubeconfig)
	if err != nil {
		return err
	}
	crdClient, err := apiextensions.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if reset {
		if err := removeGatewayCRDs(ctx, cfg, crdClient); err != nil {
			return err
		}
	}
	a, err := newApplier(cfg)
	if err != nil {
		return err
	}
	var crdNames []string
	for _, file := range files {
		objects, err := readObjects(file)
		if err != nil {
			return err
		}
		for _, obj := range objects {
			if err := a.apply(ctx, obj); err != nil {
				return err
			}
			if obj.GetKind() == "CustomResourceDefinition" {
				crdNames = append(crdNames, obj.GetName())
			}
		}
	}
	if err := waitCRDsServed(ctx, cfg, crdClient, crdNames); err != nil {
		return err
	}
	// kubectl caches discovery for hours; after a bundle swap it would still
	// look for the versions that are gone. A kubectl of another cluster may be
	// writing there at this moment: failing to clear it is worth a warning, not
	// a failed start.
	if err := os.RemoveAll(kubectlCacheDir()); err != nil {
		fmt.Fprintf(os.Stderr, "courier-cluster: could not clear the kubectl discovery cache: %v\n", err)
	}
	return nil
}

func waitCRDsServed(ctx context.Context, cfg *rest.Config, crdClient apiextensions.Interface, names []string) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, name := range names {
		var crd *apiextensionsv1.CustomResourceDefinition
		err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			crd, err = crdClient.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			for _, c := range crd.Status.Conditions {
				if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not established: %w", name, err)
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			path := fmt.Sprintf("apis/%s/%s", crd.Spec.Group, v.Name)
			err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
				paths, err := client.Discovery().OpenAPIV3().Paths()
				if err != nil {
					return false, nil
				}
				_, ok := paths[path]
				return ok, nil
			})
			if err != nil {
				return fmt.Errorf("OpenAPI never published %s: %w", path, err)
			}
			// A new CRD's watch cache answers 429 "storage is (re)initializing"
			// for a moment after it is established. client-go retries that by
			// itself (so this list returns once the server answers 200); other
			// clients (Bun's fetch) should not have to.
			gvr := schema.GroupVersionResource{Group: crd.Spec.Group, Version: v.Name, Resource: crd.Spec.Names.Plural}
			err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
				_, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1})
				return err == nil, nil
			})
			if err != nil {
				return fmt.Errorf("%s never became listable: %w", gvr, err)
			}
		}
	}
	return nil
}

// removeGatewayCRDs deletes the Gateway API CRDs and the safe-upgrades policy
// and waits until they are gone, so that a bundle with other stored versions
// can be installed.
func removeGatewayCRDs(ctx context.Context, cfg *rest.Config, crdClient apiextensions.Interface) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	admission := client.AdmissionregistrationV1()
	if err := admission.ValidatingAdmissionPolicyBindings().Delete(ctx, safeUpgradesPolicy, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if err := admission.ValidatingAdmissionPolicies().Delete(ctx, safeUpgradesPolicy, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	list, err := crdClient.ApiextensionsV1().CustomResourceDefinitions().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var doomed []string
	for _, crd := range list.Items {
		if gatewayGroups[crd.Spec.Group] {
			doomed = append(doomed, crd.Name)
			if err := crdClient.ApiextensionsV1().CustomResourceDefinitions().Delete(ctx, crd.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	for _, name := range doomed {
		if err := waitCRDGone(ctx, cfg, crdClient, name); err != nil {
			return err
		}
	}
	return nil
}

// waitCRDGone waits for a deleted CRD to disappear. The API server's CRD
// finalizer sometimes gives up on a CRD deleted moments after it was created
// ("storage is (re)initializing") and never retries; after a grace period this
// does its job instead: delete the remaining objects, then drop the finalizer.
func waitCRDGone(ctx context.Context, cfg *rest.Config, crdClient apiextensions.Interface, name string) error {
	crds := crdClient.ApiextensionsV1().CustomResourceDefinitions()
	gone := func(ctx context.Context) (bool, error) {
		_, err := crds.Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}
	graceCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := wait.PollUntilContextCancel(graceCtx, 100*time.Millisecond, true, gone); err == nil {
		return nil
	}
	crd, err := crds.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			gvr := schema.GroupVersionResource{Group: crd.Spec.Group, Version: v.Name, Resource: crd.Spec.Names.Plural}
			_ = dyn.Resource(gvr).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
		}
	}
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := crds.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer of CRD %s: %w", name, err)
	}
	if err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, gone); err != nil {
		return fmt.Errorf("CRD %s was not deleted: %w", name, err)
	}
	return nil
}
