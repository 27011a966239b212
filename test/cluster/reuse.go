package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// servePorts are the loopback ports a cluster listens on, kept in <dir>/ports.json
// so "serve --reuse" comes back at the same address.
type servePorts struct {
	API        int `json:"api"`
	EtcdClient int `json:"etcdClient"`
	EtcdPeer   int `json:"etcdPeer"`
}

func portsPath(dir string) string { return filepath.Join(dir, "ports.json") }

// choosePorts picks free ports and records them, or with reuse reads the recorded ones.
func choosePorts(root string, reuse bool) (servePorts, error) {
	var ports servePorts
	if reuse {
		data, err := os.ReadFile(portsPath(root))
		if err != nil {
			return ports, fmt.Errorf("--reuse: %w", err)
		}
		return ports, json.Unmarshal(data, &ports)
	}
	for _, p := range []*int{&ports.API, &ports.EtcdClient, &ports.EtcdPeer} {
		port, err := freeLoopbackPort()
		if err != nil {
			return ports, err
		}
		*p = port
	}
	data, err := json.Marshal(ports)
	if err != nil {
		return ports, err
	}
	return ports, os.WriteFile(portsPath(root), data, 0o600)
}

// reusablePKI returns the PKI already in dir (same CA, certificates and signing keys).
func reusablePKI(dir string) (pki, error) {
	p := newPKIPaths(dir)
	for _, f := range []string{p.CACert, p.ServingCert, p.ServingKey, p.AdminCert, p.AdminKey, p.SAPublic, p.SAPrivate} {
		if _, err := os.Stat(f); err != nil {
			return p, fmt.Errorf("--reuse: %w", err)
		}
	}
	return p, nil
}

// canReuse reports whether dir holds the state of a cluster that ran before.
func canReuse(root string) bool {
	_, err := reusablePKI(filepath.Join(root, "pki"))
	_, perr := os.Stat(portsPath(root))
	_, eerr := os.Stat(filepath.Join(root, "etcd"))
	return err == nil && perr == nil && eerr == nil
}

// runStop stops the serve process of dir and waits until its ports are free, but
// keeps every file: "up --reuse" starts the same cluster again.
func runStop(args []string) error {
	root, unlock, err := stopServing("stop", args)
	if err != nil {
		return err
	}
	defer unlock()
	// Not ready any more: clients waiting for cluster.json wait for the next start.
	if err := os.Remove(infoPath(root)); err != nil && !os.IsNotExist(err) {
		return err
	}
	data, err := os.ReadFile(portsPath(root))
	if err != nil {
		return nil
	}
	var ports servePorts
	if err := json.Unmarshal(data, &ports); err != nil {
		return err
	}
	return waitPortsFree(ports, 10*time.Second)
}

// waitPortsFree waits until every port can be bound again.
func waitPortsFree(ports servePorts, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, port := range []int{ports.API, ports.EtcdClient, ports.EtcdPeer} {
		for {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				l.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d still in use: %v", port, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}
