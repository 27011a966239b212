// The threshold rule of active health checks: an endpoint turns unhealthy after
// `unhealthyThreshold` consecutive failed checks and healthy again after
// `healthyThreshold` consecutive passed ones. Pure.
//
// A newly checked endpoint starts healthy: a new route or a reload must not take
// working endpoints out of the choice before their first checks have run.

export interface ThresholdState {
  readonly healthy: boolean;
  /** Consecutive results that disagree with `healthy` so far. */
  readonly streak: number;
}

export interface Thresholds {
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export const INITIAL_THRESHOLD_STATE: ThresholdState = { healthy: true, streak: 0 };

/** The state after one more check; `passed` is that check's outcome. */
export function observeCheck(state: ThresholdState, passed: boolean, thresholds: Thresholds): ThresholdState {
  // A result that agrees with the current state ends any streak towards the other one.
  if (passed === state.healthy) return state.streak === 0 ? state : { healthy: state.healthy, streak: 0 };
  const streak = state.streak + 1;
  const needed = state.healthy ? thresholds.unhealthyThreshold : thresholds.healthyThreshold;
  return streak >= needed ? { healthy: !state.healthy, streak: 0 } : { healthy: state.healthy, streak };
}
