// Reading a stack through the pulumi CLI, for the tools that take `--stack <name>`: its config
// (`pulumi config --stack <s> --json --show-secrets`) and its outputs (`pulumi stack output --stack
// <s> --json --show-secrets`). stdout holds secrets: it is parsed, never echoed. A CLI that is
// missing, not logged in, or cannot decrypt is an InputError (exit 78) that quotes the end of its
// stderr, redacted, and says what to do.
import { spawn } from "node:child_process";
import { createRedactor } from "../../components/redact";
import { printable } from "../../components/printable";
import { InputError } from "./errors";

/** What a pulumi run gave back; `missing` when no `pulumi` could be started. */
export type PulumiResult =
  { missing: true } | { missing: false; code: number | null; stdout: string; stderr: string };

/** Runs `pulumi <args>`; tests give a fake (or a fake `pulumi` on PATH). */
export type RunPulumi = (
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
) => Promise<PulumiResult>;

/** The lines of the CLI's stderr a message quotes. */
const STDERR_LINES = 3;

/** How long one pulumi call may take (a cloud backend on a slow link): 2 minutes. */
const TIMEOUT_MS = 120_000;

/** The real CLI from PATH, stdin closed (so it never waits at a passphrase prompt), TIMEOUT_MS at most. */
export const runPulumi: RunPulumi = (args, env) =>
  new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args], {
      env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Our own timer, cleared however the child ends (spawn's `timeout` outlives a child that never started).
    const timer = setTimeout(() => child.kill("SIGTERM"), TIMEOUT_MS);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === "ENOENT") resolve({ missing: true });
      else reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ missing: false, code, stdout, stderr });
    });
  });

/** What to do about a failure the CLI's stderr describes. */
function advice(stderr: string, stack: string): string {
  if (/PULUMI_ACCESS_TOKEN|pulumi login|not logged in|unauthorized|401/i.test(stderr))
    return "log in first (`pulumi login`, or PULUMI_ACCESS_TOKEN in a pipeline)";
  if (/passphrase/i.test(stderr))
    return "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase";
  if (/no stack named|stack .* not found|could not find stack/i.test(stderr))
    return `check the stack's name (\`pulumi stack ls\`); "${printable(stack)}" is not one`;
  if (/no Pulumi\.yaml|no Pulumi project found/i.test(stderr))
    return "run it in the project's directory (where Pulumi.yaml is)";
  return "run the same command yourself to see the whole message";
}

/**
 * `pulumi <args>` whose stdout is one JSON document. `what` says what was being read, for the
 * message; `secrets` are masked in quoted stderr. Throws InputError (never echoing stdout).
 */
export async function pulumiJson(
  run: RunPulumi,
  args: readonly string[],
  opts: {
    env: Readonly<Record<string, string | undefined>>;
    stack: string;
    what: string;
    secrets?: string[];
  },
): Promise<unknown> {
  const command = `pulumi ${args.join(" ")}`;
  const r = await run(args, opts.env);
  if (r.missing)
    throw new InputError(
      `Reading ${opts.what}: the pulumi CLI is not on PATH. Install it (https://www.pulumi.com/docs/install/) and log in, ` +
        `or run without --stack, with the EXO_OAUTH_* variables set by hand (docs/operations.md, "Run the Exchange step by hand")`,
    );
  if (r.code !== 0) {
    const redact = createRedactor(opts.secrets ?? []);
    const tail = redact(r.stderr).trim().split(/\r?\n/).slice(-STDERR_LINES).map(printable).join(" | ");
    throw new InputError(
      `Reading ${opts.what}: \`${printable(command)}\` failed (exit ${r.code ?? "by signal"})` +
        `${tail ? `: ${tail}` : ""}. ${advice(r.stderr, opts.stack)[0].toUpperCase()}${advice(r.stderr, opts.stack).slice(1)}.`,
    );
  }
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    throw new InputError(
      `Reading ${opts.what}: \`${printable(command)}\` did not print JSON (its output is not shown: it may hold secrets)`,
    );
  }
}
