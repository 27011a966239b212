package main

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/health"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/syncwaves"
	"github.com/argoproj/argo-cd/v3/util/lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// argoHealth is the health override Argo CD's application controller hands to
// gitops-engine (controller/health.go, controller/sync.go): Lua health from the
// argocd-cm resource overrides, else the built-in scripts embedded in the argo-cd
// module. An Argo CD with a default argocd-cm has no overrides, so only the
// built-in scripts apply.
var argoHealth = lua.ResourceHealthOverrides{}

// Mechanism says which part of Argo CD judged an object.
const (
	// A Lua script of resource_customizations, run by util/lua under gopher-lua.
	MechanismLua = "lua"
	// A Go health check built into gitops-engine's pkg/health.
	MechanismGo = "go"
	// Neither: Argo CD shows no health for the object, and a sync wave treats it as
	// done as soon as it is applied.
	MechanismNone = "none"
)

// Judgement is what Argo CD shows for one object.
type Judgement struct {
	Group     string `json:"group"`
	Version   string `json:"version"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Wave      int    `json:"wave"`
	// Healthy, Progressing, Degraded, Suspended, Unknown, Missing (no live object),
	// or "" when Argo CD has no health check for the kind.
	Status    string `json:"status"`
	Message   string `json:"message,omitempty"`
	Mechanism string `json:"mechanism"`
	// For MechanismLua: the script's path in the argo-cd module.
	Script string `json:"script,omitempty"`
}

func (j Judgement) String() string {
	where := j.Name
	if j.Namespace != "" {
		where = j.Namespace + "/" + j.Name
	}
	status := j.Status
	if status == "" {
		status = "(no health)"
	}
	return fmt.Sprintf("%s %s (wave %d): %s %s [%s]", j.Kind, where, j.Wave, status, j.Message, j.Mechanism)
}

// mechanismOf tells which check gitops-engine's GetResourceHealth will use, in its
// own order: the Lua override first, then the built-in Go check.
func mechanismOf(obj *unstructured.Unstructured) (mechanism, script string) {
	if text, _, err := (lua.VM{}).GetHealthScript(obj); err == nil && text != "" {
		gvk := obj.GroupVersionKind()
		return MechanismLua, path.Join("resource_customizations", gvk.Group, gvk.Kind, "health.lua")
	}
	if health.GetHealthCheckFunc(obj.GroupVersionKind()) != nil {
		return MechanismGo, ""
	}
	return MechanismNone, ""
}

// judge evaluates the live object (nil: not in the cluster) of target.
func judge(target, live *unstructured.Unstructured) Judgement {
	gvk := target.GroupVersionKind()
	j := Judgement{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: target.GetNamespace(), Name: target.GetName(), Wave: syncwaves.Wave(target)}
	j.Mechanism, j.Script = mechanismOf(target)
	if live == nil {
		j.Status = string(health.HealthStatusMissing)
		return j
	}
	status, err := health.GetResourceHealth(live, argoHealth)
	if err != nil && status == nil {
		j.Status, j.Message = string(health.HealthStatusUnknown), err.Error()
		return j
	}
	if status != nil {
		j.Status, j.Message = string(status.Status), status.Message
	}
	return j
}

// HealthReport is the health of every object of some manifests.
type HealthReport struct {
	Versions Versions    `json:"versions"`
	Objects  []Judgement `json:"objects"`
}

// all: every object that has a health check is in status (objects without one
// count as Healthy, as Argo CD's application health does).
func (r HealthReport) all(status string) bool {
	for _, j := range r.Objects {
		if j.Status == "" && status == string(health.HealthStatusHealthy) {
			continue
		}
		if j.Status != status {
			return false
		}
	}
	return true
}

func (r HealthReport) others(status string) string {
	var lines []string
	for _, j := range r.Objects {
		if j.Status != status && (j.Status != "" || status != string(health.HealthStatusHealthy)) {
			lines = append(lines, "  "+j.String()+"\n")
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "")
}

// judge, with no namespace for a cluster-scoped object (a manifest may still name one).
func (c *cluster) judge(target, live *unstructured.Unstructured) Judgement {
	j := judge(target, live)
	if namespaced, err := c.IsNamespaced(target.GroupVersionKind().GroupKind()); err == nil && !namespaced {
		j.Namespace = ""
	}
	return j
}

func (c *cluster) judgeAll(targets []*unstructured.Unstructured) HealthReport {
	report := HealthReport{Versions: builtVersions()}
	for _, target := range targets {
		live, err := c.live(target)
		if err != nil {
			j := c.judge(target, nil)
			j.Status, j.Message = string(health.HealthStatusUnknown), err.Error()
			report.Objects = append(report.Objects, j)
			continue
		}
		report.Objects = append(report.Objects, c.judge(target, live))
	}
	return report
}
