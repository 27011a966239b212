package main

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// clusterInfo is what a running cluster tells its clients, written to
// <dir>/cluster.json once the API server is ready (its presence means ready).
type clusterInfo struct {
	PID        int    `json:"pid"`
	Server     string `json:"server"`
	Kubeconfig string `json:"kubeconfig"`
	CAFile     string `json:"caFile"`
	CertFile   string `json:"certFile"`
	KeyFile    string `json:"keyFile"`
	CRDBundle  string `json:"crdBundle"`
	// Binary is the courier-cluster executable serving this cluster; clients of
	// a running cluster use it (and its kubectl) without rebuilding anything.
	Binary string `json:"binary"`
}

func infoPath(dir string) string { return filepath.Join(dir, "cluster.json") }
func pidPath(dir string) string  { return filepath.Join(dir, "serve.pid") }
func logPath(dir string) string  { return filepath.Join(dir, "serve.log") }

func writeInfo(dir string, info clusterInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	// Write then rename, so a reader never sees half a file.
	tmp := infoPath(dir) + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, infoPath(dir))
}

func readInfo(dir string) (clusterInfo, error) {
	var info clusterInfo
	data, err := os.ReadFile(infoPath(dir))
	if err != nil {
		return info, err
	}
	return info, json.Unmarshal(data, &info)
}
