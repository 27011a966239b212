// Several hostname groups, each with its own backends, behind the same parents and
// settings. A v1 TLSRoute has exactly one rule, so each group becomes its own
// TLSRoute named "<name>-<group>"; users declare the groups once.

import { Construct } from "constructs";
import type { Backend } from "./backend.js";
import { PassthroughRoute } from "./passthroughRoute.js";
import type { PassthroughRouteOptions } from "./routeOptions.js";

/** One hostname group of a PassthroughRouteSet. */
export interface HostnameGroup {
  /** Short name of the group; the TLSRoute is named "<set name>-<group name>". */
  readonly name: string;
  /** SNI hostnames of the group. */
  readonly hostnames: readonly string[];
  /** Backends for these hostnames. */
  readonly backends: readonly Backend[];
  /**
   * Backends used only while no weighted backend can take a connection.
   * @default none
   */
  readonly fallbackBackends?: readonly Backend[];
}

export interface PassthroughRouteSetProps extends PassthroughRouteOptions {
  /**
   * Prefix of the generated TLSRoute names.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the generated TLSRoutes.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /** The hostname groups; add more with addGroup(). */
  readonly groups?: readonly HostnameGroup[];
}

/** Hostname groups with their own backends, one TLSRoute per group. */
export class PassthroughRouteSet extends Construct {
  /** Prefix of the TLSRoute names. */
  public readonly name: string;
  private readonly props: PassthroughRouteSetProps;
  private readonly routeList: PassthroughRoute[] = [];

  public constructor(scope: Construct, id: string, props: PassthroughRouteSetProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    this.props = props;
    for (const group of props.groups ?? []) this.addGroup(group);
  }

  /** The routes generated so far, one per group. */
  public get routes(): readonly PassthroughRoute[] {
    return [...this.routeList];
  }

  /** Adds a hostname group and returns the route generated for it. */
  public addGroup(group: HostnameGroup): PassthroughRoute {
    const { groups: _groups, name: _name, ...shared } = this.props;
    const route = new PassthroughRoute(this, group.name, {
      ...shared,
      name: `${this.name}-${group.name}`,
      hostnames: group.hostnames,
      backends: group.backends,
      ...(group.fallbackBackends === undefined ? {} : { fallbackBackends: group.fallbackBackends }),
    });
    this.routeList.push(route);
    return route;
  }
}
