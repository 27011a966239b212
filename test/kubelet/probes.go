package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probe runs a container's probes for as long as this instance (cmd) runs:
// the startup probe until it passes, then readiness and liveness. Like a
// kubelet it probes from the host at the pod's address. A failed startup or
// liveness probe stops the instance (its preStop hook first; watch() restarts it). Without a
// readiness probe the container is ready once every TCP port it declares
// accepts a connection (at once when it declares none).
func (rt *podRuntime) probe(cp *containerProcess, cmd *exec.Cmd, container *corev1.Container, pod *corev1.Pod) {
	current := func() bool {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		return cp.cmd == cmd && !rt.stopped
	}
	setReady := func(ready bool) {
		rt.mu.Lock()
		changed := cp.cmd == cmd && cp.ready != ready
		if changed {
			cp.ready = ready
		}
		rt.mu.Unlock()
		if changed {
			rt.k.queue.Add(rt.key)
		}
	}
	grace := 10 * time.Second
	if pod.Spec.TerminationGracePeriodSeconds != nil && time.Duration(*pod.Spec.TerminationGracePeriodSeconds)*time.Second < grace {
		grace = time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	restart := func(why string) {
		rt.mu.Lock()
		oci := cp.oci
		ok := cp.cmd == cmd && !rt.terminating // a terminating pod is being stopped already
		rt.mu.Unlock()
		if ok {
			logf("pod %s container %s: %s: restarting it", rt.key, cp.name, why)
			rt.killContainer(cmd, oci, container, time.Now().Add(grace))
		}
	}

	if p := container.StartupProbe; p != nil {
		if !rt.runProbe(p, container, current, probeStartup, nil, func() { restart("startup probe failed") }) {
			return
		}
		rt.mu.Lock()
		if cp.cmd == cmd {
			cp.started = true
		}
		rt.mu.Unlock()
		rt.k.queue.Add(rt.key)
	}
	if p := container.LivenessProbe; p != nil {
		go rt.runProbe(p, container, current, probeLiveness, nil, func() { restart("liveness probe failed") })
	}
	if p := container.ReadinessProbe; p != nil {
		rt.runProbe(p, container, current, probeReadiness, setReady, nil)
		return
	}
	if rt.portsOpen(container, current) {
		setReady(true)
	}
}

type probeKind int

const (
	probeStartup probeKind = iota
	probeLiveness
	probeReadiness
)

// runProbe probes every periodSeconds after initialDelaySeconds, for as long
// as the instance runs. A readiness probe reports each change of state
// (successThreshold successes in a row make true, failureThreshold failures
// false). A startup probe returns true at its first success; it and a
// liveness probe call failed after failureThreshold failures in a row and
// return false. It returns false as soon as the instance is gone.
func (rt *podRuntime) runProbe(p *corev1.Probe, container *corev1.Container, current func() bool, kind probeKind, report func(bool), failed func()) bool {
	period := seconds(p.PeriodSeconds, 10)
	timeout := seconds(p.TimeoutSeconds, 1)
	successThreshold := max(p.SuccessThreshold, 1)
	failureThreshold := p.FailureThreshold
	if failureThreshold <= 0 {
		failureThreshold = 3
	}
	successes, failures := int32(0), int32(0)
	if !sleepWhile(seconds(p.InitialDelaySeconds, 0), current) {
		return false
	}
	for current() {
		if err := rt.check(p, container, timeout); err == nil {
			successes, failures = successes+1, 0
			if kind == probeStartup {
				return true
			}
			if kind == probeReadiness && successes >= successThreshold {
				report(true)
			}
		} else {
			successes, failures = 0, failures+1
			if failures >= failureThreshold {
				if kind == probeReadiness {
					report(false)
				} else {
					failed()
					return false
				}
			}
		}
		if !sleepWhile(period, current) {
			return false
		}
	}
	return false
}

func seconds(value int32, fallback int32) time.Duration {
	if value <= 0 {
		value = fallback
	}
	return time.Duration(value) * time.Second
}

// sleepWhile sleeps d in small steps; false if the instance went away meanwhile.
func sleepWhile(d time.Duration, current func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !current() {
			return false
		}
		time.Sleep(min(100*time.Millisecond, time.Until(deadline)))
	}
	return current()
}

