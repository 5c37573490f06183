// Runs the Pulumi program (index.ts) under the Graph-rules mock with a given stack config, and
// collects what it declared and exported: `pulumi up` emulated offline, for the tests and the
// offline chain. One run at a time; each run gets fresh mocks and config.
import * as pulumi from "@pulumi/pulumi";
// index.ts exports the program as a function (`export =`): loading it declares nothing.
import program from "../../../index";
import { GraphRulesMock } from "../graph/mock";
import { newTenantState } from "../state";

export const PROJECT = "exo-oauth";

export interface ProgramRun {
  mock: GraphRulesMock;
  outputs: Record<string, unknown>;
  /** Names of the stack outputs that are Pulumi secrets. */
  secretOutputs: string[];
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
}): Promise<ProgramRun> {
  // Default: a tenant that is the config's own, so the tenant guard passes.
  const mock =
    opts.mock ??
    new GraphRulesMock({
      state: newTenantState({ tenantId: String(opts.config.tenantId), mailboxes: ["helpdesk@contoso.com"] }),
    });
  await pulumi.runtime.setMocks(mock, PROJECT, "dev", false);
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
      exported = await program();
    } finally {
      await settle();
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(exported)) {
      if (pulumi.Output.isInstance(value)) {
        outputs[key] = await resolve(value);
        if (await pulumi.isSecret(value)) secretOutputs.push(key);
      } else {
        outputs[key] = value;
      }
    }
    return { mock, outputs, secretOutputs };
  } finally {
    if (saved === undefined) delete process.env.EXO_OAUTH_NOW;
    else process.env.EXO_OAUTH_NOW = saved;
  }
}

/** An Output's value (rejects when the Output does). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise: () => Promise<T> }).promise();
}
