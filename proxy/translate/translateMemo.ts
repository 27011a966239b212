// What translate() may reuse from its previous call on the same memo: incremental
// translation with the full translation as the oracle (same Plan either way; see
// test/proxy/translate/translateMemo.test.ts). Snapshots are immutable and cluster
// mode hands over unchanged objects and lists by identity, so "unchanged" is an
// identity check:
// - the RouteWorld (Gateways, GatewayClasses, ReferenceGrants, Namespaces, options,
//   bind addresses): while it holds, the served Gateways are reused as they were;
// - a route's evaluation, while the route, the world and its backends' Services,
//   ServiceImports and EndpointSlices are unchanged (routeEvaluation.ts);
// - a route's status, while its evaluation and its shadow notes are unchanged;
// - the port table, moved by the candidates that came or went (incrementalPortTable.ts).
// A change to the world re-evaluates every route: such changes are rare (a Gateway,
// a class, a grant, a namespace label), while routes and endpoints change all day.
import type { RouteStatusPlan } from "../model/plan.ts";
import type { Snapshot, TLSRoute } from "../model/snapshot.ts";
import type { ServedGateway } from "./gateways.ts";
import { IncrementalPortTable } from "./incrementalPortTable.ts";
import { backendDependencies, backendDependenciesHold, type BackendDependency, type EvaluatedRoute } from "./routeEvaluation.ts";
import type { SnapshotIndex } from "./snapshotIndex.ts";
import { tableChange } from "./tableUpdates.ts";

/** Every input the served Gateways and each route's evaluation share. */
export interface RouteWorld {
  readonly gateways: Snapshot["gateways"];
  readonly gatewayClasses: Snapshot["gatewayClasses"];
  readonly referenceGrants: Snapshot["referenceGrants"];
  readonly namespaces: Snapshot["namespaces"];
  readonly portOffset: number;
  readonly controllerName: string;
  readonly assumeClassesOurs: boolean;
  /** "gateway=bind" per served Gateway, in order. */
  readonly binds: string;
}

/** The world as one translate() call saw it, with what was derived from it alone. */
export interface WorldState {
  readonly world: RouteWorld;
  readonly served: readonly ServedGateway[];
  readonly binds: ReadonlyMap<ServedGateway, string>;
}

function sameWorld(a: RouteWorld, b: RouteWorld): boolean {
  return (
    a.gateways === b.gateways &&
    a.gatewayClasses === b.gatewayClasses &&
    a.referenceGrants === b.referenceGrants &&
    a.namespaces === b.namespaces &&
    a.portOffset === b.portOffset &&
    a.controllerName === b.controllerName &&
    a.assumeClassesOurs === b.assumeClassesOurs &&
    a.binds === b.binds
  );
}

interface RememberedRoute {
  readonly world: WorldState;
  /** The index tables the backends were looked up in: while they are the same, so are the lookups. */
  tables: BackendTables;
  readonly backends: readonly BackendDependency[];
  readonly evaluated: EvaluatedRoute;
}

type BackendTables = readonly [object, object, object, object];

function backendTables(index: SnapshotIndex): BackendTables {
  return [index.services, index.slicesByService, index.serviceImports, index.slicesByServiceImport];
}

function sameTables(a: BackendTables, b: BackendTables): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

interface TableStep {
  readonly from: BackendTables;
  /** Whether a lookup this dependency makes may give something else now. */
  touches(dependency: BackendDependency): boolean;
}

/** The keys by which each of the four tables differs from its predecessor; undefined unless all four are the same or updated from it. */
function tableStep(from: BackendTables, to: BackendTables): TableStep | undefined {
  const changed: (ReadonlySet<string> | undefined)[] = [];
  for (let i = 0; i < 4; i++) {
    if (from[i] === to[i]) {
      changed.push(undefined);
      continue;
    }
    const change = tableChange(to[i]!);
    if (change === undefined || change.previous !== from[i]) return undefined;
    changed.push(change.keys);
  }
  const [services, slicesByService, serviceImports, slicesByServiceImport] = changed;
  return {
    from,
    touches: (dependency) =>
      dependency.service
        ? services?.has(dependency.key) === true || slicesByService?.has(dependency.key) === true
        : serviceImports?.has(dependency.key) === true || slicesByServiceImport?.has(dependency.key) === true,
  };
}

interface RememberedStatus {
  readonly notes: string;
  readonly controllerName: string;
  readonly status: RouteStatusPlan;
}

export class TranslateMemo {
  private state: WorldState | undefined;
  private readonly routes = new WeakMap<TLSRoute, RememberedRoute>();
  private readonly statuses = new WeakMap<EvaluatedRoute, RememberedStatus>();
  readonly portTable = new IncrementalPortTable();
  private lastIndex: SnapshotIndex | undefined;
  private lastTables: BackendTables | undefined;
  /** How the backend tables changed from the previous translation's, when each was updated from it. */
  private step: TableStep | undefined;

  /** The previous world state when `fresh` describes the same world (its served Gateways keep their identity), else `fresh`. */
  world(fresh: WorldState): WorldState {
    if (this.state === undefined || !sameWorld(this.state.world, fresh.world)) this.state = fresh;
    return this.state;
  }

  /** The route's evaluation: remembered while its dependencies hold, else computed by `evaluate`. */
  route(route: TLSRoute, world: WorldState, index: SnapshotIndex, evaluate: () => EvaluatedRoute): EvaluatedRoute {
    const tables = this.tablesOf(index);
    const known = this.routes.get(route);
    if (known !== undefined && known.world === world) {
      if (sameTables(known.tables, tables)) return known.evaluated;
      // Tables updated from the ones this route was last checked against, and none of
      // its keys among those updated: nothing it reads changed (no lookups needed).
      const step = this.step;
      if (step !== undefined && known.tables === step.from && !known.backends.some((dependency) => step.touches(dependency))) {
        known.tables = tables;
        return known.evaluated;
      }
      // Services or slices changed somewhere: look this route's backends up again.
      if (backendDependenciesHold(known.backends, index)) {
        known.tables = tables;
        return known.evaluated;
      }
    }
    const evaluated = evaluate();
    this.routes.set(route, { world, tables, backends: backendDependencies(route, index), evaluated });
    return evaluated;
  }

  /** One tables tuple per index, not one per route per translation. */
  private tablesOf(index: SnapshotIndex): BackendTables {
    if (this.lastIndex !== index) {
      const from = this.lastTables;
      this.lastIndex = index;
      this.lastTables = backendTables(index);
      this.step = from === undefined ? undefined : tableStep(from, this.lastTables);
    }
    return this.lastTables!;
  }

  /** The route's status: remembered while its evaluation and notes are unchanged. */
  status(evaluated: EvaluatedRoute, notes: readonly string[], controllerName: string, compute: () => RouteStatusPlan): RouteStatusPlan {
    const text = notes.length === 0 ? "" : notes.join("\n");
    const known = this.statuses.get(evaluated);
    if (known !== undefined && known.notes === text && known.controllerName === controllerName) return known.status;
    const status = compute();
    this.statuses.set(evaluated, { notes: text, controllerName, status });
    return status;
  }
}
