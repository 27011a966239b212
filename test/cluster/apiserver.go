package main

import (
	"fmt"
	"path/filepath"

	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

// serviceAccountIssuer is also the default audience of minted tokens.
const serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

// serviceCIDR is the range Service cluster IPs come from. Its first address is the
// "kubernetes" Service's, which pods reach the API server at (KUBERNETES_SERVICE_HOST):
// the serving certificate names it (pki.go).
const serviceCIDR = "10.96.0.0/16"

// startAPIServer runs kube-apiserver in this process with the same code path as
// the real binary (its cobra command), so flags and defaults are the release's
// own. It returns a channel that yields the error if the server stops.
func startAPIServer(dir string, p pki, etcdURL string, port int) <-chan error {
	args := []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--etcd-servers=" + etcdURL,
		"--cert-dir=" + filepath.Join(dir, "apiserver-certs"),
		"--tls-cert-file=" + p.ServingCert,
		"--tls-private-key-file=" + p.ServingKey,
		"--client-ca-file=" + p.CACert,
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + serviceAccountIssuer,
		"--api-audiences=" + serviceAccountIssuer,
		"--service-account-key-file=" + p.SAPublic,
		"--service-account-signing-key-file=" + p.SAPrivate,
		// Only an allocation range here; the test kubelet's service proxy
		// (test/kubelet/) serves cluster IPs when a test starts one.
		"--service-cluster-ip-range=" + serviceCIDR,
		// No controller-manager, nodes or kube-proxy here: the endpoints of the
		// "kubernetes" Service would point at loopback, which is refused.
		"--endpoint-reconciler-type=none",
		// Priority and fairness only adds background load on a 2-core machine.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=0",
	}
	command := app.NewAPIServerCommand()
	command.SetArgs(args)
	done := make(chan error, 1)
	go func() {
		done <- command.Execute()
	}()
	return done
}
