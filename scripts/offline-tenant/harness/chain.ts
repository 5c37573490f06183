// The offline chain: config → program → driver → verify over ONE tenant state file, each step
// through the code a real tenant runs (docs/offline-tenant.md, "One tenant state"). Each
// step is a function so the test suite and the offline tenant demo call the same thing:
//
//   const t = createOfflineTenant({ tenantId, mailboxes: ["helpdesk@contoso.com"] });
//   const d = await deploy(t, config);                     // `pulumi up`: program + Command create
//   const s = await startOfflineServices(t);               // token issuer + mail peers on the file
//   const v = await verify(t, s, d);                       // runVerify, the real logins
//   const d2 = await update(t, d, changedConfig);          // program + Command update (previous record)
//   await destroy(t, d2);                                  // Command delete (old environment + record)
//   findLeaks(t.transcript, secretsOf(t, d));              // nothing secret in anything captured
//
// What is emulated, and how (facts: docs/pulumi-lifecycle.md, "@pulumi/command 1.2.1";
// pulumi/pulumi-command provider/pkg/provider/local/commandOutputs.go `run`):
// - the Command's create runs WHILE the resource registers (as the engine does), through
//   `/bin/sh -c <create>` in `dir`, with the process environment plus `environment`; its stdout
//   and stderr, each with one trailing "\n" trimmed, become the `stdout`/`stderr` outputs,
//   hence the stack's `exchangeRecord`;
// - update and delete get the previous stdout/stderr in PULUMI_COMMAND_STDOUT/_STDERR (only
//   when non-empty); delete runs the OLD delete string with the OLD environment;
// - the Graph-rules mock models creation only: a second program run would register a second
//   application. `update` therefore runs the changed program against a scratch copy of the
//   state and keeps the deployed resources' ids, which is what Pulumi does when the Entra
//   resources' inputs are unchanged; it refuses changes that would touch Entra resources.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DRIVER_ENV } from "../../exchange-driver/env";
import { parseRecord } from "../../exchange-driver/record";
import { GraphRulesMock, TYPES, unwrapSecrets, type ResourceResult } from "../graph/mock";
import { startMailPeers, type MailPeers } from "../mail-peers";
import { newTenantState, readState, writeState, type NewTenantOptions, type TenantState } from "../state";
import { emptyStats, readSimStats, type SimStats } from "../exchange/stats";
import { startTokenIssuer, type TokenIssuer } from "../entra/token-issuer";
import { loginImap } from "../../operator/verify/imap";
import { loginPop3 } from "../../operator/verify/pop3";
import { runVerify, type VerifyReport } from "../../operator/verify/run";
import { loginSmtp } from "../../operator/verify/smtp";
import { acquireToken } from "../../operator/verify/token";
import type { StackOutputName, StackOutputValues } from "../../../components/outputs";
import { runProgram } from "./run-program";
import { FAKE_PWSH } from "./sim-tenant";

export const ROOT = resolve(__dirname, "../../..");
/** Stands in for pwsh: runs the Exchange simulator over EXO_SIM_STATE. */
export { FAKE_PWSH };
export const COMMAND_TYPE = "command:local:Command";
/** The variable the pipeline would set with the Exchange admin's access token (accessToken mode). */
export const ADMIN_TOKEN_ENV = "EXO_ADMIN_TOKEN";
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
  /** The admin access token the pipeline hands the driver (a secret: scanned for). */
  adminToken: string;
  /** Every access token the token issuer handed verify (secrets: scanned for). */
  accessTokens: string[];
  transcript: TranscriptEntry[];
  cleanup(): void;
}

