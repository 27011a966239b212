package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// serviceProxy is this node's kube-proxy and LoadBalancer provider in one:
//   - a LoadBalancer Service (without a loadBalancerClass) gets an address
//     from the pool, written to status.loadBalancer.ingress;
//   - every TCP port of a Service is served at clusterIP:port, at
//     <node address>:nodePort and at <LoadBalancer address>:port by a
//     userspace proxy that forwards each connection to one of the Service's
//     ready endpoints (from its EndpointSlices, round robin);
//   - those addresses are put on the pod bridge as /32s, so the host reaches
//     them directly and pods through their default route; the rest of the
//     service range is made unreachable, so no connection to an address that
//     is not served leaves the machine.
//
// The "kubernetes" Service in "default" has no endpoints in the test cluster
// (its API server publishes none): it is forwarded to the API server of the
// kubeconfig. Its cluster IP is the same in every test cluster (10.96.0.1,
// KUBERNETES_SERVICE_HOST of every pod), so it is served to this kubelet's
// pods only (bound to the bridge): concurrent kubelets of other clusters on
// the host each serve their own pods their own API server there.
// ExternalIPs, session affinity, traffic policies, UDP and SCTP are not handled.
type serviceProxy struct {
	client      kubernetes.Interface
	network     *podNetwork
	pool        *lbPool
	serviceCIDR netip.Prefix
	apiServer   string // host:port
	// tries: endpoints a connection tries when one refuses (1: as kube-proxy's
	// iptables and nftables modes, where a refused connection reaches the client).
	tries int
	// lag: how long after an EndpointSlice or Service change it is acted on.
	lag time.Duration

	services listersv1.ServiceLister
	slices   discoverylisters.EndpointSliceLister
	dirty    chan struct{}

	frontends map[string]*frontend // by ip:port
	addresses map[string]bool      // on the bridge
	failed    map[string]string    // frontends that could not listen, with why (logged once)
}

func newServiceProxy(client kubernetes.Interface, network *podNetwork, pool *lbPool, serviceCIDR, apiServerURL string, tries int, lag time.Duration) (*serviceProxy, error) {
	if tries < 1 {
		return nil, fmt.Errorf("--service-proxy-tries: %d, want 1 or more", tries)
	}
	if lag < 0 {
		return nil, fmt.Errorf("--service-proxy-lag: %s is negative", lag)
	}
	prefix, err := netip.ParsePrefix(serviceCIDR)
	if err != nil {
		return nil, fmt.Errorf("--service-cidr: %w", err)
	}
	apiServer := ""
	if u, err := url.Parse(apiServerURL); err == nil && u.Host != "" {
		apiServer = u.Host
		if u.Port() == "" {
			apiServer = net.JoinHostPort(u.Hostname(), "443")
		}
	}
	return &serviceProxy{
		client: client, network: network, pool: pool, serviceCIDR: prefix.Masked(), apiServer: apiServer, tries: tries, lag: lag,
		dirty:     make(chan struct{}, 1),
		frontends: map[string]*frontend{},
		addresses: map[string]bool{},
		failed:    map[string]string{},
	}, nil
}

func (p *serviceProxy) markDirty() {
	select {
	case p.dirty <- struct{}{}:
	default:
	}
}

// run serves until ctx ends, then closes every listener and removes its addresses and route.
func (p *serviceProxy) run(ctx context.Context) {
	route := []string{"route", "add", "unreachable", p.serviceCIDR.String(), "metric", strconv.Itoa(os.Getpid()), "proto", routeProtocol}
	if err := ip(route...); err != nil {
		logf("service proxy: %v", err)
	}
	defer func() {
		route[1] = "del"
		_ = ip(route...)
	}()

	factory := informers.NewSharedInformerFactory(p.client, 5*time.Minute)
	p.services = factory.Core().V1().Services().Lister()
	p.slices = factory.Discovery().V1().EndpointSlices().Lister()
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { p.markDirty() },
		UpdateFunc: func(any, any) { p.markDirty() },
		DeleteFunc: func(any) { p.markDirty() },
	}
	_, _ = factory.Core().V1().Services().Informer().AddEventHandler(handler)
	_, _ = factory.Discovery().V1().EndpointSlices().Informer().AddEventHandler(handler)
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	logf("service proxy: LoadBalancer pool %s, service range %s (unreachable unless served), node ports at %s", p.pool, p.serviceCIDR, p.network.gateway)

	// Addresses already written to statuses stay with their Services.
	if all, err := p.services.List(labels.Everything()); err == nil {
		for _, svc := range all {
			if ours(svc) {
				for _, ingress := range svc.Status.LoadBalancer.Ingress {
					p.pool.claim(key(svc), ingress.IP)
				}
			}
		}
	}

	resync := time.NewTicker(10 * time.Second) // retries failed listens and status writes
	defer resync.Stop()
	line := &delayLine[map[string]*frontendState]{lag: p.lag}
	p.markDirty()
	for {
		var due <-chan time.Time
		if at, ok := line.next(); ok {
			due = time.After(time.Until(at))
		}
		select {
		case <-ctx.Done():
			p.shutdown()
			return
		case <-due:
			for _, desired := range line.due(time.Now()) {
				p.apply(desired)
			}
			continue
		case <-p.dirty:
		case <-resync.C:
		}
		desired := p.sync(ctx)
		if p.lag == 0 {
			p.apply(desired)
		} else {
			line.push(time.Now(), desired)
		}
	}
}

