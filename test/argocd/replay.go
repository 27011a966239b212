package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/common"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/syncwaves"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/kube"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/tracing"
	argocommon "github.com/argoproj/argo-cd/v3/common"
	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// SyncResult is how a replayed sync operation went.
type SyncResult struct {
	Versions Versions `json:"versions"`
	// The operation's last phase (Running, Succeeded, Failed, Error) and message, as
	// Argo CD shows them for the Application's operation.
	Phase   string `json:"phase"`
	Message string `json:"message"`
	// Still Running when the timeout came: Argo CD (no sync timeout by default)
	// would wait on for ever. Waiting lists what it waits for.
	Stalled   bool              `json:"stalled"`
	ElapsedMs int64             `json:"elapsedMs"`
	Steps     int               `json:"steps"`
	Waves     []*WaveRecord     `json:"waves"`
	Resources []ResourceOutcome `json:"resources"`
	Waiting   []Judgement       `json:"waiting,omitempty"`
}

// WaveRecord: when the engine first applied an object of the wave, and when every
// object of it had completed (Healthy, or applied when it has no health check).
type WaveRecord struct {
	Wave        int    `json:"wave"`
	Objects     int    `json:"objects"`
	AppliedAtMs *int64 `json:"appliedAtMs"`
	DoneAtMs    *int64 `json:"doneAtMs"`
}

// ResourceOutcome is one object's line of the operation result, with the health
// Argo CD shows for its live object at the end.
type ResourceOutcome struct {
	Judgement
	// Synced, SyncFailed, Pruned, PruneSkipped; "" when not applied yet.
	SyncStatus string `json:"syncStatus"`
	// Running (applied, waiting for health), Succeeded, Failed, Error.
	OperationState string `json:"operationState"`
	SyncMessage    string `json:"syncMessage,omitempty"`
	// Position in the engine's apply order (phase, wave, kind, name).
	Order int `json:"order"`
}

// replay steps gitops-engine's sync context until the operation completes, as Argo
// CD's application controller does for an Application whose source is targets:
// each step reads the live objects, reconciles them with the targets, builds a sync
// context carrying the operation state so far (WithInitialState), runs one Sync()
// and keeps GetState() for the next step. The options are those the controller
// passes for deploy/argocd/apps/courier.yaml (ServerSideApply=true,
// SkipDryRunOnMissingResource=true, automated prune) with Argo CD's health
// override and its default 2 s pause after every wave but the last.
func (c *cluster) replay(targets []*unstructured.Unstructured, namespace string, timeout, interval time.Duration, waveDelay time.Duration) (*SyncResult, error) {
	log := logr.Discard()
	if os.Getenv("COURIER_ARGOCD_VERBOSE") != "" {
		log = stderrLogger()
	}
	kubectl := &kube.KubectlCmd{Log: log, Tracer: tracing.NopTracer{}}
	waveOf := map[kube.ResourceKey]int{}
	waves := map[int]*WaveRecord{}
	for _, t := range targets {
		w := syncwaves.Wave(t)
		waveOf[kube.GetResourceKey(t)] = w
		if waves[w] == nil {
			waves[w] = &WaveRecord{Wave: w}
		}
		waves[w].Objects++
	}

	started := time.Now()
	startedAt := metav1.NewTime(started)
	result := &SyncResult{Versions: builtVersions()}
	var phase common.OperationPhase
	var message string
	var states []common.ResourceSyncResult
	lastMessage := ""
	for {
		result.Steps++
		live := map[kube.ResourceKey]*unstructured.Unstructured{}
		copies := make([]*unstructured.Unstructured, 0, len(targets))
		for _, t := range targets {
			copies = append(copies, t.DeepCopy())
			obj, err := c.live(t)
			if err != nil {
				return nil, err
			}
			if obj != nil {
				live[kube.GetResourceKey(obj)] = obj
			}
		}
		reconciled := sync.Reconcile(copies, live, namespace, c)
		opts := []sync.SyncOpt{
			sync.WithLogr(log),
			sync.WithHealthOverride(argoHealth),
			sync.WithOperationSettings(false, true, false, false),
			sync.WithManifestValidation(true),
			sync.WithServerSideApply(true),
			sync.WithServerSideApplyManager(argocommon.ArgoCDSSAManager),
			sync.WithSkipDryRunOnMissingResource(true),
			sync.WithSyncWaveHook(func(_ common.SyncPhase, _ int, finalWave bool) error {
				if !finalWave {
					time.Sleep(waveDelay)
				}
				return nil
			}),
		}
		if result.Steps > 1 {
			opts = append(opts, sync.WithInitialState(phase, message, states, startedAt))
		}
		syncCtx, cleanup, err := sync.NewSyncContext("replay", reconciled, c.config, c.config, kubectl, namespace, opts...)
		if err != nil {
			return nil, fmt.Errorf("sync context: %w", err)
		}
		syncCtx.Sync(context.Background())
		phase, message, states = syncCtx.GetState()
		cleanup()

		elapsed := time.Since(started).Milliseconds()
		for w, record := range waves {
			applied, done := 0, 0
			for _, s := range states {
				if waveOf[s.ResourceKey] != w || s.SyncPhase != common.SyncPhaseSync {
					continue
				}
				if s.Status != "" {
					applied++
				}
				if s.HookPhase == common.OperationSucceeded {
					done++
				}
			}
			if applied > 0 && record.AppliedAtMs == nil {
				at := elapsed
				record.AppliedAtMs = &at
			}
			if done == record.Objects && record.DoneAtMs == nil {
				at := elapsed
				record.DoneAtMs = &at
			}
		}
		if message != lastMessage {
			fmt.Fprintf(os.Stderr, "courier-argocd sync: %6.1f s  %s: %s\n", float64(elapsed)/1000, phase, message)
			lastMessage = message
		}
		if phase.Completed() {
			break
		}
		if time.Since(started) > timeout {
			result.Stalled = true
			for _, s := range states {
				if s.HookPhase != common.OperationRunning {
					continue
				}
				for _, t := range targets {
					if kube.GetResourceKey(t) == s.ResourceKey {
						obj, _ := c.live(t)
						result.Waiting = append(result.Waiting, c.judge(t, obj))
					}
				}
			}
			for _, j := range result.Waiting {
				fmt.Fprintf(os.Stderr, "courier-argocd sync: still waiting for %s\n", j)
			}
			break
		}
		time.Sleep(interval)
	}

	result.Phase, result.Message = string(phase), message
	result.ElapsedMs = time.Since(started).Milliseconds()
	for _, w := range waves {
		result.Waves = append(result.Waves, w)
	}
	sort.Slice(result.Waves, func(i, j int) bool { return result.Waves[i].Wave < result.Waves[j].Wave })
	stateOf := map[kube.ResourceKey]common.ResourceSyncResult{}
	for _, s := range states {
		if s.SyncPhase == common.SyncPhaseSync {
			stateOf[s.ResourceKey] = s
		}
	}
	for _, t := range targets {
		obj, err := c.live(t)
		if err != nil {
			return nil, err
		}
		s, ok := stateOf[kube.GetResourceKey(t)]
		outcome := ResourceOutcome{Judgement: c.judge(t, obj), Order: -1}
		if ok {
			outcome.SyncStatus, outcome.OperationState, outcome.SyncMessage, outcome.Order = string(s.Status), string(s.HookPhase), s.Message, s.Order
		}
		result.Resources = append(result.Resources, outcome)
	}
	return result, nil
}
