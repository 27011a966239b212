package main

import "net"

// freeLoopbackPort asks the kernel for an unused port on 127.0.0.1. The port is
// released before use, so a rare race with another process is possible; serve
// fails loudly then and "up" can simply be run again.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
