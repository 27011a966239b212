// Command courier-kubelet is the kubelet of Courier's test clusters: it
// registers one Node, binds every pending Pod to it, and runs each Pod's
// containers, each Pod in its own network namespace (a veth pair to a bridge,
// addresses from a free /24 of 198.18.0.0/15).
//
// A container runs one of two ways, chosen by its image repository:
//   - --oci-image REPOSITORY=ARCHIVE: a real container under runc, from an OCI
//     image-layout archive unpacked here (see ociImages.go, ociSpec.go, runc.go);
//   - --image REPOSITORY=BINARY: a host binary standing in for the image, in the
//     Pod's network namespace and a mount namespace of its own (processContainer.go).
//
// With --service-proxy it also plays kube-proxy and a load-balancer provider
// (serviceProxy.go): ClusterIP, NodePort and LoadBalancer Services are served
// by a userspace TCP proxy, LoadBalancer Services get an address from a pool.
//
// It is test infrastructure: no image pulls, no init containers, no DNS.
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
	if len(os.Args) > 1 {
		var err error
		handled := true
		switch os.Args[1] {
		case "pod-exec":
			// Re-executed inside a Pod's namespaces: mount its volumes, become its process.
			err = runPodExec(os.Args[2:])
		case "cleanup":
			err = runCleanup(os.Args[2:])
		case "image-archive":
			err = runImageArchive(os.Args[2:])
		default:
			handled = false
		}
		if handled {
			if err != nil {
				fmt.Fprintf(os.Stderr, "courier-kubelet %s: %v\n", os.Args[1], err)
				os.Exit(127)
			}
			return
		}
	}
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "courier-kubelet: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	nodeName := flag.String("node-name", "courier-node", "name of the Node this kubelet registers")
	stateDir := flag.String("state-dir", "", "directory for volumes, logs and bundles of the pods (created)")
	imageCache := flag.String("image-cache", "", "directory of unpacked OCI images, shared between runs (default <state-dir>/images)")
	runcPath := flag.String("runc", "runc", "the OCI runtime binary")
	var images imageTable
	flag.Var(&images, "image", "REPOSITORY=BINARY: run BINARY as a process for any tag of image REPOSITORY (repeatable)")
	var ociArchives ociImageTable
	flag.Var(&ociArchives, "oci-image", "REPOSITORY=ARCHIVE: run any tag of image REPOSITORY under runc from the OCI image-layout tar ARCHIVE (repeatable)")
	serviceProxy := flag.Bool("service-proxy", false, "serve ClusterIP, NodePort and LoadBalancer Services and assign LoadBalancer addresses")
	lbRange := flag.String("lb-range", "", "FIRST-LAST IPv4 pool for LoadBalancer Services (default: .200-.254 of the pod /24)")
	serviceProxyTries := flag.Int("service-proxy-tries", 3, "endpoints a Service connection tries when one refuses (1: a refusal reaches the client, as with kube-proxy's iptables mode)")
	serviceProxyLag := flag.Duration("service-proxy-lag", 0, "act on Service and EndpointSlice changes this much later (the propagation delay of a real cluster's kube-proxies and load balancers)")
	serviceCIDR := flag.String("service-cidr", "10.96.0.0/16", "the API server's --service-cluster-ip-range (made unreachable off-host while the proxy runs)")
	ownerPID := flag.Int("owner-pid", 0, "stop (and clean up) when this process is gone")
	flag.Parse()
	if *stateDir == "" {
		return fmt.Errorf("--state-dir is required")
	}
	root, err := realDir(*stateDir)
	if err != nil {
		return err
	}
	cacheDir := *imageCache
	if cacheDir == "" {
		cacheDir = filepath.Join(root, "images")
	}
	if cacheDir, err = realDir(cacheDir); err != nil {
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

	// What earlier kubelets killed before their cleanup left behind.
	sweepLeftovers(*runcPath)

	network, err := newPodNetwork(os.Getpid())
	if err != nil {
		return err
	}
	defer network.close()

	var runtime *runcRuntime
	if len(ociArchives) > 0 {
		runtime, err = newRuncRuntime(*runcPath, os.Getpid())
		if err != nil {
			return err
		}
		defer runtime.close()
	}

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

	var proxyDone chan struct{}
	if *serviceProxy {
		pool, err := lbPoolFor(*lbRange, network.prefix)
		if err != nil {
			return err
		}
		proxy, err := newServiceProxy(client, network, pool, *serviceCIDR, cfg.Host, *serviceProxyTries, *serviceProxyLag)
		if err != nil {
			return err
		}
		proxyDone = make(chan struct{})
		go func() {
			defer close(proxyDone)
			proxy.run(ctx)
		}()
	}

	k := &kubelet{
		client:    client,
		node:      *nodeName,
		root:      root,
		self:      self,
		images:    images,
		ociImages: newOCIImageStore(ociArchives, cacheDir),
		runc:      runtime,
		network:   network,
		pods:      map[string]*podRuntime{},
	}
	k.run(ctx)
	// Every container and namespace goes before the bridge does (deferred above).
	k.stopAll(10 * time.Second)
	if proxyDone != nil {
		<-proxyDone
	}
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

// realDir creates dir and returns its absolute path without symlinks: runc
// refuses a container root whose path goes through one (a checkout's .cache
// may be a link to a shared cache).
func realDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}
