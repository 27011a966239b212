package main

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// podNetwork is a Linux bridge in the host namespace with the first address of
// a /24 from 198.18.0.0/15 (the range reserved for network tests; no real
// network is ever addressed), and one network namespace per Pod joined to the
// bridge by a veth pair. Names carry this kubelet's pid so concurrent runs
// (and other tests using 198.18.0.0/15) do not meet.
type podNetwork struct {
	id      string // pid of the kubelet
	bridge  string
	prefix  string // "198.18.N.M" minus the last octet, e.g. "198.19.4"
	gateway string // bridge address, <prefix>.1

	mu    sync.Mutex
	inUse map[int]string // last octet -> netns name
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// freePrefix picks a /24 of 198.18.0.0/15 that no interface on the host uses.
func freePrefix(seed int) (string, error) {
	out, err := exec.Command("ip", "-4", "-o", "addr").Output()
	if err != nil {
		return "", err
	}
	used := string(out)
	for i := 0; i < 512; i++ {
		n := (seed + i) % 512
		prefix := fmt.Sprintf("198.%d.%d", 18+n/256, n%256)
		if !strings.Contains(used, " "+prefix+".") {
			return prefix, nil
		}
	}
	return "", fmt.Errorf("no free /24 left in 198.18.0.0/15")
}

func newPodNetwork(pid int) (*podNetwork, error) {
	// Start away from where the controller tests' pid-based picks usually land.
	prefix, err := freePrefix(pid*7 + 256)
	if err != nil {
		return nil, err
	}
	n := &podNetwork{
		id:      fmt.Sprint(pid),
		bridge:  fmt.Sprintf("ckb%d", pid),
		prefix:  prefix,
		gateway: prefix + ".1",
		inUse:   map[int]string{},
	}
	steps := [][]string{
		{"link", "add", n.bridge, "type", "bridge"},
		{"addr", "add", n.gateway + "/24", "dev", n.bridge},
		{"link", "set", n.bridge, "up"},
	}
	for _, step := range steps {
		if err := ip(step...); err != nil {
			_ = ip("link", "del", n.bridge)
			return nil, err
		}
	}
	logf("pod network: bridge %s %s/24", n.bridge, n.gateway)
	return n, nil
}

// lastPodOctet ends the pod addresses of the /24: the rest (.200-.254) is the
// default LoadBalancer pool (see lbPoolFor).
const lastPodOctet = 199

// addAddress puts a service address (a cluster IP or a LoadBalancer IP) on
// the bridge as a /32: the host's own address then, reached from the host
// directly and from pods through their default route.
func (n *podNetwork) addAddress(address string) error {
	err := ip("addr", "add", address+"/32", "dev", n.bridge)
	if err != nil && strings.Contains(err.Error(), "File exists") {
		return nil
	}
	return err
}

func (n *podNetwork) removeAddress(address string) error {
	err := ip("addr", "del", address+"/32", "dev", n.bridge)
	if err != nil && strings.Contains(err.Error(), "Cannot assign") {
		return nil
	}
	return err
}

// sandbox is one Pod's network namespace and address.
type sandbox struct {
	netns   string
	address string
	octet   int
}

// create makes a namespace with eth0 (veth to the bridge), lo up and a
// default route via the bridge, and gives it the lowest free address.
func (n *podNetwork) create() (*sandbox, error) {
	n.mu.Lock()
	octet := 0
	for candidate := 2; candidate <= lastPodOctet; candidate++ {
		if _, taken := n.inUse[candidate]; !taken {
			octet = candidate
			break
		}
	}
	if octet == 0 {
		n.mu.Unlock()
		return nil, fmt.Errorf("no free pod address left in %s.0/24", n.prefix)
	}
	s := &sandbox{netns: fmt.Sprintf("ck-%s-%d", n.id, octet), address: fmt.Sprintf("%s.%d", n.prefix, octet), octet: octet}
	n.inUse[octet] = s.netns
	n.mu.Unlock()

	hostIf := fmt.Sprintf("ck%sp%d", n.id, octet) // at most 15 bytes
	steps := [][]string{
		{"netns", "add", s.netns},
		{"link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", s.netns},
		{"link", "set", hostIf, "master", n.bridge, "up"},
		{"-n", s.netns, "addr", "add", s.address + "/24", "dev", "eth0"},
		{"-n", s.netns, "link", "set", "eth0", "up"},
		{"-n", s.netns, "link", "set", "lo", "up"},
		{"-n", s.netns, "route", "add", "default", "via", n.gateway},
	}
	for _, step := range steps {
		if err := ip(step...); err != nil {
			n.remove(s)
			return nil, err
		}
	}
	return s, nil
}

// remove deletes the namespace (which deletes the veth pair) and frees the address.
func (n *podNetwork) remove(s *sandbox) {
	if err := ip("netns", "del", s.netns); err != nil && !strings.Contains(err.Error(), "No such file") {
		logf("remove %s: %v", s.netns, err)
	}
	n.mu.Lock()
	delete(n.inUse, s.octet)
	n.mu.Unlock()
}

// close removes every namespace still there, then the bridge.
func (n *podNetwork) close() {
	n.mu.Lock()
	left := make([]*sandbox, 0, len(n.inUse))
	for octet, name := range n.inUse {
		left = append(left, &sandbox{netns: name, octet: octet})
	}
	n.mu.Unlock()
	for _, s := range left {
		n.remove(s)
	}
	if err := ip("link", "del", n.bridge); err != nil {
		logf("remove bridge: %v", err)
	}
	logf("pod network removed")
}
