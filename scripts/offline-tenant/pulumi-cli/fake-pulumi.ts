// A stand-in for the pulumi CLI, for the tools' `--stack` (the real CLI is not installed here;
// docs/offline-tenant.md, "The pulumi CLI"). `./pulumi` runs this file; put its folder first on
// PATH. It answers, from a folder laid out like a project with a file backend
// ($EXO_FAKE_PULUMI_HOME, default the working directory):
//   pulumi config --stack <s> --json [--show-secrets]
//       from Pulumi.<s>.yaml (JSON text, which is YAML): { config: { "exo-oauth:key": value |
//       { secure: "v1:…" } }, encryptionsalt }, printed in the CLI's shape { value, objectValue?,
//       secret } (pulumi/pulumi pkg/cmd/pulumi/config.go `configValueJSON`)
//   pulumi stack output --stack <s> --json [--show-secrets]
//       from .pulumi/stacks/<s>.json, the multi-run engine's saved state (its last successful run's
//       outputs); secrets as "[secret]" unless --show-secrets
// Secrets are encrypted with PULUMI_CONFIG_PASSPHRASE, as the passphrase provider does; the
// failures the real CLI has are reproduced with its words and exit code 255: no stack, no
// passphrase, and not logged in (EXO_FAKE_PULUMI_LOGGED_OUT=1).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { decrypt, encrypt, keyFor, loadCheckpoint } from "../harness/engine/checkpoint";
import { isSecretValue, unwrapSecrets } from "../graph/wire";

/** Where the fake reads a project folder: Pulumi.<stack>.yaml and .pulumi/stacks/<stack>.json. */
export const HOME_ENV = "EXO_FAKE_PULUMI_HOME";
/** Set to 1: every command fails as a CLI that is not logged in does. */
export const LOGGED_OUT_ENV = "EXO_FAKE_PULUMI_LOGGED_OUT";
export const PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE";
/** The folder holding `pulumi` (this file's sibling): put it first on PATH. */
export const FAKE_PULUMI_DIR = __dirname;

export const configPath = (home: string, stack: string) => join(home, `Pulumi.${stack}.yaml`);
/** Where the engine should save its state (offlineEngine's statePath) for the fake to read outputs. */
export const statePath = (home: string, stack: string) => join(home, ".pulumi", "stacks", `${stack}.json`);

interface StackFile {
  encryptionsalt?: string;
  config: Record<string, unknown>;
}

const isSecure = (v: unknown): v is { secure: string } =>
  typeof v === "object" &&
  v !== null &&
  Object.keys(v).length === 1 &&
  typeof (v as { secure?: unknown }).secure === "string";

/**
 * Writes Pulumi.<stack>.yaml: `values` without the namespace, those under `secretKeys` as
 * `secure:` values encrypted with `passphrase` (as `pulumi config set --secret` does).
 */
export function writeStackConfig(
  home: string,
  stack: string,
  values: Record<string, unknown>,
  o: { secretKeys?: readonly string[]; passphrase: string; namespace?: string },
): void {
  const salt = randomBytes(16);
  const key = keyFor(o.passphrase, salt);
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const text = typeof v === "string" ? v : JSON.stringify(v);
    config[`${o.namespace ?? "exo-oauth"}:${k}`] = o.secretKeys?.includes(k)
      ? { secure: `v1:${encrypt(text, key)}` }
      : v;
  }
  mkdirSync(home, { recursive: true });
  const file: StackFile = { encryptionsalt: `v1:${salt.toString("base64")}`, config };
  writeFileSync(configPath(home, stack), JSON.stringify(file, null, 2) + "\n");
}

class CliError extends Error {}

function readStackFile(home: string, stack: string): StackFile {
  const path = configPath(home, stack);
  if (!existsSync(path) && !existsSync(statePath(home, stack)))
    throw new CliError(`no stack named '${stack}' found`);
  if (!existsSync(path)) return { config: {} };
  try {
    return JSON.parse(readFileSync(path, "utf8")) as StackFile;
  } catch {
    throw new CliError(`the fake pulumi reads ${path} written as JSON (a subset of YAML) only`);
  }
}

function passphrase(env: NodeJS.ProcessEnv): string {
  const p = env[PASSPHRASE_ENV];
  if (p === undefined)
    throw new CliError(
      'constructing secrets manager of type "passphrase": unable to find either `PULUMI_CONFIG_PASSPHRASE` or ' +
        "`PULUMI_CONFIG_PASSPHRASE_FILE` when trying to access the Passphrase Secrets Provider; please ensure one " +
        "of these environment variables is set to allow the operation to continue",
    );
  return p;
}

function config(home: string, stack: string, showSecrets: boolean, env: NodeJS.ProcessEnv): unknown {
  const file = readStackFile(home, stack);
  const hasSecure = Object.values(file.config).some(isSecure);
  const key =
    hasSecure && showSecrets
      ? keyFor(passphrase(env), Buffer.from(String(file.encryptionsalt).replace(/^v1:/, ""), "base64"))
      : undefined;
  const out: Record<string, { value?: string; objectValue?: unknown; secret: boolean }> = {};
  for (const [name, raw] of Object.entries(file.config)) {
    const secret = isSecure(raw);
    let text: string | undefined;
    if (!secret) text = typeof raw === "string" ? raw : JSON.stringify(raw);
    else if (key) text = decrypt(raw.secure.replace(/^v1:/, ""), key) as string;
    let objectValue: unknown;
    if (text !== undefined && (text.trim().startsWith("{") || text.trim().startsWith("[")))
      try {
        objectValue = JSON.parse(text);
      } catch {
        objectValue = undefined;
      }
    out[name] = {
      ...(text !== undefined ? { value: text } : {}),
      ...(objectValue ? { objectValue } : {}),
      secret,
    };
  }
  return out;
}

function stackOutput(home: string, stack: string, showSecrets: boolean, env: NodeJS.ProcessEnv): unknown {
  readStackFile(home, stack);
  const path = statePath(home, stack);
  if (!existsSync(path)) return {};
  const { outputs } = loadCheckpoint(path, passphrase(env));
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [
      k,
      isSecretValue(v) && !showSecrets ? "[secret]" : unwrapSecrets(v),
    ]),
  );
}

/** One CLI run: stdout and the exit code (errors as the CLI prints them, on stderr). */
export function fakePulumi(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { code: number; stdout: string; stderr: string } {
  const home = env[HOME_ENV] ?? cwd;
  const flag = (f: string) => argv.includes(f);
  const at = argv.indexOf("--stack");
  const stack = at >= 0 ? argv[at + 1] : undefined;
  const words = argv.filter((a, i) => !a.startsWith("-") && !(at >= 0 && i === at + 1));
  try {
    if (env[LOGGED_OUT_ENV] === "1")
      throw new CliError("PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
    if (!stack) throw new CliError("no stack selected; please use `pulumi stack select` or pass --stack");
    if (!flag("--json")) throw new CliError("the fake pulumi answers --json only");
    const what = words.join(" ");
    const value =
      what === "config"
        ? config(home, stack, flag("--show-secrets"), env)
        : what === "stack output"
          ? stackOutput(home, stack, flag("--show-secrets"), env)
          : undefined;
    if (value === undefined) throw new CliError(`the fake pulumi does not answer "${what}"`);
    return { code: 0, stdout: JSON.stringify(value, null, 4) + "\n", stderr: "" };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    return { code: 255, stdout: "", stderr: `error: ${err.message}\n` };
  }
}

if (require.main === module) {
  const r = fakePulumi(process.argv.slice(2), process.env, process.cwd());
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}