// check runs one probe: an HTTP GET (2xx and 3xx pass), a TCP connect, or a
// command (in the container for runc containers, in the pod's network
// namespace on the host for process containers). gRPC probes are checked as
// a TCP connect.
func (rt *podRuntime) check(p *corev1.Probe, container *corev1.Container, timeout time.Duration) error {
	host := rt.sandbox.address
	switch {
	case p.HTTPGet != nil:
		port, err := resolvePort(p.HTTPGet.Port, container)
		if err != nil {
			return err
		}
		if p.HTTPGet.Host != "" {
			host = p.HTTPGet.Host
		}
		scheme := "http"
		if p.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			scheme = "https"
		}
		path := p.HTTPGet.Path
		if path == "" || path[0] != '/' {
			path = "/" + path
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		request, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)), path), nil)
		if err != nil {
			return err
		}
		request.Header.Set("User-Agent", "kube-probe/courier-kubelet")
		for _, h := range p.HTTPGet.HTTPHeaders {
			if h.Name == "Host" {
				request.Host = h.Value
			} else {
				request.Header.Add(h.Name, h.Value)
			}
		}
		client := &http.Client{
			Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true},
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
		response, err := client.Do(request)
		if err != nil {
			return err
		}
		response.Body.Close()
		if response.StatusCode < 200 || response.StatusCode >= 400 {
			return fmt.Errorf("HTTP probe: status %d", response.StatusCode)
		}
		return nil
	case p.TCPSocket != nil || p.GRPC != nil:
		var port int
		var err error
		if p.TCPSocket != nil {
			if p.TCPSocket.Host != "" {
				host = p.TCPSocket.Host
			}
			port, err = resolvePort(p.TCPSocket.Port, container)
		} else {
			port = int(p.GRPC.Port)
		}
		if err != nil {
			return err
		}
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), timeout)
		if err != nil {
			return err
		}
		return conn.Close()
	case p.Exec != nil:
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		rt.mu.Lock()
		var oci *ociInstance
		if cp := rt.containers[container.Name]; cp != nil {
			oci = cp.oci
		}
		rt.mu.Unlock()
		var cmd *exec.Cmd
		if oci != nil {
			cmd = exec.CommandContext(ctx, oci.runtime.binary, append([]string{"--root", oci.runtime.root, "exec", oci.id}, p.Exec.Command...)...)
		} else {
			cmd = exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", rt.sandbox.netns}, p.Exec.Command...)...)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("exec probe: %v: %s", err, out)
		}
		return nil
	}
	return fmt.Errorf("probe has no handler")
}

// resolvePort turns a probe's port (a number or the name of a container port) into a number.
func resolvePort(port intstr.IntOrString, container *corev1.Container) (int, error) {
	if port.Type == intstr.Int {
		return port.IntValue(), nil
	}
	for _, p := range container.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("probe port %q names no port of container %s", port.StrVal, container.Name)
}

// portsOpen waits (up to 2 minutes) until every TCP port the container declares
// accepts a connection at the pod address, or half a second when it declares none.
func (rt *podRuntime) portsOpen(container *corev1.Container, current func() bool) bool {
	address := rt.sandbox.address
	deadline := time.Now().Add(2 * time.Minute)
	if !sleepWhile(500*time.Millisecond, current) {
		return false
	}
	for time.Now().Before(deadline) && current() {
		open := true
		for _, port := range container.Ports {
			if port.Protocol != "" && port.Protocol != corev1.ProtocolTCP {
				continue
			}
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(address, fmt.Sprint(port.ContainerPort)), time.Second)
			if err != nil {
				open = false
				break
			}
			conn.Close()
		}
		if open {
			return current()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}
