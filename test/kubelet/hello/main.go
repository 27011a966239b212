// Command hello is the one file of the test image that test/cluster/pods.test.ts
// runs under the kubelet's runc runtime: a static HTTP server that reports
// how it was started. GET /healthz answers "ok"; GET / answers JSON with its
// uid, gid, groups, hostname, arguments, the GREETING variable, whether the
// root filesystem and /tmp are writable, whether a ServiceAccount token is
// mounted, and its capability and no_new_privs lines from /proc/self/status.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	listen := flag.String("listen", ":8080", "address to serve on")
	flag.Parse()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		hostname, _ := os.Hostname()
		groups, _ := os.Getgroups()
		token, _ := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/token")
		namespace, _ := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
		report := map[string]any{
			"uid":            os.Getuid(),
			"gid":            os.Getgid(),
			"groups":         groups,
			"hostname":       hostname,
			"args":           os.Args[1:],
			"greeting":       os.Getenv("GREETING"),
			"path":           os.Getenv("PATH"),
			"kubernetesHost": os.Getenv("KUBERNETES_SERVICE_HOST"),
			"rootWritable":   writable("/"),
			"tmpWritable":    writable("/tmp"),
			"tokenMounted":   len(token) > 0,
			"tokenWritable":  writable("/var/run/secrets/kubernetes.io/serviceaccount"),
			"namespace":      string(namespace),
			"status":         statusLines("CapEff", "CapBnd", "NoNewPrivs"),
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(report)
	})
	fmt.Printf("hello: serving on %s as uid %d\n", *listen, os.Getuid())
	if err := http.ListenAndServe(*listen, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// writable tells whether a file can be created in dir (and removes it).
func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".probe-")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

func statusLines(names ...string) map[string]string {
	out := map[string]string{}
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, want := range names {
			if name == want {
				out[name] = strings.TrimSpace(value)
			}
		}
	}
	return out
}
