// Command courier-cluster runs a real Kubernetes control plane (etcd and
// kube-apiserver, in-process, on loopback) for Courier's tests, and the small
// chores tests need against it: CRD bundles, namespaces, ServiceAccount tokens.
// The same binary is also kubectl (when called as "kubectl" or with the
// "kubectl" subcommand) so tests get a kubectl of the same release without a
// second multi-minute build.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

const usage = `usage: courier-cluster COMMAND [flags]

  up        start the control plane in the background (or find it running); prints KUBECONFIG=<path>
  down      stop it and remove its files
  stop      stop it but keep its files; "up --reuse" starts it again on the same PKI, ports and etcd data
  serve     run the control plane in the foreground (what "up" starts)
  crds      install a Gateway API CRD bundle (--bundle v1|v1alpha2, --reset to replace another bundle)
  namespace create namespaces that do not exist yet
  token     mint a ServiceAccount token bound to the roles in a YAML file
  kubectl   run kubectl
  controller-manager  run kube-controller-manager in the foreground against the cluster of --dir
`

func main() {
	if filepath.Base(os.Args[0]) == "kubectl" {
		os.Exit(runKubectl(os.Args[1:]))
	}
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	command, args := os.Args[1], os.Args[2:]
	var err error
	switch command {
	case "kubectl":
		os.Exit(runKubectl(args))
	case "up":
		err = runUp(args)
	case "down":
		err = runDown(args)
	case "stop":
		err = runStop(args)
	case "serve":
		err = runServe(args)
	case "crds":
		err = runCRDs(args)
	case "namespace":
		err = runNamespace(args)
	case "token":
		err = runToken(args)
	case "controller-manager":
		err = runControllerManager(args)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "courier-cluster %s: %v\n", command, err)
		os.Exit(1)
	}
}
