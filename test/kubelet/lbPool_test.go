package main

import "testing"

func TestLoadBalancerPoolAllocatesKeepsAndReleases(t *testing.T) {
	pool, err := newLBPool("198.19.4.200-198.19.4.202")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := pool.allocate("ns/a", "")
	b, _ := pool.allocate("ns/b", "")
	if a != "198.19.4.200" || b != "198.19.4.201" {
		t.Fatalf("got %s %s, want the lowest free addresses in order", a, b)
	}
	if again, _ := pool.allocate("ns/a", ""); again != a {
		t.Errorf("a Service keeps its address: got %s", again)
	}
	if _, err := pool.allocate("ns/c", "198.19.4.201"); err == nil {
		t.Error("a wanted address held by another Service was given")
	}
	c, _ := pool.allocate("ns/c", "")
	if c != "198.19.4.202" {
		t.Errorf("c got %s", c)
	}
	if _, err := pool.allocate("ns/d", ""); err == nil {
		t.Error("an exhausted pool gave an address")
	}
	pool.release("ns/b")
	if d, _ := pool.allocate("ns/d", ""); d != "198.19.4.201" {
		t.Errorf("a released address is reused: got %s", d)
	}
	if _, ok := pool.addressOf("ns/b"); ok {
		t.Error("a released Service still holds an address")
	}
	// After a restart, addresses in statuses are claimed back before anything is allocated.
	fresh, _ := newLBPool("198.19.4.200-198.19.4.202")
	if !fresh.claim("ns/c", "198.19.4.202") || fresh.claim("ns/x", "198.19.4.202") || fresh.claim("ns/y", "10.0.0.1") {
		t.Error("claim: own address kept, someone else's and one outside the pool refused")
	}
	if first, _ := fresh.allocate("ns/a", ""); first != "198.19.4.200" {
		t.Errorf("got %s", first)
	}
	if wanted, err := fresh.allocate("ns/w", "198.19.4.201"); err != nil || wanted != "198.19.4.201" {
		t.Errorf("spec.loadBalancerIP in the pool and free: got %s %v", wanted, err)
	}
	for _, bad := range []string{"198.19.4.9", "198.19.4.9-198.19.4.1", "a-b", "::1-::2"} {
		if _, err := newLBPool(bad); err == nil {
			t.Errorf("range %q accepted", bad)
		}
	}
	def, _ := lbPoolFor("", "198.18.7")
	if def.String() != "198.18.7.200-198.18.7.254" {
		t.Errorf("default pool %s", def)
	}
}
