package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

// managedControllers are the kube-controller-manager controllers a cluster
// with workloads needs: Deployments make ReplicaSets make Pods, ready Pods
// become EndpointSlices, namespaces and owned objects are really deleted, and
// every namespace gets its "default" ServiceAccount and root CA ConfigMap, and
// PodDisruptionBudgets get their status (Argo CD judges a PDB by its conditions).
// Node lifecycle, IPAM, volumes, jobs and the rest stay off: nothing here uses them.
var managedControllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"endpointslice-controller",
	"namespace-controller",
	"garbage-collector-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
	"pod-garbage-collector-controller",
	"disruption-controller",
}

// runControllerManager runs kube-controller-manager in the foreground against
// the cluster running from --dir, with the same code path as the real binary
// (its cobra command). It serves nothing (secure port 0) and does not elect a
// leader: there is only ever one. It stops with the cluster's owner process.
func runControllerManager(args []string) error {
	fs := flag.NewFlagSet("controller-manager", flag.ContinueOnError)
	dir := fs.String("dir", "", "state directory of a running cluster (see up)")
	ownerPID := fs.Int("owner-pid", 0, "exit when this process is gone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := stateDir(*dir)
	if err != nil {
		return err
	}
	info, err := readInfo(root)
	if err != nil {
		return fmt.Errorf("no running cluster in %s: %w", root, err)
	}
	p := newPKIPaths(filepath.Join(root, "pki"))
	command := app.NewControllerManagerCommand()
	command.SetArgs([]string{
		"--kubeconfig=" + info.Kubeconfig,
		"--controllers=" + strings.Join(managedControllers, ","),
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--service-account-private-key-file=" + p.SAPrivate,
		"--root-ca-file=" + p.CACert,
		// Small batches, fast reactions: a test waits on each of these.
		"--concurrent-deployment-syncs=5",
		"--concurrent-replicaset-syncs=5",
		"--endpointslice-updates-batch-period=0s",
		"--profiling=false",
		"--v=0",
	})
	go func() {
		<-watchOwner(*ownerPID)
		if *ownerPID > 0 {
			fmt.Printf("owner process %d is gone: stopping\n", *ownerPID)
			os.Exit(0)
		}
	}()
	return command.Execute()
}
