// The multi-run engine: runs the REAL program (index.ts) under mocks again and again, keeping
// Pulumi-like state between runs, and decides per resource what `pulumi up` would — same, update,
// replace (create-before-delete unless deleteBeforeReplace), delete (left out: at the end, dependents
// first) — from the providers' own rules (replace-rules.ts). The providers are the offline ones:
// azuread over the Graph-rules tenant (graph/tenant.ts), @pulumi/command running the real strings
// through `sh -c` (command-provider.ts). Facts and sources: docs/pulumi-lifecycle.md; how to use it:
// docs/multi-run-engine.md.
//
//   const engine = new Engine({ graph: new GraphTenant({ statePath }), command: { projectDir, env } });
//   const r1 = await engine.up({ config, now: "2026-03-01T00:00:00Z" });   // RunResult: steps, calls, plan…
//   const r2 = await engine.up({ config: changed, refresh: true });
//   const r3 = await engine.destroy();
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { STACK_REFERENCE_TYPE } from "../../graph/mock";
import type { GraphTransport } from "../../../../components/graphRead";
import { offlineGraphTransport } from "../../graph/rest";
import type { GraphTenant } from "../../graph/tenant";
import { containsSecret, isSecretValue, secretValue, unwrapSecrets } from "../../graph/wire";
import { executeProgram, ORGANIZATION, PROJECT, STACK, type PulumiProgram } from "../run-program";
import {
  emptyCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type ResourceState,
} from "./checkpoint";
import { CommandProvider, type CommandProviderOptions, type CommandRun } from "./command-provider";
import { deleteAll, refreshState } from "./lifecycle";
import { diffInputs } from "./diff";
import { captureRegistrationOptions, type RegistrationOptions } from "./monitor-options";
import { printPlan, shortType, summarize, type ProviderCall, type Step, type StepOp } from "./plan";
import { COMMAND_TYPE, plain, wrapOutputs } from "./outputs";
import { AzureadProvider, type EngineProvider } from "./providers";
import { never, RunState } from "./run-state";

export { COMMAND_TYPE } from "./outputs";
import { rulesFor } from "./replace-rules";

export interface EngineOptions {
  /** The tenant the azuread provider talks to; the engine sets its clock to each run's. */
  graph: GraphTenant;
  /** Where Commands run and with which process environment (default: the project root, process.env). */
  command: CommandProviderOptions;
  project?: string;
  stack?: string;
  organization?: string;
  /** Default: index.ts. */
  program?: PulumiProgram;
  /** Save the state after every run here (secrets encrypted); read it at construction when it exists. */
  statePath?: string;
  /** Encrypts the saved state's secrets. Default: a random passphrase held by this engine. */
  secretsPassphrase?: string;
  /** Receives each run's printed plan. */
  print?: (text: string) => void;
}

export interface UpOptions {
  config: Record<string, unknown>;
  /** Config keys that are secrets (`pulumi config set --secret`). */
  secretKeys?: string[];
  /** The run's clock (EXO_OAUTH_NOW and Graph's clock), ISO 8601. Default: the system clock. */
  now?: string;
  /** `pulumi up --refresh`: read every resource first; what the tenant no longer has leaves the state. */
  refresh?: boolean;
  /**
   * The `pulumi up` process's environment as the pipeline leaves it, for the program (run-program.ts
   * ExecuteProgramOptions.env), e.g. a leftover EXO_OAUTH_NOW in a real pipeline:
   * `{ EXO_OAUTH_NOW: "2025-01-01", EXO_OAUTH_OFFLINE_TENANT: undefined }`. `now` stays Graph's clock.
   */
  programEnv?: Record<string, string | undefined>;
}

export interface RunResult {
  kind: "up" | "destroy";
  /** 1 for the engine's first run. */
  run: number;
  ok: boolean;
  error?: Error;
  steps: Step[];
  /** Every provider call, in order (none for a resource that is `same`). */
  calls: ProviderCall[];
  /** The Command scripts this run executed. */
  commandRuns: CommandRun[];
  /** The stack outputs after the run, plain (`pulumi stack output --json --show-secrets`). */
  outputs: Record<string, unknown>;
  /** Names of the stack outputs that are secrets. */
  secretOutputs: string[];
  /** The run as `pulumi up` prints it (no secret values). */
  plan: string;
  summary: Record<string, number>;
}

export class Engine {
  private checkpoint: Checkpoint;
  private runs = 0;
  private readonly azuread: AzureadProvider;
  readonly command: CommandProvider;
  private readonly passphrase: string;
  private readonly project: string;
  private readonly stack: string;
  private readonly organization: string;

