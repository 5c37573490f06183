// Runs the Pulumi program (index.ts) under mocks with a given stack config, and collects what it
// declared and exported: `pulumi up` emulated offline, for the tests, the offline chain and the
// multi-run engine. One run at a time; each run gets fresh mocks and config.
//
//   runProgram({ config, mock? })        one first-deploy run under the Graph-rules mock (every resource a create)
//   executeProgram({ mocks, config, … })  the same for any Mocks (the engine's), with hooks to see the monitor
import * as pulumi from "@pulumi/pulumi";
// index.ts exports the program as a function (`export =`): loading it declares nothing.
import program from "../../../index";
import { NOW_ENV, OFFLINE_TENANT_ENV } from "../../../components/clock";
import { useGraphTransport, type GraphTransport } from "../../../components/graphRead";
import type { StackOutputName, StackOutputValues } from "../../../components/outputs";
import { GraphRulesMock } from "../graph/mock";
import { newTenantState } from "../state";

export const PROJECT = "exo-oauth";
export const STACK = "dev";
/** The organization a mocked run reports (pulumi.getOrganization()); a self StackReference names it. */
export const ORGANIZATION = "organization";

export interface ProgramRun {
  mock: GraphRulesMock;
  /** The stack outputs, resolved (the optional ones present only in their Exchange mode). */
  outputs: StackOutputValues;
  /** Names of the stack outputs that are Pulumi secrets. */
  secretOutputs: StackOutputName[];
}

/** A Pulumi program: resolves to the stack outputs (index.ts's default export). */
export type PulumiProgram = () => Promise<Record<string, unknown>>;

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

export interface ExecuteProgramOptions {
  mocks: pulumi.runtime.Mocks;
  config: Record<string, unknown>;
  secretKeys?: string[];
  /** EXO_OAUTH_NOW for this run (components/clock.ts); unset = the system clock. */
  now?: string;
  /**
   * The program's environment beyond EXO_OAUTH_NOW, as a pipeline would leave it (undefined unsets a
   * variable), applied for this run only. Every run is marked as one against the offline tenant
   * (EXO_OAUTH_OFFLINE_TENANT, components/clock.ts); `{ EXO_OAUTH_OFFLINE_TENANT: undefined }`
   * rehearses a real pipeline's `pulumi up`.
   */
  env?: Record<string, string | undefined>;
  stack?: string;
  organization?: string;
  /** Run as `pulumi preview` (outputs of resources not yet created stay unknown). Default false. */
  preview?: boolean;
  /** Default: index.ts. */
  program?: PulumiProgram;
  /** Called after setMocks, before the program runs: the mock monitor is in place (engine/monitor-options.ts). */
  onMocksSet?: () => void;
  /**
   * Settles when the run must stop (a failed step: the engine starts no new step and the failed
   * registration never answers). The run then rejects with that error instead of waiting.
   */
  stopped?: Promise<Error>;
}

/** Sets the mocks and config, runs the program, waits for every registration and resolves the outputs. */
export async function executeProgram(
  opts: ExecuteProgramOptions,
): Promise<{ outputs: Record<string, unknown>; secretOutputs: string[] }> {
  await pulumi.runtime.setMocks(
    opts.mocks,
    PROJECT,
    opts.stack ?? STACK,
    opts.preview ?? false,
    opts.organization ?? ORGANIZATION,
  );
  opts.onMocksSet?.();
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(opts.config).map(([k, v]) => [
        `${PROJECT}:${k}`,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ),
    (opts.secretKeys ?? []).map((k) => `${PROJECT}:${k}`),
  );
  // The program's own Graph reads (components/graphRead.ts) go to the mocks' offline tenant when the
  // mocks offer one (GraphRulesMock, the engine), never to Microsoft.
  useGraphTransport((opts.mocks as { graphTransport?: GraphTransport }).graphTransport);
  const vars: Record<string, string | undefined> = {
    [NOW_ENV]: opts.now,
    [OFFLINE_TENANT_ENV]: "scripts/offline-tenant",
    ...opts.env,
  };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    const work = (async () => {
      let exported: Record<string, unknown>;
      try {
        exported = await (opts.program ?? program)();
      } finally {
        if (!opts.stopped) await settle();
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
      if (opts.stopped) await settle();
      return { outputs, secretOutputs };
    })();
    if (!opts.stopped) return await work;
    work.catch(() => undefined); // lost the race to a failed step: its rejection is the step's, already reported
    return await Promise.race([
      work,
      opts.stopped.then(async (err) => {
        await parkProgram(opts);
        throw err;
      }),
    ]);
  } finally {
    useGraphTransport(undefined);
    apply(saved);
  }
}

/**
 * After a failed step the program keeps running (Pulumi kills it; here it shares the process): point
 * the runtime at mocks that never answer and wait until the program stops reaching them, so nothing it
 * registers later lands in the NEXT run's mocks (a duplicate URN there).
 */
async function parkProgram(opts: ExecuteProgramOptions): Promise<void> {
  let calls = 0;
  const never = () => {
    calls += 1;
    return new Promise<never>(() => undefined);
  };
  await pulumi.runtime.setMocks(
    { newResource: never, call: never },
    PROJECT,
    opts.stack ?? STACK,
    opts.preview ?? false,
    opts.organization ?? ORGANIZATION,
  );
  // A component's registerOutputs reaches the monitor itself, not the mocks; this monitor never saw
  // the component, so it would throw "unknown resource" from a callback: swallow it the same way.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResourceOutputs?: unknown } | undefined;
  if (monitor) monitor.registerResourceOutputs = () => void (calls += 1);
  for (let quiet = 0, turns = 0; quiet < 5 && turns < 500; turns++) {
    const before = calls;
    await new Promise((r) => setImmediate(r));
    quiet = calls === before ? quiet + 1 : 0;
  }
}

/** Sets the mocks and config, runs the program and resolves its outputs. Rejects with the program's error. */
export async function runProgram(opts: {
  config: Record<string, unknown>;
  secretKeys?: string[];
  mock?: GraphRulesMock;
  now?: string;
  /** What the stack's self StackReference reads (its previous outputs). Default {}: never deployed. */
  previousOutputs?: Partial<StackOutputValues>;
  /** Run as `pulumi preview`. Default false. */
  preview?: boolean;
}): Promise<ProgramRun> {
  // Default: a tenant that is the config's own, so the tenant guard passes.
  const mock =
    opts.mock ??
    new GraphRulesMock({
      state: newTenantState({ tenantId: String(opts.config.tenantId), mailboxes: ["helpdesk@contoso.com"] }),
      previousOutputs: opts.previousOutputs as Record<string, unknown> | undefined,
    });
  const { outputs, secretOutputs } = await executeProgram({
    mocks: mock,
    config: opts.config,
    secretKeys: opts.secretKeys,
    now: opts.now,
    preview: opts.preview,
  });
  return {
    mock,
    outputs: outputs as unknown as StackOutputValues,
    secretOutputs: secretOutputs as StackOutputName[],
  };
}

/** An Output's value (rejects when the Output does). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise: () => Promise<T> }).promise();
}
