package main

import (
	"io"
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

func TestServiceEndpointsAreTheReadyOnesAtTheSlicePortOfTheSameName(t *testing.T) {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	slice := func(name, service string, port int32, endpoints ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
		return &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: name, Namespace: "apps", Labels: map[string]string{discoveryv1.LabelServiceName: service}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("web"), Port: ptr(port), Protocol: ptr(corev1.ProtocolTCP)}},
			Endpoints:   endpoints,
		}
	}
	endpoint := func(address string, ready, serving, terminating *bool) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: []string{address}, Conditions: discoveryv1.EndpointConditions{Ready: ready, Serving: serving, Terminating: terminating}}
	}
	yes, no := ptr(true), ptr(false)
	// targetPort "http" resolved per Pod by the EndpointSlice controller: 8081 in one slice, 9091 in another.
	_ = indexer.Add(slice("hello-a", "hello", 8081, endpoint("198.18.4.3", yes, yes, no), endpoint("198.18.4.4", no, no, no), endpoint("198.18.4.9", nil, nil, nil)))
	_ = indexer.Add(slice("hello-b", "hello", 9091, endpoint("198.18.4.5", yes, yes, no)))
	_ = indexer.Add(slice("draining-a", "draining", 8081, endpoint("198.18.4.6", no, yes, yes), endpoint("198.18.4.7", no, no, yes)))
	p := &serviceProxy{slices: discoverylisters.NewEndpointSliceLister(indexer), apiServer: "127.0.0.1:6443", serviceCIDR: netip.MustParsePrefix("10.96.0.0/16")}

	web := corev1.ServicePort{Name: "web", Port: 80}
	hello := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "apps"}}
	if got, want := p.endpoints(hello, web), []string{"198.18.4.3:8081", "198.18.4.5:9091", "198.18.4.9:8081"}; !reflect.DeepEqual(got, want) {
		t.Errorf("hello: %v, want the ready (or unknown) endpoints %v", got, want)
	}
	if got := p.endpoints(hello, corev1.ServicePort{Name: "other", Port: 81}); len(got) != 0 {
		t.Errorf("a port the slices do not carry: %v", got)
	}
	draining := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "draining", Namespace: "apps"}}
	if got, want := p.endpoints(draining, web), []string{"198.18.4.6:8081"}; !reflect.DeepEqual(got, want) {
		t.Errorf("none ready: %v, want the serving terminating ones %v", got, want)
	}
	kubernetes := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"}}
	if got := p.endpoints(kubernetes, corev1.ServicePort{Name: "https", Port: 443}); !reflect.DeepEqual(got, []string{"127.0.0.1:6443"}) {
		t.Errorf("the kubernetes Service without endpoints goes to the API server: %v", got)
	}
}

// A Service connection tries f.tries endpoints when one refuses: with 1, a
// refused endpoint reaches the client as a reset (as with kube-proxy's
// iptables rules); with more, the next endpoint takes it.
func TestFrontendTriesAsManyEndpointsAsConfigured(t *testing.T) {
	refusing, _ := net.Listen("tcp", "127.0.0.1:0")
	refusingAddress := refusing.Addr().String()
	refusing.Close()
	serving, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer serving.Close()
	go func() {
		for {
			conn, err := serving.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write([]byte("ok"))
			conn.Close()
		}
	}()
	answered := func(tries int) int {
		f, err := listenFrontend("127.0.0.1:0", &frontendState{service: "apps/hello:web", endpoints: []string{refusingAddress, serving.Addr().String()}}, tries)
		if err != nil {
			t.Fatal(err)
		}
		defer f.close()
		count := 0
		for i := 0; i < 4; i++ {
			conn, err := net.Dial("tcp", f.listener.Addr().String())
			if err != nil {
				continue // reset already: not answered
			}
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			reply, _ := io.ReadAll(conn)
			conn.Close()
			if string(reply) == "ok" {
				count++
			}
		}
		return count
	}
	if got := answered(1); got != 2 {
		t.Errorf("one try: %d of 4 connections answered, want the 2 sent to the serving endpoint", got)
	}
	if got := answered(3); got != 4 {
		t.Errorf("three tries: %d of 4 answered, want all", got)
	}
}
