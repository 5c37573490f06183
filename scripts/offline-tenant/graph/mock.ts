// The Graph-rules mock: a `pulumi.runtime.Mocks` that behaves like @pulumi/azuread and Microsoft Graph
// over an offline tenant (GraphTenant, tenant.ts), and THROWS where they would reject the request.
// Every registration is a create (a first `pulumi up`); for second and later runs — same, update,
// replace, delete — use the multi-run engine (harness/engine/engine.ts), which drives GraphTenant too.
//
// API (kept small; other suites and the demo reuse it):
//
//   const mock = new GraphRulesMock({ state?, statePath?, signedInTenantId?, previousOutputs?, onResource?, onCall? });
//   await pulumi.runtime.setMocks(mock, "exo-oauth", "dev", false);
//   ...load and run the program...
//   mock.resources           every registration, in order: { type, name, custom, inputs, id, outputs }
//                            (inputs with Pulumi secrets unwrapped; `secretInputs` names the wrapped keys)
//   mock.ofType(TYPES.x)     the registrations of one resource type
//   mock.invokes             every invoke: { token, inputs }
//   mock.state               the tenant as Graph now sees it (re-read from `statePath` when persisted)
//   mock.graph               the GraphTenant underneath (read/update/delete, behaviours)
//
//   Options: those of GraphTenant (state, statePath, signedInTenantId, signedInAs, now, behaviours), and
//   `previousOutputs` — what a `pulumi:pulumi:StackReference` read returns as `outputs` (a stack reading
//   its own previous outputs; default {}); `onResource` / `onCall` — handlers for types/tokens this mock
//   does not model (e.g. command:local:Command); return undefined to fall through to the "not modelled" error.
//
// Modelled: Application, ServicePrincipal, AppRoleAssignment, ApplicationPassword; invokes getServicePrincipal
// (by clientId, objectId or displayName), getServicePrincipals, getDomains and getClientConfig; component
// resources are recorded and echoed. `graphTransport` answers the program's own Graph reads (graph/rest.ts);
// the harness installs it (components/graphRead.ts useGraphTransport).
// Anything else throws, so a test never passes against behaviour nobody modelled.
import type * as pulumi from "@pulumi/pulumi";
import type { GraphTransport } from "../../../components/graphRead";
import type { TenantState } from "../state";
import { offlineGraphTransport } from "./rest";
import { GraphTenant, type GraphTenantOptions } from "./tenant";
import type { ResourceResult } from "./types";
import { isSecretValue, unwrapSecrets } from "./wire";

export { INVOKES, TYPES, type ResourceResult } from "./types";
export { unwrapSecrets } from "./wire";

/** The built-in resource type of a stack reference (pulumi/pulumi pkg/resource/deploy/builtins.go). */
export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  /** Inputs as the provider receives them, Pulumi secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Top-level input keys that arrived wrapped as Pulumi secrets. */
  secretInputs: string[];
  id: string;
  outputs: Record<string, unknown>;
}
export interface RecordedInvoke {
  token: string;
  inputs: Record<string, unknown>;
}

export interface GraphRulesMockOptions extends GraphTenantOptions {
  /** The outputs a StackReference read returns (the stack's previous outputs). Default {}. */
  previousOutputs?: Record<string, unknown>;
  onResource?: (args: pulumi.runtime.MockResourceArgs, mock: GraphRulesMock) => ResourceResult | undefined;
  onCall?: (args: pulumi.runtime.MockCallArgs, mock: GraphRulesMock) => Record<string, unknown> | undefined;
}

export class GraphRulesMock implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly invokes: RecordedInvoke[] = [];
  readonly graph: GraphTenant;
  /** What the program's own Graph reads go through (the harness installs it: components/graphRead.ts). */
  readonly graphTransport: GraphTransport;
  private readonly options: GraphRulesMockOptions;

  constructor(options: GraphRulesMockOptions = {}) {
    this.options = options;
    this.graph = new GraphTenant(options);
    this.graphTransport = offlineGraphTransport(this.graph);
  }

  /** The tenant as Graph now sees it. */
  get state(): TenantState {
    return this.graph.state;
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): ResourceResult {
    const raw = (args.inputs ?? {}) as Record<string, unknown>;
    const inputs = unwrapSecrets(raw) as Record<string, unknown>;
    const secretInputs = Object.keys(raw).filter((k) => isSecretValue(raw[k]));
    let result: ResourceResult | undefined;
    if (args.custom === false) {
      result = { id: "", state: inputs };
    } else if (args.type === STACK_REFERENCE_TYPE) {
      // The engine's builtin provider; Pulumi Cloud rejects a name not `<org>/<project>/<stack>`
      // (docs/pulumi-lifecycle.md, "The stack's own previous outputs").
      const name = String(inputs.name ?? args.name);
      if (!/^[^/]+\/[^/]+\/[^/]+$/.test(name))
        throw new Error(
          `Reading StackReference "${args.name}": ${JSON.stringify(name)} is not <organization>/<project>/<stack>`,
        );
      result = {
        id: name,
        state: { name, outputs: this.options.previousOutputs ?? {}, secretOutputNames: [] },
      };
    } else if (this.graph.models(args.type)) {
      result = this.graph.create(args.type, args.name, inputs);
    } else {
      result = this.options.onResource?.(args, this);
      if (!result)
        throw new Error(
          `Creating ${args.type} "${args.name}": the Graph-rules mock does not model this resource type; ` +
            `handle it with the onResource option`,
        );
    }
    this.resources.push({
      type: args.type,
      name: args.name,
      custom: args.custom !== false,
      inputs,
      secretInputs,
      id: result.id,
      outputs: result.state,
    });
    return result;
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = unwrapSecrets(args.inputs ?? {}) as Record<string, unknown>;
    this.invokes.push({ token: args.token, inputs });
    const out = this.graph.invoke(args.token, inputs) ?? this.options.onCall?.(args, this);
    if (out) return out;
    throw new Error(
      `Invoking ${args.token}: the Graph-rules mock does not model this function; handle it with the onCall option`,
    );
  }
}