func key(svc *corev1.Service) string { return svc.Namespace + "/" + svc.Name }

// isKubernetesService: default/kubernetes, the API server's own Service.
func isKubernetesService(svc *corev1.Service) bool {
	return svc.Namespace == metav1.NamespaceDefault && svc.Name == "kubernetes"
}

// ours: a LoadBalancer Service no other implementation (loadBalancerClass) claims.
func ours(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.LoadBalancerClass == nil
}

// sync brings LoadBalancer addresses and statuses in line with the Services
// seen now and returns the listeners (and bridge addresses) to serve, for apply.
func (p *serviceProxy) sync(ctx context.Context) map[string]*frontendState {
	all, err := p.services.List(labels.Everything())
	if err != nil {
		return nil
	}
	sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
	live := map[string]bool{}
	desired := map[string]*frontendState{}
	for _, svc := range all {
		live[key(svc)] = true
		lbAddress := p.syncLoadBalancer(ctx, svc)
		for _, port := range svc.Spec.Ports {
			if port.Protocol != "" && port.Protocol != corev1.ProtocolTCP {
				continue
			}
			endpoints := p.endpoints(svc, port)
			add := func(address string, number int32, device string) {
				desired[net.JoinHostPort(address, strconv.Itoa(int(number)))] = &frontendState{service: key(svc) + ":" + portName(port), endpoints: endpoints, device: device}
			}
			clusterDevice := ""
			if isKubernetesService(svc) {
				clusterDevice = p.network.bridge
			}
			for _, clusterIP := range svc.Spec.ClusterIPs {
				if a, err := netip.ParseAddr(clusterIP); err == nil && p.serviceCIDR.Contains(a) {
					add(clusterIP, port.Port, clusterDevice)
				}
			}
			if port.NodePort != 0 {
				add(p.network.gateway, port.NodePort, "")
			}
			if lbAddress != "" {
				add(lbAddress, port.Port, "")
			}
		}
	}
	// Addresses of Services that are gone go back to the pool.
	for _, owner := range p.pool.owners {
		if !live[owner] {
			p.pool.release(owner)
		}
	}
	return desired
}

// syncLoadBalancer allocates (or releases) the Service's pool address and
// writes its status; it returns the address to serve, if any.
func (p *serviceProxy) syncLoadBalancer(ctx context.Context, svc *corev1.Service) string {
	if !ours(svc) {
		p.pool.release(key(svc))
		// A Service that stopped being a LoadBalancer loses the address we wrote.
		var kept []corev1.LoadBalancerIngress
		for _, ingress := range svc.Status.LoadBalancer.Ingress {
			if _, inPool := p.pool.contains(ingress.IP); !inPool || svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
				kept = append(kept, ingress)
			}
		}
		if len(kept) != len(svc.Status.LoadBalancer.Ingress) {
			p.writeStatus(ctx, svc, kept)
		}
		return ""
	}
	address, err := p.pool.allocate(key(svc), svc.Spec.LoadBalancerIP)
	if err != nil {
		logf("service proxy: %s: %v", key(svc), err)
		return ""
	}
	vip := corev1.LoadBalancerIPModeVIP
	want := []corev1.LoadBalancerIngress{{IP: address, IPMode: &vip}}
	have := svc.Status.LoadBalancer.Ingress
	if len(have) != 1 || have[0].IP != address || have[0].Hostname != "" {
		p.writeStatus(ctx, svc, want)
	}
	return address
}

