// The steps outside the program: `--refresh` before it (each provider's Read) and the deletes after it
// (dependents first, stop at the first failure).
import { STACK_REFERENCE_TYPE } from "../../graph/mock";
import { isSecretValue, secretValue, unwrapSecrets } from "../../graph/wire";
import type { ResourceState } from "./checkpoint";
import { deleteOrder, type Condemned } from "./delete-order";
import { sameValue } from "./diff";
import { plain, wrapOutputs } from "./outputs";
import type { EngineProvider } from "./providers";
import type { RunState } from "./run-state";

/** `--refresh`: each provider's Read; Graph 404 → the resource leaves the state. Commands have no Read. */
export async function refreshState(
  run: RunState,
  resources: ResourceState[],
  providerFor: (type: string) => EngineProvider,
): Promise<ResourceState[]> {
  const kept: ResourceState[] = [];
  for (const r of resources) {
    if (!r.custom || r.pendingDelete || r.type === STACK_REFERENCE_TYPE || !providerFor(r.type).refreshes) {
      kept.push(r);
      continue;
    }
    run.calls.push({ op: "read", type: r.type, name: r.name, id: r.id });
    const read = await providerFor(r.type).read(r.type, r.name, r.id, "read", plain(r));
    if (!read) {
      run.step({ op: "refresh", urn: r.urn, type: r.type, name: r.name, custom: true, refresh: "gone" });
      continue;
    }
    const keys = Object.keys(read.inputs).filter(
      (k) => k in r.inputs && !sameValue(unwrapSecrets(r.inputs[k]), read.inputs[k]),
    );
    const inputs = { ...r.inputs };
    for (const k of keys)
      inputs[k] = isSecretValue(r.inputs[k]) ? secretValue(read.inputs[k]) : read.inputs[k];
    kept.push({ ...r, inputs, outputs: wrapOutputs(r.type, read.outputs, inputs) });
    if (keys.length)
      run.step({
        op: "refresh",
        urn: r.urn,
        type: r.type,
        name: r.name,
        custom: true,
        refresh: "changed",
        keys,
      });
  }
  return kept;
}

/** Runs the deletes, dependents first; stops at the first failure (what is left stays in state). */
export async function deleteAll(
  run: RunState,
  condemned: Condemned[],
  providerFor: (type: string) => EngineProvider,
): Promise<{ remaining: ResourceState[]; error?: Error }> {
  const order = deleteOrder(condemned);
  for (let i = 0; i < order.length; i++) {
    const { state, reason } = order[i];
    try {
      if (state.protect)
        throw new Error(`unable to delete resource "${state.urn}" as it is currently marked for protection`);
      if (state.custom && state.type !== STACK_REFERENCE_TYPE) {
        run.calls.push({
          op: "delete",
          type: state.type,
          name: state.name,
          id: state.id,
          ...(reason === "replaced" ? { instance: "old" as const } : {}),
        });
        await providerFor(state.type).delete(plain(state));
      }
      // A read resource (the self StackReference) leaves the state without a provider call and is
      // not counted among the deletes: Pulumi's read-discard step (docs/pulumi-lifecycle.md).
      if (reason !== "replaced" && !(state.custom && state.type === STACK_REFERENCE_TYPE))
        run.step({
          op: "delete",
          urn: state.urn,
          type: state.type,
          name: state.name,
          custom: state.custom,
        });
    } catch (err) {
      run.steps.push({
        op: "delete",
        urn: state.urn,
        type: state.type,
        name: state.name,
        custom: state.custom,
        status: "failed",
        error: (err as Error).message,
      });
      const remaining = order
        .slice(i)
        .map((c) =>
          c.reason === "replaced" || c.reason === "pending" ? { ...c.state, pendingDelete: true } : c.state,
        );
      return { remaining, error: err as Error };
    }
  }
  return { remaining: [] };
}
