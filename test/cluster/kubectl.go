package main

import (
	"os"
	"path/filepath"

	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// runKubectl runs the kubectl of the same Kubernetes release as the server.
func runKubectl(args []string) int {
	// Test clusters come and go on new ports: keep kubectl's discovery cache
	// beside this binary rather than in ~/.kube, and let "crds" clear it.
	if os.Getenv("KUBECACHEDIR") == "" {
		_ = os.Setenv("KUBECACHEDIR", kubectlCacheDir())
	}
	// kubectl reads its arguments from os.Args (plugin handling looks there too).
	os.Args = append([]string{"kubectl"}, args...)
	command := kubectlcmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		cmdutil.CheckErr(err)
	}
	return 0
}

func kubectlCacheDir() string {
	exe, err := os.Executable()
	if err != nil {
		return filepath.Join(os.TempDir(), "courier-cluster-kubectl-cache")
	}
	return filepath.Join(filepath.Dir(exe), "kubectl-cache")
}
