package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// lbPool hands out LoadBalancer addresses from an IPv4 range, one per
// Service, as MetalLB or a cloud provider would. Not safe for concurrent use.
type lbPool struct {
	first, last uint32
	owners      map[uint32]string // address -> namespace/name
	byService   map[string]uint32
}

// newLBPool parses "FIRST-LAST" (inclusive).
func newLBPool(text string) (*lbPool, error) {
	from, to, ok := strings.Cut(text, "-")
	if !ok {
		return nil, fmt.Errorf("LoadBalancer range %q: want FIRST-LAST", text)
	}
	first, err1 := netip.ParseAddr(strings.TrimSpace(from))
	last, err2 := netip.ParseAddr(strings.TrimSpace(to))
	if err1 != nil || err2 != nil || !first.Is4() || !last.Is4() || last.Less(first) {
		return nil, fmt.Errorf("LoadBalancer range %q: want two IPv4 addresses, the first not above the last", text)
	}
	return &lbPool{first: ipv4ToInt(first), last: ipv4ToInt(last), owners: map[uint32]string{}, byService: map[string]uint32{}}, nil
}

// lbPoolFor is the pool of --lb-range, or by default .200-.254 of the pod
// /24 (prefix "198.18.N"): addresses no other kubelet on the host hands out.
func lbPoolFor(text, prefix string) (*lbPool, error) {
	if text == "" {
		text = fmt.Sprintf("%s.%d-%s.254", prefix, lastPodOctet+1, prefix)
	}
	return newLBPool(text)
}

func ipv4ToInt(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func intToIPv4(n uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	return netip.AddrFrom4(b).String()
}

func (p *lbPool) String() string {
	return intToIPv4(p.first) + "-" + intToIPv4(p.last)
}

// contains tells whether address is in the pool's range.
func (p *lbPool) contains(address string) (uint32, bool) {
	a, err := netip.ParseAddr(address)
	if err != nil || !a.Is4() {
		return 0, false
	}
	n := ipv4ToInt(a)
	return n, n >= p.first && n <= p.last
}

// claim records that service already holds address (from its status, after a
// restart). It fails when the address is outside the pool or someone else's.
func (p *lbPool) claim(service, address string) bool {
	n, ok := p.contains(address)
	if !ok {
		return false
	}
	if owner, taken := p.owners[n]; taken && owner != service {
		return false
	}
	if old, had := p.byService[service]; had && old != n {
		delete(p.owners, old)
	}
	p.owners[n], p.byService[service] = service, n
	return true
}

// allocate returns service's address: the one it holds, else the wanted one
// (spec.loadBalancerIP) if it is in the pool and free, else the lowest free one.
func (p *lbPool) allocate(service, wanted string) (string, error) {
	if n, ok := p.byService[service]; ok {
		if wanted == "" || wanted == intToIPv4(n) {
			return intToIPv4(n), nil
		}
		p.release(service)
	}
	if wanted != "" {
		if p.claim(service, wanted) {
			return wanted, nil
		}
		return "", fmt.Errorf("loadBalancerIP %s is not free in the pool %s", wanted, p)
	}
	for n := p.first; n <= p.last && n >= p.first; n++ {
		if _, taken := p.owners[n]; !taken {
			p.owners[n], p.byService[service] = service, n
			return intToIPv4(n), nil
		}
	}
	return "", fmt.Errorf("the LoadBalancer pool %s is exhausted", p)
}

// release frees service's address, if it holds one.
func (p *lbPool) release(service string) {
	if n, ok := p.byService[service]; ok {
		delete(p.owners, n)
		delete(p.byService, service)
	}
}

// addressOf returns the address service holds.
func (p *lbPool) addressOf(service string) (string, bool) {
	n, ok := p.byService[service]
	if !ok {
		return "", false
	}
	return intToIPv4(n), true
}