  constructor(private readonly opts: EngineOptions) {
    this.passphrase = opts.secretsPassphrase ?? randomBytes(24).toString("hex");
    this.checkpoint = opts.statePath ? loadCheckpoint(opts.statePath, this.passphrase) : emptyCheckpoint();
    this.azuread = new AzureadProvider(opts.graph);
    this.command = new CommandProvider(opts.command);
    this.project = opts.project ?? PROJECT;
    this.stack = opts.stack ?? STACK;
    this.organization = opts.organization ?? ORGANIZATION;
  }

  /** The fully qualified name a self StackReference uses: `<org>/<project>/<stack>`. */
  get stackName(): string {
    return `${this.organization}/${this.project}/${this.stack}`;
  }

  /** The state as it stands (wire form: secrets wrapped). Tests may read it; edit it only to rehearse old state. */
  get resources(): ResourceState[] {
    return this.checkpoint.resources;
  }

  /** The one live resource of `type` (full token or short name) named `name`; throws when absent. */
  resource(type: string, name: string): ResourceState {
    const r = this.checkpoint.resources.find(
      (x) => (x.type === type || shortType(x.type) === type) && x.name === name && !x.pendingDelete,
    );
    if (!r) throw new Error(`Engine state: no ${type} named "${name}"`);
    return r;
  }

