// @pulumi/command 1.2.1's local Command, as its provider runs it (pulumi/pulumi-command v1.2.1
// provider/pkg/provider/local/commandController.go Create/Update/Delete, commandOutputs.go `run`):
// - create runs `create`; update runs `update` (or `create` when there is none); delete runs the
//   `delete` stored in STATE with the environment stored in state;
// - each through `interpreter` (default ["/bin/sh", "-c"]) in `dir` — relative to the provider's
//   working directory, the project directory — with the CLI's environment plus `environment`, plus
//   PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR when `addPreviousOutputInEnv` (default true) and the
//   state's previous stdout / stderr is non-empty;
// - stdout and stderr, each with one trailing "\n" trimmed, become the `stdout` / `stderr` outputs only
//   when the run succeeds; a failing run returns `exit status N: running "<cmd>":\n<output>` and
//   stores nothing (pulumi-go-provider v1.3.0 infer: a plain error from Create/Update = no new state);
// - no Read: a refresh leaves a Command as it is.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import type { EngineProvider, ProviderResource } from "./providers";

/** One run of one of the Command's scripts, as the engine saw it (for tests and transcripts). */
export interface CommandRun {
  name: string;
  script: "create" | "update" | "delete";
  commandLine: string;
  /** Working directory, absolute. */
  dir: string;
  /** The resource's `environment` input the run got (the CLI's own environment is not recorded). */
  environment: Record<string, string>;
  /** PULUMI_COMMAND_STDOUT as set for the run (undefined = not set). */
  previousStdout?: string;
  /** PULUMI_COMMAND_STDERR as set for the run (undefined = not set). */
  previousStderr?: string;
  /** The resource's `stdin` input, written to the process (undefined = none). */
  stdin?: string;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CommandProviderOptions {
  /** The project directory: the provider's working directory, where a relative `dir` resolves. */
  projectDir: string;
  /** The environment of the process running `pulumi up` (the pipeline's variables), without PULUMI_COMMAND_*. */
  env: NodeJS.ProcessEnv;
  /** Per run, default 120 s. */
  timeoutMs?: number;
}

export const PREVIOUS_STDOUT = "PULUMI_COMMAND_STDOUT";
export const PREVIOUS_STDERR = "PULUMI_COMMAND_STDERR";

export class CommandProvider implements EngineProvider {
  readonly refreshes = false;
  readonly runs: CommandRun[] = [];
  constructor(private readonly opts: CommandProviderOptions) {}

  async create(_type: string, name: string, inputs: Record<string, unknown>) {
    // resource.NewUniqueHex(name, 8, 0): the name and 8 random hex characters.
    const id = `${name}${randomBytes(4).toString("hex")}`;
    if (typeof inputs.create !== "string") return { id, outputs: { ...inputs, stdout: "", stderr: "" } };
    const run = await this.run(name, "create", inputs.create, inputs, undefined);
    return { id, outputs: { ...inputs, stdout: run.stdout, stderr: run.stderr } };
  }

  async read(_type: string, _name: string, id: string, purpose: "read" | "import", old?: ProviderResource) {
    if (purpose === "import" || !old)
      throw new Error(`Importing Command ${id}: the Command provider cannot import`);
    return { id, inputs: old.inputs, outputs: old.outputs };
  }

  async update(old: ProviderResource, inputs: Record<string, unknown>) {
    const script = typeof inputs.update === "string" ? inputs.update : inputs.create;
    const previous = { stdout: String(old.outputs.stdout ?? ""), stderr: String(old.outputs.stderr ?? "") };
    if (typeof script !== "string") return { ...inputs, ...previous };
    const run = await this.run(old.name, "update", script, inputs, previous);
    return { ...inputs, stdout: run.stdout, stderr: run.stderr };
  }

  async delete(old: ProviderResource) {
    if (typeof old.inputs.delete !== "string") return;
    const previous = { stdout: String(old.outputs.stdout ?? ""), stderr: String(old.outputs.stderr ?? "") };
    await this.run(old.name, "delete", old.inputs.delete, old.inputs, previous);
  }

  /** Runs one script as the provider does; throws the provider's error when it exits non-zero. */
  async run(
    name: string,
    script: CommandRun["script"],
    commandLine: string,
    inputs: Record<string, unknown>,
    previous: { stdout: string; stderr: string } | undefined,
  ): Promise<CommandRun> {
    const environment = { ...((inputs.environment as Record<string, string> | undefined) ?? {}) };
    const env: NodeJS.ProcessEnv = { ...this.opts.env, ...environment };
    delete env[PREVIOUS_STDOUT];
    delete env[PREVIOUS_STDERR];
    const addPrevious = inputs.addPreviousOutputInEnv !== false;
    if (addPrevious && previous?.stdout) env[PREVIOUS_STDOUT] = previous.stdout;
    if (addPrevious && previous?.stderr) env[PREVIOUS_STDERR] = previous.stderr;
    const interpreter =
      Array.isArray(inputs.interpreter) && inputs.interpreter.length
        ? (inputs.interpreter as string[])
        : ["/bin/sh", "-c"];
    const dir = resolve(this.opts.projectDir, typeof inputs.dir === "string" ? inputs.dir : ".");
    const started = Date.now();
    const stdin = typeof inputs.stdin === "string" ? inputs.stdin : undefined;
    const out = await spawnCollect(interpreter[0], [...interpreter.slice(1), commandLine], {
      cwd: dir,
      env,
      stdin,
      timeoutMs: this.opts.timeoutMs ?? 120_000,
    });
    const run: CommandRun = {
      name,
      script,
      commandLine,
      dir,
      environment,
      previousStdout: env[PREVIOUS_STDOUT],
      previousStderr: env[PREVIOUS_STDERR],
      ...(stdin !== undefined ? { stdin } : {}),
      code: out.code,
      stdout: out.stdout.replace(/\n$/, ""),
      stderr: out.stderr.replace(/\n$/, ""),
      ms: Date.now() - started,
    };
    this.runs.push(run);
    if (out.error || out.code !== 0)
      throw new Error(
        `${out.error ?? `exit status ${out.code}`}: running ${JSON.stringify(commandLine)}:\n${out.combined}`,
      );
    return run;
  }
}

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, as the provider's error message carries them. */
  combined: string;
  error?: string;
}

function spawnCollect(
  file: string,
  args: string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string; timeoutMs: number },
): Promise<Spawned> {
  return new Promise((done) => {
    let stdout = "";
    let stderr = "";
    let combined = "";
    let settled = false;
    const finish = (r: Spawned) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(r);
    };
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, stdio: ["pipe", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => ((stdout += d), (combined += d)));
    child.stderr.setEncoding("utf8").on("data", (d: string) => ((stderr += d), (combined += d)));
    child.on("error", (err) => finish({ code: null, stdout, stderr, combined, error: err.message }));
    child.on("close", (code, signal) =>
      finish({ code, stdout, stderr, combined, error: signal ? `signal: ${signal}` : undefined }),
    );
    child.stdin.end(o.stdin ?? "");
  });
}
