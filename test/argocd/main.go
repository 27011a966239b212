// courier-argocd: Argo CD's own health checks and sync engine, run against a test
// cluster. Nothing here re-implements Argo CD: health comes from gitops-engine's
// health.GetResourceHealth with Argo CD's Lua overrides (util/lua, which runs the
// resource_customizations/<group>/<Kind>/health.lua scripts embedded in the
// argo-cd module), and a sync is gitops-engine's sync context, stepped the way
// Argo CD's application controller steps it. Versions: go.mod.
//
//	courier-argocd health --kubeconfig K -f FILE... [--wait-for STATUS --timeout D]
//	    the health Argo CD shows for the live object of every object in FILEs
//	courier-argocd sync --kubeconfig K -f FILE... [--timeout D] [--interval D]
//	    a first sync of FILEs as one Application (server-side apply, waves, hooks)
//	courier-argocd versions
//	    the argo-cd and gitops-engine module versions built in
//
// Every command prints one JSON document on stdout; progress goes to stderr.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2/textlogger"
)

type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	code := 0
	switch os.Args[1] {
	case "health":
		code, err = healthCommand(os.Args[2:])
	case "sync":
		code, err = syncCommand(os.Args[2:])
	case "versions":
		err = printJSON(builtVersions())
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "courier-argocd:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: courier-argocd health|sync|versions --kubeconfig PATH -f FILE... (see main.go)")
	os.Exit(2)
}

func healthCommand(args []string) (int, error) {
	fs := flag.NewFlagSet("health", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster")
	var files fileList
	fs.Var(&files, "f", "manifest file (repeatable)")
	waitFor := fs.String("wait-for", "", "poll until every object has this health status (e.g. Healthy, Degraded)")
	timeout := fs.Duration("timeout", time.Minute, "how long --wait-for polls")
	_ = fs.Parse(args)
	if *kubeconfig == "" || len(files) == 0 {
		return 2, fmt.Errorf("health needs --kubeconfig and -f")
	}
	targets, err := readManifests(files)
	if err != nil {
		return 1, err
	}
	c, err := connect(*kubeconfig)
	if err != nil {
		return 1, err
	}
	deadline := time.Now().Add(*timeout)
	for {
		report := c.judgeAll(targets)
		done := *waitFor == "" || report.all(*waitFor)
		if done || time.Now().After(deadline) {
			if err := printJSON(report); err != nil {
				return 1, err
			}
			if !done {
				fmt.Fprintf(os.Stderr, "courier-argocd: not every object is %s after %s:\n%s", *waitFor, *timeout, report.others(*waitFor))
				return 3, nil
			}
			return 0, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func syncCommand(args []string) (int, error) {
	fs := flag.NewFlagSet("sync", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster")
	var files fileList
	fs.Var(&files, "f", "manifest file (repeatable); all of them form one Application")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up on a sync still running after this long and report what it waits for")
	interval := fs.Duration("interval", time.Second, "time between two sync steps (Argo CD requeues an app with a running operation)")
	waveDelay := fs.Duration("wave-delay", 2*time.Second, "pause after applying a wave that is not the last (Argo CD's ARGOCD_SYNC_WAVE_DELAY, default 2 s)")
	namespace := fs.String("namespace", "", "the Application's destination namespace (deploy/argocd/apps/courier.yaml sets none)")
	_ = fs.Parse(args)
	if *kubeconfig == "" || len(files) == 0 {
		return 2, fmt.Errorf("sync needs --kubeconfig and -f")
	}
	targets, err := readManifests(files)
	if err != nil {
		return 1, err
	}
	c, err := connect(*kubeconfig)
	if err != nil {
		return 1, err
	}
	result, err := c.replay(targets, *namespace, *timeout, *interval, *waveDelay)
	if err != nil {
		return 1, err
	}
	if err := printJSON(result); err != nil {
		return 1, err
	}
	switch {
	case result.Phase == "Succeeded":
		return 0, nil
	case result.Stalled:
		return 3, nil
	default:
		return 4, nil
	}
}

// Versions of the Argo CD modules this binary was built from (its go.mod pins them).
type Versions struct {
	ArgoCD        string `json:"argoCD"`
	GitopsEngine  string `json:"gitopsEngine"`
	GopherLua     string `json:"gopherLua"`
	GoToolchain   string `json:"go"`
	HealthScripts string `json:"healthScripts"`
}

func builtVersions() Versions {
	v := Versions{HealthScripts: "resource_customizations/<group>/<Kind>/health.lua of github.com/argoproj/argo-cd/v3 (embedded)"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.GoToolchain = info.GoVersion
	for _, dep := range info.Deps {
		version := dep.Version
		if dep.Replace != nil {
			version = dep.Replace.Version
		}
		switch dep.Path {
		case "github.com/argoproj/argo-cd/v3":
			v.ArgoCD = version
		case "github.com/argoproj/argo-cd/gitops-engine/v3":
			v.GitopsEngine = version
		case "github.com/yuin/gopher-lua":
			v.GopherLua = version
		}
	}
	return v
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// stderrLogger: the sync engine's and kubectl's own log (COURIER_ARGOCD_VERBOSE=1).
func stderrLogger() logr.Logger {
	return textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(2), textlogger.Output(os.Stderr)))
}
