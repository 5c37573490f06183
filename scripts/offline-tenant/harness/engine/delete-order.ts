// The order Pulumi deletes in: dependents first (pulumi/pulumi pkg/resource/deploy/step_generator.go
// ScheduleDeletes — a resource is deleted only after everything that depends on it), where "depends"
// is the state's `dependencies` and `parent`. Within one batch, the reverse of the state's order.
import type { ResourceState } from "./checkpoint";

export interface Condemned {
  state: ResourceState;
  /** "removed": left out of the program; "replaced": the old instance of a replace; "pending": a replaced
   * instance an earlier run did not get to delete; "destroy": `pulumi destroy`. */
  reason: "removed" | "replaced" | "pending" | "destroy";
}

function dependsOn(x: ResourceState, y: ResourceState): boolean {
  return x.parent === y.urn || x.dependencies.includes(y.urn);
}

export function deleteOrder(condemned: Condemned[]): Condemned[] {
  const remaining = [...condemned];
  const order: Condemned[] = [];
  while (remaining.length) {
    const free = remaining.filter((c) => !remaining.some((x) => x !== c && dependsOn(x.state, c.state)));
    const batch = free.length ? free : [remaining[0]]; // a cycle cannot come from a program; never stall
    for (const c of [...batch].reverse()) {
      order.push(c);
      remaining.splice(remaining.indexOf(c), 1);
    }
  }
  return order;
}
