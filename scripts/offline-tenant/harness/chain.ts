// The offline chain: config → program → driver → verify over ONE tenant state file, each step
// through the code a real tenant runs (docs/offline-tenant.md, "One tenant state for all doubles").
// Each step is a function so the test suite and the offline tenant demo call the same thing:
//
//   const t = createOfflineTenant({ tenantId, mailboxes: ["helpdesk@contoso.com"] });
//   const d = await deploy(t, config);                     // `pulumi up` (the engine): program + Command create
//   const s = await startOfflineServices(t);               // token issuer + mail peers on the file
//   const v = await verify(t, s, d);                       // runVerify, the real logins
//   const d2 = await update(t, changedConfig);             // `pulumi up` again: same / update / replace / delete
//   await destroy(t);                                      // `pulumi destroy`: Command delete (old string, old env)
//   findLeaks(t.transcript, secretsOf(t, [d, d2]));         // nothing secret in anything captured
//
// `pulumi up` and `pulumi destroy` are the multi-run engine (engine/engine.ts, docs/multi-run-engine.md):
// it keeps Pulumi-like state between the runs, decides each resource's step from the providers' rules
// and runs the Command as @pulumi/command 1.2.1 does (docs/pulumi-lifecycle.md). `t.engine` is that
// engine, for what a step function does not cover (refresh, the plan, the state).
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMailPeers, type MailPeers } from "../mail-peers";
import { newTenantState, readState, writeState, type NewTenantOptions, type TenantState } from "../state";
import { emptyStats, readSimStats, type SimStats } from "../exchange/stats";
import { startTokenIssuer, type TokenIssuer } from "../entra/token-issuer";
import { unwrapSecrets } from "../graph/wire";
import { loginImap } from "../../operator/verify/imap";
import { loginPop3 } from "../../operator/verify/pop3";
import { runVerify, type VerifyReport } from "../../operator/verify/run";
import { loginSmtp } from "../../operator/verify/smtp";
import { acquireToken } from "../../operator/verify/token";
import type { StackOutputName, StackOutputValues } from "../../../components/outputs";
import type { Engine, RunResult } from "./engine/engine";
import type { CommandRun } from "./engine/command-provider";
import { ADMIN_TOKEN_ENV, offlineEngine, PROJECT_DIR } from "./engine/offline";
import { FAKE_PWSH } from "./sim-tenant";

export const ROOT = PROJECT_DIR;
/** Stands in for pwsh: runs the Exchange simulator over EXO_SIM_STATE. */
export { FAKE_PWSH, ADMIN_TOKEN_ENV };
export const COMMAND_TYPE = "command:local:Command";
/** Where verify reads the client secret (scripts/operator/verify/options.ts DEFAULT_SECRET_ENV). */
export const CLIENT_SECRET_ENV = "EXO_OAUTH_CLIENT_SECRET";

/** Everything a step printed or wrote, labelled: the leak scan reads it. */
export interface TranscriptEntry {
  what: string;
  text: string;
}

export interface OfflineTenant {
  dir: string;
  /** The ONE tenant state file every double reads and writes. */
  statePath: string;
  /** The Exchange simulator's counters (EXO_SIM_STATS). */
  statsPath: string;
  /** The engine's state file (Pulumi's checkpoint; secrets encrypted). */
  engineStatePath: string;
  /** The admin access token the pipeline hands the driver (a secret: scanned for). */
  adminToken: string;
  /** Every access token the token issuer handed verify (secrets: scanned for). */
  accessTokens: string[];
  transcript: TranscriptEntry[];
  /** `pulumi up` / `pulumi destroy` over this tenant, state kept between runs. */
  engine: Engine;
  cleanup(): void;
}

/**
 * Step 1: a fresh tenant state file (Exchange Online's SP with its roles, the mailboxes) and its engine.
 * `env`: extra pipeline variables for the Command (e.g. the real PowerShell tier's PSModulePath and
 * EXO_SIM_REST_URL, test/support/pwsh-tier.ts).
 */
