// Command process-kubelet is a kubelet for Courier's conformance runs: it
// registers one Node, binds every pending Pod to it, and runs each Pod's
// containers as local processes, each Pod in its own network namespace (a veth
// pair to a bridge, addresses from 198.18.0.0/15) and its own mount namespace
// (Secret, ConfigMap, projected and emptyDir volumes as files at mountPath).
// Images are not pulled: a fixed table maps known images to binaries built
// from source here; any other image is refused with a clear Pod status.
//
// It is test infrastructure, not a container runtime: no cgroups, no users,
// no image filesystems, no probes beyond a TCP check of declared ports.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "pod-exec" {
		// Re-executed inside a Pod's namespaces: mount its volumes, become its process.
		if err := runPodExec(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "pod-exec: %v\n", err)
			os.Exit(127)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "process-kubelet: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	nodeName := flag.String("node-name", "courier-node", "name of the Node this kubelet registers")
	stateDir := flag.String("state-dir", "", "directory for volumes, logs and overlays of the pods (created)")
	var images imageTable
	flag.Var(&images, "image", "REPOSITORY=BINARY: run BINARY for any tag of image REPOSITORY (repeatable)")
	ownerPID := flag.Int("owner-pid", 0, "stop (and clean up) when this process is gone")
	flag.Parse()
	if *stateDir == "" {
		return fmt.Errorf("--state-dir is required")
	}
	root, err := filepath.Abs(*stateDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 50, 100
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	network, err := newPodNetwork(os.Getpid())
	if err != nil {
		return err
	}
	defer network.close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		select {
		case sig := <-stop:
			logf("stopping on %s", sig)
		case <-ownerGone(*ownerPID):
			logf("owner process %d is gone: stopping", *ownerPID)
		}
		cancel()
	}()

	node := &nodeAgent{client: client, name: *nodeName, address: network.gateway}
	if err := node.register(ctx); err != nil {
		return err
	}
	go node.heartbeat(ctx)

	k := &kubelet{
		client:  client,
		node:    *nodeName,
		root:    root,
		self:    self,
		images:  images,
		network: network,
		pods:    map[string]*podRuntime{},
	}
	k.run(ctx)
	// Every pod process and namespace goes before the bridge does (deferred above).
	k.stopAll(10 * time.Second)
	return nil
}

func ownerGone(pid int) <-chan struct{} {
	gone := make(chan struct{})
	if pid <= 0 {
		return gone
	}
	go func() {
		for {
			err := syscall.Kill(pid, 0)
			if err != nil && err != syscall.EPERM {
				close(gone)
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	return gone
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}
