// What happened to a Deployment's pods during a rollout, from polling their list:
// when each new one became Ready, when each old one was seen deleted and gone.
import type { PodJson } from "./courierPods.ts";

interface Seen {
  readonly firstSeen: number;
  readyAt?: number;
  deletionSeenAt?: number;
  /** When the deletion was asked for: the API's deletionTimestamp (whole seconds, truncated) less the grace period it adds. */
  deletedAt?: number;
  goneAt?: number;
  restarts: number;
}

export interface RollWatch {
  /** Resolves once every old pod is gone from the list. */
  allGone(timeoutMs: number): Promise<void>;
  /** The old pods in the order they were deleted, with when (ms since the epoch; at most 1 s early). */
  deletions(): { name: string; at: number }[];
  describe(): string;
  stop(): void;
}

export function rollWatch(list: () => Promise<PodJson[]>, old: readonly string[], everyMs = 200): RollWatch {
  const started = Date.now();
  const pods = new Map<string, Seen>(old.map((name) => [name, { firstSeen: started, restarts: 0 }]));
  let stopped = false;
  const poll = async (): Promise<void> => {
    while (!stopped) {
      const now = Date.now();
      try {
        const listed = await list();
        for (const pod of listed) {
          const seen = pods.get(pod.metadata.name) ?? { firstSeen: now, restarts: 0 };
          pods.set(pod.metadata.name, seen);
          if (seen.readyAt === undefined && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")) seen.readyAt = now;
          if (seen.deletionSeenAt === undefined && pod.metadata.deletionTimestamp !== undefined) {
            seen.deletionSeenAt = now;
            seen.deletedAt = Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
          }
          seen.restarts = Math.max(seen.restarts, ...(pod.status.containerStatuses ?? []).map((c) => c.restartCount));
        }
        const names = new Set(listed.map((p) => p.metadata.name));
        for (const [name, seen] of pods) if (!names.has(name) && seen.goneAt === undefined) seen.goneAt = now;
      } catch {
        // A failed list is retried on the next poll.
      }
      await Bun.sleep(everyMs);
    }
  };
  void poll();
  const oldGone = (): boolean => old.every((name) => pods.get(name)!.goneAt !== undefined);
  const at = (t: number | undefined): string => (t === undefined ? "-" : `+${((t - started) / 1000).toFixed(1)}s`);
  return {
    async allGone(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!oldGone()) {
        if (Date.now() > deadline) throw new Error(`old pods not gone within ${timeoutMs} ms: ${this.describe()}`);
        await Bun.sleep(everyMs);
      }
    },
    deletions() {
      const deleted = old.map((name) => ({ name, at: pods.get(name)!.deletedAt })).filter((d): d is { name: string; at: number } => d.at !== undefined);
      return deleted.sort((a, b) => a.at - b.at);
    },
    describe() {
      return [...pods]
        .map(([name, s]) => (old.includes(name) ? `${name} (old) deleted ${at(s.deletionSeenAt)} gone ${at(s.goneAt)}` : `${name} (new) ready ${at(s.readyAt)}`) + (s.restarts > 0 ? ` restarted ${s.restarts}x` : ""))
        .join("; ");
    },
    stop() {
      stopped = true;
    },
  };
}
