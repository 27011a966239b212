// Kubernetes label selector semantics, for allowedRoutes.namespaces.selector.

import type { LabelSelector } from "../model/snapshot.ts";

/**
 * Whether labels satisfy a selector: every matchLabels pair AND every expression.
 * An unknown operator never matches (fail closed: admitting routes by accident is
 * worse than refusing them).
 */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  return selector.matchExpressions.every((expression) => {
    const present = Object.hasOwn(labels, expression.key);
    const value = labels[expression.key];
    switch (expression.operator) {
      case "In":
        return present && value !== undefined && expression.values.includes(value);
      case "NotIn":
        return !present || value === undefined || !expression.values.includes(value);
      case "Exists":
        return present;
      case "DoesNotExist":
        return !present;
      default:
        return false;
    }
  });
}
