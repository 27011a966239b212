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
)

// runServe runs etcd and kube-apiserver in the foreground until SIGTERM/SIGINT
// or until the owner process (if any) is gone.
func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("dir", "", "state directory (created; everything the cluster writes goes here)")
	ownerPID := fs.Int("owner-pid", 0, "stop and remove the state directory when this process is gone")
	bundle := fs.String("crds", "v1", "CRD bundle to install once ready: v1, v1alpha2 or none")
	crdDir := fs.String("crd-dir", defaultCRDDir(), "directory holding one sub-directory per CRD bundle")
	reuse := fs.Bool("reuse", false, "start the cluster that ran from dir before: same PKI, ports and etcd data (CRDs are not installed again)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("--dir is required")
	}
	root, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	started := time.Now()

	// Registered before anything starts: a stop request must win over the
	// API server's own (slow, graceful) signal handling. Nothing here is worth
	// keeping, so stopping is simply exiting.
	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	var p pki
	if *reuse {
		p, err = reusablePKI(filepath.Join(root, "pki"))
	} else {
		p, err = generatePKI(filepath.Join(root, "pki"))
	}
	if err != nil {
		return err
	}
	ports, err := choosePorts(root, *reuse)
	if err != nil {
		return err
	}
	etcd, etcdURL, err := startEtcd(filepath.Join(root, "etcd"), ports.EtcdClient, ports.EtcdPeer)
	if err != nil {
		return err
	}
	defer etcd.Close()
	port := ports.API
	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	kubeconfig := filepath.Join(root, "kubeconfig")
	if err := writeAdminKubeconfig(kubeconfig, server, p); err != nil {
		return err
	}
	apiDone := startAPIServer(root, p, etcdURL, port)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := waitReady(ctx, kubeconfig, apiDone); err != nil {
		return err
	}
	if *bundle != "none" && !*reuse {
		if err := installBundle(ctx, kubeconfig, filepath.Join(*crdDir, *bundle), false); err != nil {
			return fmt.Errorf("install CRD bundle %s: %w", *bundle, err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	info := clusterInfo{
		PID: os.Getpid(), Server: server, Kubeconfig: kubeconfig,
		CAFile: p.CACert, CertFile: p.AdminCert, KeyFile: p.AdminKey, CRDBundle: *bundle, Binary: exe,
	}
	if err := writeInfo(root, info); err != nil {
		return err
	}
	fmt.Printf("ready in %.1fs: KUBECONFIG=%s\n", time.Since(started).Seconds(), kubeconfig)

	ownerGone := watchOwner(*ownerPID)
	select {
	case sig := <-stop:
		// Exit at once: closing etcd under a live API server only takes time.
		fmt.Printf("stopping on %s\n", sig)
		os.Exit(0)
		return nil
	case <-ownerGone:
		fmt.Printf("owner process %d is gone: stopping and removing %s\n", *ownerPID, root)
		_ = removeState(root)
		os.Exit(0)
		return nil
	case err := <-apiDone:
		return fmt.Errorf("kube-apiserver stopped: %v", err)
	}
}

// waitReady polls /readyz until the API server answers "ok".
func waitReady(ctx context.Context, kubeconfig string, apiDone <-chan error) error {
	cfg, err := restConfig(kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	var last error
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return nil
		}
		last = err
		select {
		case err := <-apiDone:
			return fmt.Errorf("kube-apiserver stopped before it was ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready: %v", last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// watchOwner closes the returned channel once pid no longer exists, so a test
// run that dies without cleaning up does not leave a control plane behind.
func watchOwner(pid int) <-chan struct{} {
	gone := make(chan struct{})
	if pid <= 0 {
		return gone
	}
	go func() {
		for processAlive(pid) {
			time.Sleep(250 * time.Millisecond)
		}
		close(gone)
	}()
	return gone
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// defaultCRDDir is the "crds" directory beside the executable, where the build
// script puts the bundles it read from the Go module cache.
func defaultCRDDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "crds"
	}
	return filepath.Join(filepath.Dir(exe), "crds")
}