func (p *serviceProxy) writeStatus(ctx context.Context, svc *corev1.Service, ingress []corev1.LoadBalancerIngress) {
	updated := svc.DeepCopy()
	updated.Status.LoadBalancer.Ingress = ingress
	_, err := p.client.CoreV1().Services(svc.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	switch {
	case err == nil:
		logf("service proxy: %s: status.loadBalancer.ingress = %v", key(svc), ingressIPs(ingress))
	case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
		// A newer version is on its way (or the Service is gone): synced again then.
	default:
		logf("service proxy: %s: write status: %v", key(svc), err)
	}
}

func ingressIPs(ingress []corev1.LoadBalancerIngress) []string {
	var ips []string
	for _, i := range ingress {
		ips = append(ips, i.IP)
	}
	return ips
}

func portName(port corev1.ServicePort) string {
	if port.Name != "" {
		return port.Name
	}
	return strconv.Itoa(int(port.Port))
}

// endpoints lists ip:port of the Service port's ready endpoints, or, when none
// is ready, of those still serving while terminating (as kube-proxy does). The
// port is the EndpointSlice's port of the same name: the EndpointSlice
// controller has resolved targetPort, named ports included, per Pod.
func (p *serviceProxy) endpoints(svc *corev1.Service, port corev1.ServicePort) []string {
	selector := labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: svc.Name})
	slices, _ := p.slices.EndpointSlices(svc.Namespace).List(selector)
	var ready, serving []string
	for _, slice := range slices {
		if slice.AddressType != discoveryv1.AddressTypeIPv4 {
			continue
		}
		number := int32(0)
		for _, sp := range slice.Ports {
			name := ""
			if sp.Name != nil {
				name = *sp.Name
			}
			protocol := corev1.ProtocolTCP
			if sp.Protocol != nil {
				protocol = *sp.Protocol
			}
			if name == port.Name && protocol == corev1.ProtocolTCP && sp.Port != nil {
				number = *sp.Port
			}
		}
		if number == 0 {
			continue
		}
		for _, e := range slice.Endpoints {
			if len(e.Addresses) == 0 {
				continue
			}
			address := net.JoinHostPort(e.Addresses[0], strconv.Itoa(int(number)))
			c := e.Conditions
			switch {
			case c.Ready == nil || *c.Ready:
				ready = append(ready, address)
			case c.Serving != nil && *c.Serving && c.Terminating != nil && *c.Terminating:
				serving = append(serving, address)
			}
		}
	}
	if len(ready) == 0 {
		ready = serving
	}
	if len(ready) == 0 && len(slices) == 0 && isKubernetesService(svc) && p.apiServer != "" {
		ready = []string{p.apiServer}
	}
	sort.Strings(ready)
	return ready
}

// apply opens, updates and closes listeners (and bridge addresses) to match desired.
func (p *serviceProxy) apply(desired map[string]*frontendState) {
	for address, f := range p.frontends {
		if _, keep := desired[address]; !keep {
			f.close()
			delete(p.frontends, address)
			logf("service proxy: stopped serving %s (%s)", address, f.state.Load().service)
		}
	}
	wantIPs := map[string]bool{}
	for address := range desired {
		host, _, _ := net.SplitHostPort(address)
		if host != p.network.gateway {
			wantIPs[host] = true
		}
	}
	for ipAddress := range p.addresses {
		if !wantIPs[ipAddress] {
			if err := p.network.removeAddress(ipAddress); err != nil {
				logf("service proxy: %v", err)
			}
			delete(p.addresses, ipAddress)
		}
	}
	for ipAddress := range wantIPs {
		if !p.addresses[ipAddress] {
			if err := p.network.addAddress(ipAddress); err != nil {
				logf("service proxy: %v", err)
				continue
			}
			p.addresses[ipAddress] = true
		}
	}
	for address, state := range desired {
		if f, ok := p.frontends[address]; ok {
			if !sameState(f.state.Load(), state) {
				f.state.Store(state)
				logf("service proxy: %s (%s) -> %s", address, state.service, describeEndpoints(state.endpoints))
			}
			continue
		}
		f, err := listenFrontend(address, state, p.tries)
		if err != nil {
			if p.failed[address] != err.Error() {
				logf("service proxy: cannot serve %s (%s): %v", address, state.service, err)
				p.failed[address] = err.Error()
			}
			continue
		}
		delete(p.failed, address)
		p.frontends[address] = f
		only := ""
		if state.device != "" {
			only = " to the pods of " + state.device
		}
		logf("service proxy: serving %s%s (%s) -> %s", address, only, state.service, describeEndpoints(state.endpoints))
	}
}

func describeEndpoints(endpoints []string) string {
	if len(endpoints) == 0 {
		return "no ready endpoint (connections are refused)"
	}
	return strings.Join(endpoints, ", ")
}

func sameState(a, b *frontendState) bool {
	return a.service == b.service && strings.Join(a.endpoints, ",") == strings.Join(b.endpoints, ",")
}

func (p *serviceProxy) shutdown() {
	for address, f := range p.frontends {
		f.close()
		delete(p.frontends, address)
	}
	for ipAddress := range p.addresses {
		_ = p.network.removeAddress(ipAddress)
		delete(p.addresses, ipAddress)
	}
	logf("service proxy: stopped")
}
