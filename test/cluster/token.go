package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// runToken creates a ServiceAccount, binds it to every ClusterRole and Role in
// a YAML file (applying those roles too), and prints a token for it from the
// TokenRequest API. Tests use it to run the proxy with exactly the RBAC that
// the constructs synthesize, no more.
func runToken(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "admin kubeconfig of the cluster")
	namespace := fs.String("namespace", "default", "namespace of the ServiceAccount (created if missing)")
	name := fs.String("name", "", "ServiceAccount name (created if missing)")
	rbacFile := fs.String("rbac", "", "YAML file whose ClusterRoles and Roles are applied and bound to the ServiceAccount (other kinds are ignored)")
	fs.StringVar(rbacFile, "clusterrole", "", "same as --rbac")
	duration := fs.Duration("duration", 6*time.Hour, "token lifetime")
	kubeconfigOut := fs.String("kubeconfig-out", "", "also write a kubeconfig that authenticates with the token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--name is required")
	}
	cfg, err := restConfig(*kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := ensureNamespace(ctx, client, *namespace); err != nil {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: *name, Namespace: *namespace}}
	if _, err := client.CoreV1().ServiceAccounts(*namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if *rbacFile != "" {
		if err := bindRoles(ctx, *rbacFile, *namespace, *name, *kubeconfig); err != nil {
			return err
		}
	}
	seconds := int64(duration.Seconds())
	request := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}
	result, err := client.CoreV1().ServiceAccounts(*namespace).CreateToken(ctx, *name, request, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("TokenRequest: %w", err)
	}
	token := result.Status.Token
	if *kubeconfigOut != "" {
		admin, err := clientcmd.LoadFromFile(*kubeconfig)
		if err != nil {
			return err
		}
		cluster := admin.Clusters[admin.Contexts[admin.CurrentContext].Cluster]
		if err := writeKubeconfig(*kubeconfigOut, cluster.Server, cluster.CertificateAuthorityData, &clientcmdapi.AuthInfo{Token: token}); err != nil {
			return err
		}
	}
	fmt.Println(token)
	return nil
}

func bindRoles(ctx context.Context, rbacFile, namespace, name, kubeconfig string) error {
	objects, err := readObjects(rbacFile)
	if err != nil {
		return err
	}
	cfg, err := restConfig(kubeconfig)
	if err != nil {
		return err
	}
	a, err := newApplier(cfg)
	if err != nil {
		return err
	}
	bound := 0
	for _, obj := range objects {
		kind := obj.GetKind()
		if obj.GetAPIVersion() != "rbac.authorization.k8s.io/v1" || (kind != "ClusterRole" && kind != "Role") {
			continue
		}
		if kind == "Role" && obj.GetNamespace() == "" {
			obj.SetNamespace(namespace)
		}
		if err := a.apply(ctx, obj); err != nil {
			return err
		}
		if err := a.apply(ctx, bindingFor(obj, namespace, name)); err != nil {
			return err
		}
		bound++
	}
	if bound == 0 {
		return fmt.Errorf("%s holds no rbac.authorization.k8s.io/v1 ClusterRole or Role", rbacFile)
	}
	return nil
}

// bindingFor makes the ClusterRoleBinding (or RoleBinding, in the role's
// namespace) that grants role to the ServiceAccount namespace/name.
func bindingFor(role *unstructured.Unstructured, namespace, name string) *unstructured.Unstructured {
	kind := "ClusterRoleBinding"
	metadata := map[string]interface{}{"name": fmt.Sprintf("courier-test:%s:%s:%s", namespace, name, role.GetName())}
	if role.GetKind() == "Role" {
		kind = "RoleBinding"
		metadata["namespace"] = role.GetNamespace()
	}
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       kind,
		"metadata":   metadata,
		"roleRef": map[string]interface{}{
			"apiGroup": "rbac.authorization.k8s.io",
			"kind":     role.GetKind(),
			"name":     role.GetName(),
		},
		"subjects": []interface{}{map[string]interface{}{
			"kind": "ServiceAccount", "name": name, "namespace": namespace,
		}},
	}}
}
