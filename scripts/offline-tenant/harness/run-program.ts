// Runs the Pulumi program (index.ts) under the Graph-rules mock with a given stack config, and
// collects what it declared and exported: `pulumi up` emulated offline, for the tests and the
// offline chain. One run at a time; each run gets fresh mocks and config.
import * as pulumi from "@pulumi/pulumi";
// index.ts exports the program as a function (`export =`): loading it declares nothing.
import program from "../../../index";
import type { StackOutputName, StackOutputValues } from "../../../components/outputs";
import { GraphRulesMock } from "../graph/mock";
import { newTenantState } from "../state";

export const PROJECT = "exo-oauth";
/** What getOrganization() returns on a DIY (self-managed) backend: the one organization it has. */
export const ORGANIZATION = "organization";

export interface ProgramRun {
  mock: GraphRulesMock;
  /** The stack outputs, resolved (the optional ones present only in their Exchange mode). */
  outputs: StackOutputValues;
  /** Names of the stack outputs that are Pulumi secrets. */
  secretOutputs: StackOutputName[];
}

/**
 * Waits until every pending registration and invoke has reached the mocks. `runtime.waitForRPCs` is
 * exported by @pulumi/pulumi 3.270 (runtime/settings.js) but marked @internal, so it is not in the typings.
 */
async function settle(): Promise<void> {
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof waitForRPCs !== "function")
    throw new Error(
      "@pulumi/pulumi no longer exports runtime.waitForRPCs: cannot tell when the program has settled",
    );
  await waitForRPCs();
}

/** Sets the mocks and config, runs the program and resolves its outputs. Rejects with the program's error. */
export async function runProgram(opts: {
  config: Record<string, unknown>;
  secretKeys?: string[];
  mock?: GraphRulesMock;
  now?: string;
  /** With the default mock: the outputs of the stack's previous update (default none). */
  previousOutputs?: Partial<StackOutputValues>;
  /** Run as `pulumi preview` (default: as `pulumi up`). */
  preview?: boolean;
}): Promise<ProgramRun> {
  // Default: a tenant that is the config's own, so the tenant guard passes.
  const mock =
    opts.mock ??
    new GraphRulesMock({
      state: newTenantState({ tenantId: String(opts.config.tenantId), mailboxes: ["helpdesk@contoso.com"] }),
      previousOutputs: opts.previousOutputs,
    });
  await pulumi.runtime.setMocks(mock, PROJECT, "dev", opts.preview ?? false, ORGANIZATION);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(opts.config).map(([k, v]) => [
        `${PROJECT}:${k}`,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ),
    (opts.secretKeys ?? []).map((k) => `${PROJECT}:${k}`),
  );
  const saved = process.env.EXO_OAUTH_NOW;
  if (opts.now === undefined) delete process.env.EXO_OAUTH_NOW;
  else process.env.EXO_OAUTH_NOW = opts.now;
  try {
    let exported: Record<string, unknown>;
    try {
      exported = { ...(await program()) };
    } finally {
      await settle();
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs: StackOutputName[] = [];
    for (const [key, value] of Object.entries(exported)) {
      if (pulumi.Output.isInstance(value)) {
        outputs[key] = await resolve(value);
        if (await pulumi.isSecret(value)) secretOutputs.push(key as StackOutputName);
      } else {
        outputs[key] = value;
      }
    }
    return { mock, outputs: outputs as unknown as StackOutputValues, secretOutputs };
  } finally {
    if (saved === undefined) delete process.env.EXO_OAUTH_NOW;
    else process.env.EXO_OAUTH_NOW = saved;
  }
}

/** An Output's value (rejects when the Output does). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise: () => Promise<T> }).promise();
}
