package main

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// frontendState is what a frontend forwards to: a Service port's endpoints.
type frontendState struct {
	service   string // namespace/name:port, for logs
	endpoints []string
	// device, when set, is the only interface the frontend accepts connections
	// from (SO_BINDTODEVICE): this kubelet's pod bridge. Fixed per address.
	device string
}

// frontend is one listening address of a Service port (a cluster IP, node
// port or LoadBalancer address and port) that forwards each connection to
// one of its endpoints, round robin. Its endpoints are swapped in place;
// connections already forwarded are left alone.
type frontend struct {
	listener net.Listener
	tries    int // endpoints tried when one refuses
	state    atomic.Pointer[frontendState]
	next     atomic.Uint64
}

func listenFrontend(address string, state *frontendState, tries int) (*frontend, error) {
	var config net.ListenConfig
	if device := state.device; device != "" {
		// Sockets bound to different devices do not conflict: every kubelet on the
		// host can serve the same address to its own pods.
		config.Control = func(_, _ string, c syscall.RawConn) error {
			var err error
			if controlErr := c.Control(func(fd uintptr) {
				err = syscall.SetsockoptString(int(fd), syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, device)
			}); controlErr != nil {
				return controlErr
			}
			return err
		}
	}
	listener, err := config.Listen(context.Background(), "tcp", address)
	if err != nil {
		return nil, err
	}
	f := &frontend{listener: listener, tries: tries}
	f.state.Store(state)
	go f.serve()
	return f, nil
}

func (f *frontend) close() { _ = f.listener.Close() }

func (f *frontend) serve() {
	for {
		conn, err := f.listener.Accept()
		if err != nil {
			return
		}
		go f.forward(conn.(*net.TCPConn))
	}
}

// forward connects to an endpoint (trying up to f.tries when one refuses) and
// pipes both ways, passing half-closes on. With no endpoint the client is
// reset, as kube-proxy rejects connections to a Service without endpoints.
func (f *frontend) forward(client *net.TCPConn) {
	endpoints := f.state.Load().endpoints
	start := int(f.next.Add(1))
	for i := 0; i < len(endpoints) && i < f.tries; i++ {
		endpoint := endpoints[(start+i)%len(endpoints)]
		conn, err := net.DialTimeout("tcp", endpoint, 3*time.Second)
		if err != nil {
			continue
		}
		pipe(client, conn.(*net.TCPConn))
		return
	}
	_ = client.SetLinger(0)
	_ = client.Close()
}

func pipe(a, b *net.TCPConn) {
	done := make(chan struct{}, 2)
	copyHalf := func(to, from *net.TCPConn) {
		_, _ = io.Copy(to, from)
		_ = to.CloseWrite()
		done <- struct{}{}
	}
	go copyHalf(a, b)
	go copyHalf(b, a)
	<-done
	<-done
	_ = a.Close()
	_ = b.Close()
}