/** Step 1: a fresh tenant state file (Exchange Online's SP with its roles, the mailboxes). */
export function createOfflineTenant(
  opts: NewTenantOptions & { seed?: (s: TenantState) => void },
): OfflineTenant {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-chain-"));
  const { seed, ...tenantOptions } = opts;
  const state = newTenantState(tenantOptions);
  seed?.(state);
  const statePath = join(dir, "tenant.json");
  writeState(statePath, state);
  return {
    dir,
    statePath,
    statsPath: join(dir, "exchange-sim-stats.json"),
    // Shaped like a JWT so a scan for "eyJ" would also see it; random so it is findable.
    adminToken: `eyJ0eXAiOiJKV1QifQ.admin-${randomBytes(24).toString("base64url")}`,
    accessTokens: [],
    transcript: [],
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
}

export interface CommandRun {
  /** Which of the Command's scripts ran. */
  script: "create" | "update" | "delete";
  commandLine: string;
  code: number | null;
  /** stdout, one trailing newline trimmed (the Command's `stdout` output). */
  stdout: string;
  /** stderr, one trailing newline trimmed (the Command's `stderr` output). */
  stderr: string;
  ms: number;
}

function commandInputs(raw: Record<string, unknown>): CommandInputs {
  const inputs = unwrapSecrets(raw) as Record<string, unknown>;
  const text = (k: string) => {
    if (typeof inputs[k] !== "string") throw new Error(`Reading the Command's inputs: ${k} is not a string`);
    return inputs[k] as string;
  };
  return {
    create: text("create"),
    update: text("update"),
    delete: text("delete"),
    dir: text("dir"),
    environment: { ...(inputs.environment as Record<string, string>) },
  };
}

/** The previous create/update's outputs, handed to update and delete. */
export interface PreviousOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs one of the Command's scripts as @pulumi/command 1.2.1 does: `/bin/sh -c <script>` in
 * `dir`, environment = this process's + `environment` + PULUMI_COMMAND_STDOUT/_STDERR.
 * The pipeline's part of the environment: the admin token variable and the simulator's files.
 * Synchronous on purpose: it runs inside the mock's resource registration, like the engine.
 */
export function runCommand(
  t: OfflineTenant,
  inputs: CommandInputs,
  script: CommandRun["script"],
  previous?: PreviousOutput,
): CommandRun {
  const commandLine = inputs[script];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [ADMIN_TOKEN_ENV]: t.adminToken,
    EXO_SIM_STATE: t.statePath,
    EXO_SIM_STATS: t.statsPath,
    ...inputs.environment,
  };
  delete env[DRIVER_ENV.previousStdout];
  delete env.PULUMI_COMMAND_STDERR;
  if (previous?.stdout) env[DRIVER_ENV.previousStdout] = previous.stdout;
  if (previous?.stderr) env.PULUMI_COMMAND_STDERR = previous.stderr;
  const started = Date.now();
  const r = spawnSync("/bin/sh", ["-c", commandLine], {
    // The provider runs in the project directory; a relative `dir` is resolved against it.
    cwd: resolve(ROOT, inputs.dir),
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.error) throw new Error(`Running the Command's ${script} (${commandLine}): ${r.error.message}`);
  const run: CommandRun = {
    script,
    commandLine,
    code: r.status,
    stdout: r.stdout.replace(/\n$/, ""),
    stderr: r.stderr.replace(/\n$/, ""),
    ms: Date.now() - started,
  };
  t.transcript.push(
    { what: `Command ${script} stdout`, text: r.stdout },
    { what: `Command ${script} stderr`, text: r.stderr },
  );
  return run;
}

/** The error @pulumi/command reports for a failing script: exit status, command string, output. */
function commandFailed(name: string, run: CommandRun): Error {
  const verb = { create: "Creating", update: "Updating", delete: "Deleting" }[run.script];
  return new Error(
    `${verb} Command "${name}": exit status ${run.code}: running ${JSON.stringify(run.commandLine)}:\n` +
      `${run.stdout}\n${run.stderr}`,
  );
}

export interface Deployment {
  config: Record<string, unknown>;
  /** Stack outputs, as `pulumi stack output --json --show-secrets` would print them. */
  outputs: StackOutputValues;
  secretOutputs: StackOutputName[];
  command: CommandInputs;
  /** The Command's `stdout` output: the driver's record (= run.stdout). */
  record: string;
  run: CommandRun;
  mock: GraphRulesMock;
}

/** Step 2, `pulumi up` on a new stack: the program under the Graph-rules mock, the Command's create. */
export async function deploy(t: OfflineTenant, config: Record<string, unknown>): Promise<Deployment> {
  let command: CommandInputs | undefined;
  let run: CommandRun | undefined;
  const mock = new GraphRulesMock({
    statePath: t.statePath,
    onResource: (args): ResourceResult | undefined => {
      if (args.type !== COMMAND_TYPE) return undefined;
      command = commandInputs(args.inputs as Record<string, unknown>);
      run = runCommand(t, command, "create");
      if (run.code !== 0) throw commandFailed(args.name, run);
      return { id: `${args.name}-${randomBytes(4).toString("hex")}`, state: outputsOf(args.inputs, run) };
    },
  });
  const program = await runProgram({ config, mock });
  if (!command || !run) throw new Error("Deploying: the program declared no Command (connection manual?)");
  return finish(t, config, program, command, run);
}

function outputsOf(inputs: unknown, run: CommandRun): Record<string, unknown> {
  return { ...(inputs as Record<string, unknown>), stdout: run.stdout, stderr: run.stderr };
}

function finish(
  t: OfflineTenant,
  config: Record<string, unknown>,
  program: Awaited<ReturnType<typeof runProgram>>,
  command: CommandInputs,
  run: CommandRun,
): Deployment {
  // Through JSON, as the CLI prints them.
  const outputs = JSON.parse(JSON.stringify(program.outputs)) as StackOutputValues;
  t.transcript.push({ what: "exchangeRecord output", text: JSON.stringify(outputs.exchangeRecord ?? null) });
  return {
    config,
    outputs,
    secretOutputs: program.secretOutputs,
    command,
    record: run.stdout,
    run,
    mock: program.mock,
  };
}

/** Outputs of resources Pulumi keeps when their inputs do not change (not re-created). */
const KEPT_OUTPUTS: StackOutputName[] = [
  "clientId",
  "servicePrincipalObjectId",
  "clientSecret",
  "clientSecretKeyId",
  "clientSecretExpiresAt",
  "nextRotationAt",
];
/** The Command environment's values that come from those kept resources. */
const KEPT_ENVIRONMENT = [DRIVER_ENV.appId, DRIVER_ENV.servicePrincipalObjectId];

/**
 * Step 4, `pulumi up` after a config change that leaves the Entra resources as they are
 * (mailboxes, per-mailbox protocols, sendAs): the program runs on a scratch copy of the state
 * (the mock would otherwise register a second application), the deployed ids are kept, and the
 * Command's update runs with the previous record in PULUMI_COMMAND_STDOUT.
 */
export async function update(
  t: OfflineTenant,
  previous: Deployment,
  config: Record<string, unknown>,
): Promise<Deployment> {
  const scratch = join(t.dir, `scratch-${randomBytes(4).toString("hex")}.json`);
  copyFileSync(t.statePath, scratch);
  let planned: CommandInputs | undefined;
  let name = "";
  const mock = new GraphRulesMock({
    statePath: scratch,
    // The program reads its own previous outputs (components/previousOutputs.ts).
    previousOutputs: previous.outputs as unknown as Record<string, unknown>,
    onResource: (args) => {
      if (args.type !== COMMAND_TYPE) return undefined;
      planned = commandInputs(args.inputs as Record<string, unknown>);
      name = args.name;
      return { id: `${args.name}-planned`, state: outputsOf(args.inputs, previous.run) };
    },
  });
  let program: Awaited<ReturnType<typeof runProgram>>;
  try {
    program = await runProgram({ config, mock });
  } finally {
    rmSync(scratch, { force: true });
  }
  if (!planned) throw new Error("Updating: the program declared no Command (connection manual?)");
  assertEntraUnchanged(previous.mock, mock);

  const command: CommandInputs = {
    ...planned,
    environment: { ...planned.environment },
  };
  for (const key of KEPT_ENVIRONMENT) command.environment[key] = previous.command.environment[key];
  // The engine runs `update` only when an input changed (no triggers: docs/pulumi-lifecycle.md).
  if (JSON.stringify(command) === JSON.stringify(previous.command))
    throw new Error("Updating: the config change leaves the Command's inputs as they are; nothing would run");
  const run = runCommand(t, command, "update", previous.run);
  if (run.code !== 0) throw commandFailed(name, run);
  for (const key of KEPT_OUTPUTS) Object.assign(program.outputs, { [key]: previous.outputs[key] });
  program.outputs.exchangeRecord = parseRecord(run.stdout) ?? undefined;
  return finish(t, config, program, command, run);
}

/** The Entra resources' inputs must match for the kept-ids emulation to be what Pulumi does. */
function assertEntraUnchanged(before: GraphRulesMock, after: GraphRulesMock): void {
  const entra = (m: GraphRulesMock) =>
    Object.values(TYPES).flatMap((type) =>
      m.ofType(type).map((r) => {
        const { startDate: _s, endDate: _e, ...inputs } = r.inputs;
        // Ids of resources created in the run differ by construction; compare what config drives
        // (appRoleId and resourceObjectId come from Microsoft's SP, the same in both states).
        const stable = Object.fromEntries(
          Object.entries(inputs).filter(
            ([k]) => !["clientId", "applicationId", "principalObjectId", "owners"].includes(k),
          ),
        );
        return JSON.stringify({ type, name: r.name, stable });
      }),
    );
  const a = entra(before);
  const b = entra(after);
  const changed = b.filter((x) => !a.includes(x));
  if (changed.length || a.length !== b.length)
    throw new Error(
      "Updating: the config change touches Entra resources, which the Graph-rules mock cannot update " +
        `(it models creation only): ${changed.join("; ") || "resources added or removed"}`,
    );
}

/**
 * The deployed Command's update once more with its own record (an idempotence probe: what
 * `pulumi up` would run after an input changed and changed back). Exchange must see no write.
 */
export function reapply(t: OfflineTenant, deployed: Deployment): CommandRun {
  const run = runCommand(t, deployed.command, "update", deployed.run);
  if (run.code !== 0) throw commandFailed("exchange-command", run);
  return run;
}

/** Step 5, `pulumi destroy`: the OLD delete string, OLD environment, previous record. */
export function destroy(t: OfflineTenant, deployed: Deployment): CommandRun {
  const run = runCommand(t, deployed.command, "delete", deployed.run);
  if (run.code !== 0) throw commandFailed("exchange-command", run);
  return run;
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
    (report?.logins ?? []).map((l) => [`${l.mailbox} ${l.protocol}`, l.ok ? "pass" : (l.cause?.id ?? "?")]),
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