  /** `pulumi up` (with `refresh: true`, `pulumi up --refresh`). */
  async up(opts: UpOptions): Promise<RunResult> {
    const run = new RunState();
    const runNumber = ++this.runs;
    const commandRunsBefore = this.command.runs.length;
    this.opts.graph.setClock(() => (opts.now ? new Date(opts.now) : new Date()));
    if (opts.refresh) {
      try {
        this.checkpoint.resources = await refreshState(run, this.checkpoint.resources, (t) =>
          this.providerFor(t),
        );
      } catch (err) {
        return this.finish("up", runNumber, run, commandRunsBefore, err as Error);
      }
    }
    const live = new Map(this.checkpoint.resources.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
    const pending = this.checkpoint.resources.filter((r) => r.pendingDelete);
    let capture: { take(): RegistrationOptions } | undefined;
    const mocks: pulumi.runtime.Mocks & { graphTransport: GraphTransport } = {
      graphTransport: offlineGraphTransport(this.opts.graph),
      newResource: (args) => this.register(run, live, args, capture!.take()),
      call: (args) => {
        const out = this.opts.graph.invoke(
          args.token,
          unwrapSecrets(args.inputs ?? {}) as Record<string, unknown>,
        );
        if (!out)
          throw new Error(`Invoking ${args.token}: the engine's providers do not model this function`);
        return out;
      },
    };
    let program: { outputs: Record<string, unknown>; secretOutputs: string[] } | undefined;
    let error: Error | undefined;
    try {
      program = await executeProgram({
        mocks,
        config: opts.config,
        secretKeys: opts.secretKeys,
        now: opts.now,
        env: opts.programEnv,
        stack: this.stack,
        organization: this.organization,
        program: this.opts.program,
        onMocksSet: () => (capture = captureRegistrationOptions()),
        stopped: run.stopped,
      });
    } catch (err) {
      error = err as Error;
    }
    await run.idle();
    error = run.failure ?? error;

    let resources: ResourceState[];
    if (!error && program) {
      for (const old of live.values())
        if (!run.registered.has(old.urn)) run.condemned.push({ state: old, reason: "removed" });
      for (const p of pending) run.condemned.push({ state: p, reason: "pending" });
      const left = await deleteAll(run, run.condemned, (t) => this.providerFor(t));
      error = left.error;
      resources = [...run.registered.values(), ...left.remaining];
      this.checkpoint.outputs = Object.fromEntries(
        Object.entries(program.outputs).map(([k, v]) => [
          k,
          program!.secretOutputs.includes(k) ? secretValue(v) : v,
        ]),
      );
    } else {
      // A failed run changes only what its completed steps changed (Pulumi deletes nothing).
      resources = [...run.registered.values()];
      for (const old of live.values())
        if (!run.registered.has(old.urn) && !run.gone.has(old)) resources.push(old);
      for (const c of run.condemned)
        if (!run.gone.has(c.state)) resources.push({ ...c.state, pendingDelete: true });
      resources.push(...pending);
    }
    this.checkpoint.resources = resources;
    return this.finish("up", runNumber, run, commandRunsBefore, error);
  }

  /** `pulumi destroy` (with `refresh: true`, `pulumi destroy --refresh`): every resource in state, dependents first; the program does not run. */
  async destroy(opts: { refresh?: boolean } = {}): Promise<RunResult> {
    const run = new RunState();
    const runNumber = ++this.runs;
    const commandRunsBefore = this.command.runs.length;
    if (opts.refresh) {
      try {
        this.checkpoint.resources = await refreshState(run, this.checkpoint.resources, (t) =>
          this.providerFor(t),
        );
      } catch (err) {
        return this.finish("destroy", runNumber, run, commandRunsBefore, err as Error);
      }
    }
    const left = await deleteAll(
      run,
      this.checkpoint.resources.map((state) => ({ state, reason: "destroy" as const })),
      (t) => this.providerFor(t),
    );
    this.checkpoint.resources = left.remaining;
    if (!left.error) this.checkpoint.outputs = {};
    return this.finish("destroy", runNumber, run, commandRunsBefore, left.error);
  }

  private finish(
    kind: RunResult["kind"],
    runNumber: number,
    run: RunState,
    before: number,
    error?: Error,
  ): RunResult {
    if (this.opts.statePath) saveCheckpoint(this.opts.statePath, this.checkpoint, this.passphrase);
    const outputs = JSON.parse(JSON.stringify(unwrapSecrets(this.checkpoint.outputs) ?? {})) as Record<
      string,
      unknown
    >;
    const secretOutputs = Object.keys(this.checkpoint.outputs).filter((k) =>
      isSecretValue(this.checkpoint.outputs[k]),
    );
    const verb = kind === "up" ? "Updating" : "Destroying";
    const plan = printPlan({
      title: `${verb} (${this.stackName}) run ${runNumber}`,
      steps: run.steps,
      outputs: kind === "up" && !error ? this.checkpoint.outputs : undefined,
      error,
    });
    this.opts.print?.(plan);
    return {
      kind,
      run: runNumber,
      ok: !error,
      ...(error ? { error } : {}),
      steps: run.steps,
      calls: run.calls,
      commandRuns: this.command.runs.slice(before),
      outputs,
      secretOutputs,
      plan,
      summary: summarize(run.steps).counts,
    };
  }

  private providerFor(type: string): EngineProvider {
    if (type === COMMAND_TYPE) return this.command;
    if (this.opts.graph.models(type)) return this.azuread;
    throw new Error(
      `${type}: the engine has no provider for this resource type (azuread's four and ${COMMAND_TYPE})`,
    );
  }

  /** newResource: one registration → one step. A failed step stops the run; its registration never answers. */
  private async register(
    run: RunState,
    live: Map<string, ResourceState>,
    args: pulumi.runtime.MockResourceArgs,
    o: RegistrationOptions,
  ): Promise<{ id: string; state: Record<string, unknown> }> {
    if (run.failure) return never(); // the engine starts no step after a failure
    run.inflight += 1;
    try {
      return await this.stepFor(run, live, args, o);
    } catch (err) {
      run.steps.push({
        op: live.has(o.urn) ? "update" : "create",
        urn: o.urn,
        type: args.type,
        name: args.name,
        custom: args.custom !== false,
        status: "failed",
        error: (err as Error).message,
      });
      run.fail(err as Error);
      return never();
    } finally {
      run.inflight -= 1;
      run.settled();
    }
  }

  private async stepFor(
    run: RunState,
    live: Map<string, ResourceState>,
    args: pulumi.runtime.MockResourceArgs,
    o: RegistrationOptions,
  ): Promise<{ id: string; state: Record<string, unknown> }> {
    const { type, name } = args;
    const urn = o.urn;
    if (run.registered.has(urn))
      throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
    const wireInputs = (args.inputs ?? {}) as Record<string, unknown>;
    const inputs = unwrapSecrets(wireInputs) as Record<string, unknown>;
    const custom = args.custom !== false;
    const old = live.get(urn);
    const base = {
      urn,
      type,
      name,
      custom,
      ...(o.parent ? { parent: o.parent } : {}),
      dependencies: o.dependencies,
      ...(o.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: o.deleteBeforeReplace } : {}),
      ...(o.protect ? { protect: true } : {}),
    };
    const done = (state: ResourceState, op: StepOp | undefined, extra: Partial<Step> = {}) => {
      run.registered.set(urn, state);
      if (op) run.step({ op, urn, type, name, custom, ...extra });
      return { id: state.id, state: state.outputs };
    };

    if (!custom)
      return done({ ...base, id: "", inputs: wireInputs, outputs: wireInputs }, old ? "same" : "create");
    if (o.kind === "read" || type === STACK_REFERENCE_TYPE) {
      if (type !== STACK_REFERENCE_TYPE)
        throw new Error(
          `Reading ${type} "${name}": the engine models reads only for ${STACK_REFERENCE_TYPE}`,
        );
      const outputs = this.stackReference(String(inputs.name));
      return done({ ...base, id: String(inputs.name), inputs: wireInputs, outputs }, "read");
    }

    const provider = this.providerFor(type);
    const rules = rulesFor(type);
    let prior = old;
    let imported = false;
    if (o.importId && (!old || (old.importId ?? old.id) !== o.importId)) {
      // Pulumi's import (pulumi/pulumi step_generator.go generateSteps isImport; step.go ImportStep.Apply):
      // read the object by id, record it, then diff the program's goal against what was read.
      if (!rules.importable)
        throw new Error(
          `Importing ${shortType(type)} "${name}" (${o.importId}): the provider cannot import: ${rules.importSource}`,
        );
      run.calls.push({ op: "read", type, name, id: o.importId });
      const read = await provider.read(type, name, o.importId, "import");
      if (!read)
        throw new Error(`Importing ${shortType(type)} "${name}": resource '${o.importId}' does not exist`);
      if (old) run.condemned.push({ state: old, reason: "replaced" });
      prior = {
        ...base,
        id: read.id,
        inputs: read.inputs,
        outputs: wrapOutputs(type, read.outputs, read.inputs),
        importId: o.importId,
      };
      imported = true;
      run.step({ op: "import", urn, type, name, custom });
    }
    const importId = o.importId || prior?.importId;
    const keep = importId ? { importId } : {};

    if (!prior) {
      run.calls.push({ op: "create", type, name });
      const r = await provider.create(type, name, inputs);
      return done(
        {
          ...base,
          ...keep,
          id: r.id,
          inputs: wireInputs,
          outputs: wrapOutputs(type, r.outputs, wireInputs),
        },
        "create",
      );
    }
    const d = diffInputs(type, unwrapSecrets(prior.inputs) as Record<string, unknown>, inputs, {
      replaceOnChanges: o.replaceOnChanges,
      ignoreChanges: o.ignoreChanges,
    });
    // ignoreChanges: the state keeps the old value of an ignored input (pulumi processIgnoreChanges).
    const goal = { ...wireInputs };
    for (const k of o.ignoreChanges) if (k in prior.inputs) goal[k] = prior.inputs[k];
    const plainGoal = unwrapSecrets(goal) as Record<string, unknown>;
    if (!d.changed.length)
      return done(
        { ...base, ...keep, id: prior.id, inputs: goal, outputs: prior.outputs },
        imported ? undefined : "same",
      );
    if (!d.replaceKeys.length) {
      run.calls.push({ op: "update", type, name, id: prior.id });
      const out = await provider.update(plain(prior), plainGoal);
      return done(
        { ...base, ...keep, id: prior.id, inputs: goal, outputs: wrapOutputs(type, out, goal) },
        "update",
        { keys: d.changed },
      );
    }
    const deleteFirst = o.deleteBeforeReplace ?? false;
    if (deleteFirst) {
      run.calls.push({ op: "delete", type, name, id: prior.id, instance: "old" });
      await provider.delete(plain(prior));
      if (old) run.gone.add(old);
    }
    run.calls.push({ op: "create", type, name, instance: "new" });
    const r = await provider.create(type, name, plainGoal);
    if (!deleteFirst) run.condemned.push({ state: prior, reason: "replaced" });
    return done({ ...base, id: r.id, inputs: goal, outputs: wrapOutputs(type, r.outputs, goal) }, "replace", {
      keys: d.changed,
      deleteBeforeReplace: deleteFirst,
    });
  }

  /** The builtin provider's StackReference read of THIS stack: the last successful run's outputs. */
  private stackReference(name: string): Record<string, unknown> {
    if (name !== this.stackName)
      throw new Error(
        `Reading StackReference "${name}": unknown stack "${name}" (this engine holds only ${this.stackName})`,
      );
    const outputs = this.checkpoint.outputs;
    const secretOutputNames = Object.keys(outputs)
      .filter((k) => containsSecret(outputs[k]))
      .sort();
    return { name, outputs, secretOutputNames };
  }
}
