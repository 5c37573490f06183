// The providers the engine drives, behind one interface: azuread over the Graph-rules tenant
// (graph/tenant.ts) and @pulumi/command's local Command (command-provider.ts). Inputs reach a
// provider with Pulumi secrets unwrapped; the engine wraps the outputs a provider marks secret.
import type { GraphTenant } from "../../graph/tenant";

/** A resource as a provider sees it: plain values, no secret envelopes. */
export interface ProviderResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface ReadBack {
  id: string;
  /** The inputs the provider reads back (an import or a refresh records them). */
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface EngineProvider {
  create(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ): Promise<{ id: string; outputs: Record<string, unknown> }>;
  /** undefined: the object is gone (Graph 404) — the engine drops it from state. `old` is undefined for an import. */
  read(
    type: string,
    name: string,
    id: string,
    purpose: "read" | "import",
    old?: ProviderResource,
  ): Promise<ReadBack | undefined>;
  update(old: ProviderResource, inputs: Record<string, unknown>): Promise<Record<string, unknown>>;
  delete(old: ProviderResource): Promise<void>;
  /** Whether the provider implements Read (refresh consults it); Command has none. */
  readonly refreshes: boolean;
}

/** @pulumi/azuread over the offline tenant. */
export class AzureadProvider implements EngineProvider {
  readonly refreshes = true;
  constructor(private readonly graph: GraphTenant) {}

  async create(type: string, name: string, inputs: Record<string, unknown>) {
    const r = this.graph.create(type, name, inputs);
    return { id: r.id, outputs: r.state };
  }

  async read(type: string, _name: string, id: string, purpose: "read" | "import", old?: ProviderResource) {
    const r = this.graph.read(type, id, purpose);
    // Graph never returns a password's value: a read keeps what the create stored.
    return r && { id: r.id, inputs: r.inputs, outputs: { ...(old?.outputs ?? {}), ...r.state } };
  }

  async update(old: ProviderResource, inputs: Record<string, unknown>) {
    return this.graph.update(old.type, old.name, old.id, inputs);
  }

  async delete(old: ProviderResource) {
    this.graph.delete(old.type, old.name, old.id);
  }
}