export function createOfflineTenant(
  opts: NewTenantOptions & { seed?: (s: TenantState) => void; env?: Record<string, string> },
): OfflineTenant {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-chain-"));
  const { seed, env, ...tenantOptions } = opts;
  const state = newTenantState(tenantOptions);
  seed?.(state);
  const statePath = join(dir, "tenant.json");
  writeState(statePath, state);
  const statsPath = join(dir, "exchange-sim-stats.json");
  const engineStatePath = join(dir, "engine-state.json");
  // A JWT in shape (the driver refuses anything else as a token); random so a leak scan finds it.
  const adminToken = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.admin-${randomBytes(24).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
  const transcript: TranscriptEntry[] = [];
  const engine = offlineEngine(
    { statePath, statsPath, adminToken },
    {
      statePath: engineStatePath,
      print: (text) => void transcript.push({ what: "pulumi output", text }),
      env,
    },
  );
  return {
    dir,
    statePath,
    statsPath,
    engineStatePath,
    adminToken,
    accessTokens: [],
    transcript,
    engine,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const tenantState = (t: OfflineTenant): TenantState => readState(t.statePath);
export const simStats = (t: OfflineTenant): SimStats =>
  existsSync(t.statsPath) ? readSimStats(t.statsPath) : emptyStats();

/** The Command's inputs as the provider receives them (secrets unwrapped). */
export interface CommandInputs {
  create: string;
  update: string;
  delete: string;
  dir: string;
  environment: Record<string, string>;
  /** The mailbox list the Command hands the driver on stdin (EXO_OAUTH_MAILBOXES=stdin); absent in older state. */
  stdin?: string;
}

export interface Deployment {
  config: Record<string, unknown>;
  /** Stack outputs, as `pulumi stack output --json --show-secrets` would print them. */
  outputs: StackOutputValues;
  secretOutputs: StackOutputName[];
  /** The Command's inputs in state after the run. */
  command: CommandInputs;
  /** The Command's `stdout` output: the driver's record. */
  record: string;
  /** The Command script this run executed (undefined when the Command was `same`). */
  run?: CommandRun;
  result: RunResult;
  /** The engine's state after the run, in memory (wire form: secrets wrapped, not encrypted). */
  state: string;
  /** The engine's saved state file after the run (secrets encrypted). */
  savedState: string;
}

function deployment(
  t: OfflineTenant,
  config: Record<string, unknown>,
  result: RunResult,
  what: string,
): Deployment {
  if (!result.ok) throw new Error(`${what}: ${result.error?.message}`);
  const cmd = t.engine.resources.find((r) => r.type === COMMAND_TYPE && !r.pendingDelete);
  if (!cmd) throw new Error(`${what}: the program declared no Command (connection manual?)`);
  const inputs = unwrapSecrets(cmd.inputs) as Record<string, unknown>;
  const outputs = unwrapSecrets(cmd.outputs) as Record<string, unknown>;
  for (const r of result.commandRuns)
    t.transcript.push(
      { what: `Command ${r.script} stdout`, text: r.stdout },
      { what: `Command ${r.script} stderr`, text: r.stderr },
    );
  t.transcript.push({
    what: "exchangeRecord output",
    text: JSON.stringify(result.outputs.exchangeRecord ?? null),
  });
  return {
    config,
    outputs: result.outputs as unknown as StackOutputValues,
    secretOutputs: result.secretOutputs as StackOutputName[],
    command: {
      create: String(inputs.create),
      update: String(inputs.update),
      delete: String(inputs.delete),
      dir: String(inputs.dir),
      environment: { ...(inputs.environment as Record<string, string>) },
      ...(typeof inputs.stdin === "string" ? { stdin: inputs.stdin } : {}),
    },
    record: String(outputs.stdout ?? ""),
    run: result.commandRuns.find((r) => r.name === cmd.name),
    result,
    state: JSON.stringify(t.engine.resources),
    savedState: readFileSync(t.engineStatePath, "utf8"),
  };
}

/** Step 2, `pulumi up` on a new stack: the program, the Entra resources, the Command's create. */
export async function deploy(t: OfflineTenant, config: Record<string, unknown>): Promise<Deployment> {
  return deployment(t, config, await t.engine.up({ config }), "Deploying");
}

/** Step 4, `pulumi up` after a config change: each resource same / update / replace / delete. */
export async function update(t: OfflineTenant, config: Record<string, unknown>): Promise<Deployment> {
  return deployment(t, config, await t.engine.up({ config }), "Updating");
}

/**
 * The deployed Command's update once more with its own record, outside the engine (an idempotence
 * probe: what `pulumi up` would run after an input changed and changed back). Exchange must see no write.
 */
export async function reapply(t: OfflineTenant, deployed: Deployment): Promise<CommandRun> {
  const run = await t.engine.command.run(
    "exchange-command",
    "update",
    deployed.command.update,
    { ...deployed.command },
    {
      stdout: deployed.record,
      stderr: "",
    },
  );
  t.transcript.push(
    { what: "Command update stdout", text: run.stdout },
    { what: "Command update stderr", text: run.stderr },
  );
  return run;
}

/** Step 5, `pulumi destroy` (`refresh`: `--refresh`): every resource, dependents first; the Command's OLD delete with its OLD environment. */
export async function destroy(t: OfflineTenant, opts: { refresh?: boolean } = {}): Promise<RunResult> {
  const result = await t.engine.destroy(opts);
  for (const r of result.commandRuns)
    t.transcript.push(
      { what: `Command ${r.script} stdout`, text: r.stdout },
      { what: `Command ${r.script} stderr`, text: r.stderr },
    );
  if (!result.ok) throw new Error(`Destroying: ${result.error?.message}`);
  return result;
}

export interface OfflineServices {
  issuer: TokenIssuer;
  peers: MailPeers;
  /** PEM file trusting the issuer's and the peers' certificates (verify --ca-file). */
  caFile: string;
  stop(): Promise<void>;
}

/** Step 3a: the Entra token endpoint and the mail peers (Dovecot, SMTP), all on the state file. */
export async function startOfflineServices(t: OfflineTenant): Promise<OfflineServices> {
  const issuer = await startTokenIssuer({ statePath: t.statePath });
  let peers: MailPeers;
  try {
    peers = await startMailPeers({ statePath: t.statePath, jwks: issuer.jwks });
  } catch (err) {
    await issuer.close();
    throw err;
  }
  const caFile = join(t.dir, "ca.pem");
  writeFileSync(caFile, issuer.ca + peers.ca);
  return {
    issuer,
    peers,
    caFile,
    stop: async () => {
      await peers.stop();
      await issuer.close();
    },
  };
}

export interface VerifyRun {
  exitCode: number;
  report?: VerifyReport;
  stdout: string;
  stderr: string;
}

/**
 * Step 3b: `npm run verify` against the offline services. The client secret is in
 * $EXO_OAUTH_CLIENT_SECRET, set to the `clientSecret` output; `args` adds options (e.g.
 * --mailbox, --protocol). Other inputs come from the stack outputs (injected where the CLI
 * would run `pulumi stack output --json --show-secrets`), or with `stackOutputs: false` from
 * explicit options only, as on a machine without the pulumi CLI.
 */
export async function verify(
  t: OfflineTenant,
  s: OfflineServices,
  deployed: Deployment,
  args: string[] = [],
  opts: { stackOutputs?: boolean } = {},
): Promise<VerifyRun> {
  let stdout = "";
  let stderr = "";
  const argv = [
    "--authority-host", s.issuer.url, "--ca-file", s.caFile,
    "--imap-host", s.peers.imaps.host, "--imap-port", String(s.peers.imaps.port),
    "--pop-host", s.peers.pop3s.host, "--pop-port", String(s.peers.pop3s.port),
    "--smtp-host", s.peers.smtp.host, "--smtp-port", String(s.peers.smtp.port),
    "--timeout", "10s", "--json", ...args,
  ]; // prettier-ignore
  const outcome = await runVerify(argv, {
    env: { [CLIENT_SECRET_ENV]: String(deployed.outputs.clientSecret) },
    acquireToken: async (req) => {
      const r = await acquireToken(req);
      if (r.ok) t.accessTokens.push(r.accessToken);
      return r;
    },
    logins: { imap: loginImap, pop: loginPop3, smtp: loginSmtp },
    readStackOutputs: () =>
      Promise.resolve(
        opts.stackOutputs === false
          ? { ok: false, reason: "no-cli", message: "the pulumi CLI is not on PATH" }
          : { ok: true, outputs: deployed.outputs },
      ),
    readFile: (p) => readFileSync(p, "utf8"),
    stdout: (x) => void (stdout += x),
    stderr: (x) => void (stderr += x),
  });
  t.transcript.push({ what: "verify stdout", text: stdout }, { what: "verify stderr", text: stderr });
  return { exitCode: outcome.exitCode, report: outcome.report, stdout, stderr };
}

/** "mailbox protocol" → "pass" or the failure's cause id. */
export function outcomes(report: VerifyReport | undefined): Record<string, string> {
  return Object.fromEntries(
    (report?.logins ?? []).map((l) => [
      `${l.mailbox} ${l.protocol}${l.check === "send-as" ? " send-as" : ""}`,
      l.ok ? "pass" : (l.cause?.id ?? "?"),
    ]),
  );
}

/** What Exchange holds for an application: its SP, and the mailboxes with its FullAccess / SendAs. */
export function exchangeGrants(
  state: TenantState,
  appId: string,
): { servicePrincipal: boolean; fullAccess: string[]; sendAs: string[] } {
  const sp = state.exchange.servicePrincipals.find((x) => x.AppId.toLowerCase() === appId.toLowerCase());
  if (!sp) return { servicePrincipal: false, fullAccess: [], sendAs: [] };
  const mailboxes = state.exchange.mailboxes;
  return {
    servicePrincipal: true,
    fullAccess: mailboxes
      .filter((m) => m.permissions.some((r) => r.UserSid === sp.Sid && r.AccessRights.includes("FullAccess")))
      .map((m) => m.address)
      .sort(),
    sendAs: mailboxes
      .filter((m) => m.recipientPermissions.some((r) => r.TrusteeSidString === sp.Sid))
      .map((m) => m.address)
      .sort(),
  };
}

/** The secret values of a chain: admin token, client secrets, access tokens. */
export function secretsOf(t: OfflineTenant, deployments: Deployment[]): { name: string; value: string }[] {
  return [
    { name: `$${ADMIN_TOKEN_ENV} (admin access token)`, value: t.adminToken },
    ...deployments.map((d) => ({ name: "clientSecret output", value: String(d.outputs.clientSecret) })),
    ...t.accessTokens.map((value, i) => ({ name: `access token #${i + 1}`, value })),
  ];
}

/** Step 7: every (transcript entry, secret) where the secret's value appears. */
export function findLeaks(
  entries: TranscriptEntry[],
  secrets: { name: string; value: string }[],
): { what: string; secret: string }[] {
  const leaks: { what: string; secret: string }[] = [];
  for (const e of entries)
    for (const s of secrets)
      if (s.value.length >= 8 && e.text.includes(s.value)) leaks.push({ what: e.what, secret: s.name });
  return leaks;
}
