// The Exchange reconcile driver's command line:  npm run exchange -- <apply|remove|plan|runbook>
//   apply    reconcile Exchange with the desired state → print the record
//   remove   revoke what the previous record says we granted, remove the service principal
//   plan     read-only: print what differs; exit 0 in sync, 2 drift (scripts/cli/exit-codes.ts)
//   runbook  print the PowerShell an admin would run by hand (no connection, no secrets)
// Only arguments, output and exit codes live here (the kit: scripts/cli/); the engine is
// reconcile.ts. Desired state and connection come from the environment
// (components/exchange-step/codec.ts), or from a stack with --stack (./stack-source.ts); the
// previous record from PULUMI_COMMAND_STDOUT, the stack, or `--record <file>`. stdout carries ONLY
// the record (apply/remove), the report (plan/runbook) or the --json document; progress goes to
// stderr, every line escaped (components/printable.ts): a display name or an Exchange message
// can never forge a line.
import { readFileSync } from "node:fs";
import {
  DriverEnvironmentError,
  decodeDesiredState,
  decodeDriverEnvironment,
} from "../../components/exchange-step/codec";
import { DRIVER_ENV, MAILBOXES_ON_STDIN } from "../../components/exchange-step/environment";
import { boundedLog, type BoundedLog } from "./stderr-budget";
import {
  parseRecord,
  recordLeavesOutBlocked,
  serializeRecord,
  toRecord,
  type ManagedRecord,
} from "../../components/exchange-step/record";
import { renderRunbook } from "../../components/exchange-step/runbook";
import type { DesiredState, ManagedState } from "../../components/exchange-step/state";
import { printable } from "../../components/printable";
import { flagValue, stringValue } from "../cli/args";
import { InputError } from "../cli/errors";
import { EXIT } from "../cli/exit-codes";
import { processIO, runTool, type Invocation, type Outcome, type ToolIO } from "../cli/run";
import { runPulumi as realPulumi, type RunPulumi } from "../cli/pulumi";
import { paint, type Terminal } from "../cli/terminal";
import { RETRY_BASE_ENV, retryBaseFromEnv, startRunBudget, type Clock } from "./budget";
import { DRIVER_SCHEMAS, DRIVER_SPEC, INVOCATION, type DriverCommand } from "./cli-spec";
import { sign } from "./execute";
import { planLine, type Operation } from "./plan";
import { count } from "../cli/words";
import { describeBlocked } from "./switches";
import { applyDesiredState, planDrift, removeManagedState, type Drift, type ReconcileRun } from "./reconcile";
import { openExchangeSession, type ExchangeSession, type SessionCounters } from "./session";
import { readStackSource } from "./stack-source";
import { scanLines, scanMailboxes, type ScanReport } from "./scan";
import { unprovenRemoval } from "./unproven-removal";
import { summaryLine, type RunSummary } from "./summary";
import { retryLines } from "./wait-lines";

/** The exit codes, from the one table (scripts/cli/exit-codes.ts). */
export { EXIT };

export interface DriverIO {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The run's clock (default the system's); tests give a virtual one so waits cost nothing. */
  clock?: Clock;
  /** What each stream shows (default: a pipe). */
  terminals?: ToolIO["terminals"];
  /** The pulumi CLI for --stack (default: `pulumi` on PATH). */
  runPulumi?: RunPulumi;
  /** startedAt/finishedAt of --json documents (default the system's clock). */
  now?: () => Date;
  /** The whole of standard input (read only when EXO_OAUTH_MAILBOXES is `stdin`). Default: none. */
  readStdin?: () => Promise<string>;
}

export interface DriverRun {
  code: number;
  /** Cmdlet counters of the run's session, when one was opened. */
  counters?: SessionCounters;
}

/**
 * Printed when an `apply` with no previous record fails: under Pulumi that is the Command's CREATE,
 * and a failed create stores no Command (docs/pulumi-lifecycle.md, "@pulumi/command 1.2.1"), so
 * neither `pulumi destroy` nor switching to manual runs a removal (docs/operations.md, "A failed first
 * Exchange step").
 */
export const FAILED_CREATE_ADVICE =
  "This was the Exchange step's first run for this stack (no previous record): Pulumi stores nothing for a " +
  "failed create, so `pulumi destroy` (or switching to connection manual) will NOT revoke what this run " +
  "granted before it failed. The next `pulumi up` retries and adopts those grants. To revoke them instead, " +
  "run from this checkout:\n  npm run exchange -- remove --stack <stack>\n(the stack `pulumi up` ran for; " +
  "it reads the stack's config and outputs, the environment this run had).\n";

/** Parses `argv`, runs the command, prints; never throws (errors are printed and mapped to exit codes). */
export async function runDriver(argv: string[], io: DriverIO): Promise<DriverRun> {
  const state: { counters?: SessionCounters } = {};
  const code = await runTool(
    {
      spec: DRIVER_SPEC,
      schema: (c) => DRIVER_SCHEMAS[(c as DriverCommand) ?? "none"] ?? DRIVER_SCHEMAS.none,
    },
    argv,
    { env: io.env, stdout: io.stdout, stderr: io.stderr, terminals: io.terminals, now: io.now },
    (inv) => run(inv, io, state),
  );
  return { code, ...(state.counters ? { counters: state.counters } : {}) };
}

async function run(inv: Invocation, io: DriverIO, state: { counters?: SessionCounters }): Promise<Outcome> {
  const command = inv.command as DriverCommand;
  // Bounded: the Command keeps stderr and hands it back in one environment variable (stderr-budget.ts).
  const line = (l: string) => `exo-oauth exchange: ${printable(inv.redact(l))}\n`;
  const log = boundedLog((l) => io.stderr(line(l)), line);
  const stack = stringValue(inv.values, "stack");
  const recordFile = stringValue(inv.values, "record");

  // Where the desired state, the connection and the previous record come from.
  let env: NodeJS.ProcessEnv = io.env;
  let previous: ManagedRecord | null = null;
  let fromStack: Awaited<ReturnType<typeof readStackSource>> | undefined;
  if (stack !== undefined) {
    fromStack = await readStackSource(stack, {
      runPulumi: io.runPulumi ?? realPulumi,
      env: io.env,
      needsConnection: command !== "runbook",
    });
    for (const s of fromStack.secrets) inv.redact.add(s);
    for (const n of fromStack.notices) log(`note: ${n}`);
    env = fromStack.env;
    previous = fromStack.previous;
  }
  // The Command hands the mailbox list on stdin (environment.ts MAILBOXES_ON_STDIN): no env cap.
  // Only the decoder sees the list; PowerShell's environment never carries it (it would hit the cap).
  let decodeFrom = env;
  if (env[DRIVER_ENV.mailboxes]?.trim() === MAILBOXES_ON_STDIN) {
    if (!io.readStdin)
      throw new InputError(`${DRIVER_ENV.mailboxes}=${MAILBOXES_ON_STDIN}, but no standard input was given`);
    decodeFrom = { ...env, [DRIVER_ENV.mailboxes]: await io.readStdin() };
  }
  if (recordFile !== undefined) previous = readRecordFile(recordFile);
  else if (stack === undefined) previous = inputs(() => parseRecord(io.env[DRIVER_ENV.previousStdout]));

  if (command === "runbook") {
    const desired = fromStack?.desired ?? inputs(() => decodeDesiredState(decodeFrom));
    const organization =
      fromStack?.organization ?? (env[DRIVER_ENV.organization]?.trim() || "<tenant>.onmicrosoft.com");
    // Values go in as they are: renderRunbook refuses what the stack config refuses (control and
    // invisible characters, look-alikes) and quotes the rest exactly; escaping them here would
    // change the mailbox the runbook names (docs/security.md, "The runbook").
    const runbook = inputs(() => renderRunbook(desired, { organization, revoke: previous?.mailboxes }));
    if (inv.json) return { exitCode: EXIT.ok, body: { runbook } };
    io.stdout(runbook);
    return { exitCode: EXIT.ok };
  }

  const settings = inputs(() => decodeDriverEnvironment(decodeFrom));
  if (command === "remove" && previous === null && stack === undefined && recordFile === undefined)
    unprovenRemoval(settings.desired, env, flagValue(inv.values, "force-without-record"), log);
  // ONE budget for the whole run: the session's retries and the read-after-write checks.
  const budget = startRunBudget({
    deadlineSeconds: settings.connection.retryDeadlineSeconds,
    clock: io.clock,
    baseDelayMs: retryBaseFromEnv(io.env[RETRY_BASE_ENV]),
  });
  let session: ExchangeSession | undefined;
  const retried = retryLines(log);
  try {
    session = await openExchangeSession({
      settings: settings.connection,
      // PowerShell needs neither the mailbox list nor the record: without them its environment
      // stays far below Linux's 128 KiB per string, whatever the number of mailboxes.
      env: { ...env, [DRIVER_ENV.mailboxes]: undefined, [DRIVER_ENV.previousStdout]: undefined },
      budget,
      onEvent: (e) => {
        if (e.type === "spawned") {
          log(`running PowerShell ${e.pwsh}`);
          for (const p of e.shadowed)
            log(`warning: NOT running ${p}: a node_modules/.bin outside this project is never searched`);
        }
        if (e.type === "connected") log(`connected to ${e.organization} in ${e.ms} ms`);
        if (e.type === "retry") retried(e);
      },
    });
    // By hand (--stack, --record) apply repairs drift, so it reads everything, as plan does; as the
    // Command's update (the record from PULUMI_COMMAND_STDOUT) only what changed (reconcile.ts).
    const full = inv.values.full === true || stack !== undefined || recordFile !== undefined;
    let summary: RunSummary | undefined;
    const reconcile: ReconcileRun = {
      session,
      settings,
      previous,
      budget,
      log,
      full,
      onSummary: (s) => (summary = s),
    };
    let outcome: Outcome;
    if (command === "plan") {
      const drift = await planDrift(reconcile);
      const scan =
        inv.values.scan === true
          ? await scanMailboxes(session, drift.observedPrincipal, settings.desired, drift.record, {
              clock: budget.clock,
              log,
            })
          : undefined;
      outcome = planOutcome(drift, settings.desired, inv, io, scan);
    } else {
      const done =
        command === "apply" ? await applyDesiredState(reconcile) : await removeManagedState(reconcile);
      outcome = recordOutcome(done, inv, io, log);
    }
    state.counters = session.counters();
    await session.close();
    session = undefined;
    log.essential(`done: ${summarize(state.counters)}`);
    // The human summary, last: what changed, the wall time on the run's clock, what it cost.
    if (summary) log.essential(summaryLine(summary, budget.elapsedMs(), state.counters));
    return inv.json ? { ...outcome, body: { ...outcome.body, counters: state.counters } } : outcome;
  } catch (err) {
    // No previous record under the Command = its CREATE: what it granted before failing is in no state.
    if (command === "apply" && previous === null && stack === undefined && recordFile === undefined)
      io.stderr(FAILED_CREATE_ADVICE);
    throw err;
  } finally {
    if (session) {
      state.counters = session.counters();
      await session.close().catch(() => undefined);
    }
  }
}

/** Runs a decoder; its problems are the inputs' (exit 78), each naming the variable. */
function inputs<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DriverEnvironmentError)
      throw new InputError([
        `The Exchange driver's environment is incomplete (the variables: \`${INVOCATION} apply --help\`; or use --stack <name>):`,
        ...err.problems,
      ]);
    throw new InputError((err as Error).message);
  }
}

function readRecordFile(file: string): ManagedRecord | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError(
      `Reading the record from --record ${printable(file)}: ${e.code ?? e.message} (write it with: pulumi stack output exchangeRecord --json > ${printable(file)}; or use --stack <name>)`,
    );
  }
  return inputs(() => parseRecord(text, `--record ${printable(file)}`));
}

/** apply/remove: the record on stdout (the Command keeps it), or in the --json document. */
function recordOutcome(done: ManagedState, inv: Invocation, io: DriverIO, log: BoundedLog): Outcome {
  if (inv.json) return { exitCode: EXIT.ok, body: { record: toRecord(done) } };
  // One JSON line: plain with C1/bidi characters as \u escapes, or compact when large (record.ts).
  const line = serializeRecord(done);
  if (recordLeavesOutBlocked(done, line))
    log.essential(
      `note: the record leaves out the ${done.blocked!.length} switched-off protocols warned about above: with them it would not ` +
        `fit the one environment variable (PULUMI_COMMAND_STDOUT) the next update gets it back in; verify still tries every login and reports the ones that fail`,
    );
  io.stdout(line + "\n");
  return { exitCode: EXIT.ok };
}

/**
 * How many grants the plan adds, removes and leaves unchanged: the desired items are the principal's
 * registration and each mailbox's FullAccess (and SendAs where asked); those not added are unchanged.
 */
export function planCounts(operations: readonly Operation[], desired: DesiredState) {
  const add = operations.filter(
    (op) => op.kind.startsWith("Add-") || op.kind === "New-ServicePrincipal",
  ).length;
  const remove = operations.length - add;
  const wanted = 1 + desired.mailboxes.reduce((n, m) => n + 1 + (m.sendAs ? 1 : 0), 0);
  return { add, remove, unchanged: Math.max(0, wanted - add) };
}

/**
 * The plan report on stdout (as `pulumi preview` reads: imperative lines with names and ids, then
 * "Plan: 2 to add, 1 to remove, 3 unchanged."), notices on stderr; in sync (0), changes (2) or
 * blocked (3). A principal Exchange does not know yet is a first deploy, not drift.
 */
function planOutcome(
  d: Drift,
  desired: DesiredState,
  inv: Invocation,
  io: DriverIO,
  scan?: ScanReport,
): Outcome {
  // A blocked protocol needs a person (apply cannot change a switch): it outranks drift. What
  // --scan finds are notices: they never change the exit code.
  const exitCode = d.blocked.length ? EXIT.blocked : d.operations.length === 0 ? EXIT.ok : EXIT.changes;
  const notices = [...d.notices, ...(scan?.notices ?? [])];
  for (const n of notices) io.stderr(`${n.level}: ${printable(n.message)}\n`);
  const counts = planCounts(d.operations, desired);
  if (inv.json)
    return {
      exitCode,
      body: {
        inSync: d.operations.length === 0,
        principal: d.principal,
        operations: d.operations,
        counts,
        notices,
        blocked: d.blocked,
        ...(scan
          ? { scan: { mailboxes: scan.mailboxes, cmdlets: scan.cmdlets, holdings: scan.holdings } }
          : {}),
      },
    };
  const t: Terminal = inv.terminals.stdout;
  const principal = { displayName: desired.displayName, objectId: d.principal };
  if (d.operations.length === 0)
    io.stdout(
      `In sync: service principal ${printable(desired.displayName)} (${printable(d.principal)}) and ${count(desired.mailboxes.length, "mailbox", "mailboxes")} match the config.\n`,
    );
  else {
    const firstDeploy = d.operations.some((op) => op.kind === "New-ServicePrincipal");
    const changes = count(d.operations.length, "change");
    io.stdout(
      firstDeploy
        ? `Not set up in Exchange yet: apply would make ${changes}:\n`
        : `Drift: Exchange differs from the config; apply would make ${changes}:\n`,
    );
    for (const op of d.operations)
      io.stdout(`  ${colourSign(t, sign(op))} ${printable(planLine(op, principal))}\n`);
  }
  io.stdout(`Plan: ${counts.add} to add, ${counts.remove} to remove, ${counts.unchanged} unchanged.\n`);
  if (d.blocked.length) {
    io.stdout(`Blocked: ${count(d.blocked.length, "configured protocol")}:\n`);
    for (const b of d.blocked) io.stdout(`  ${paint(t, "red", "!")} ${printable(describeBlocked(b))}\n`);
  }
  if (scan) for (const line of scanLines(scan, principal)) io.stdout(`${printable(line)}\n`);
  return { exitCode };
}

/** + green, - red, anything else yellow, on a terminal that shows colour. */
const colourSign = (t: Terminal, s: string) =>
  paint(t, s === "+" ? "green" : s === "-" ? "red" : "yellow", s);

function summarize(c: SessionCounters): string {
  const kinds = Object.entries(c.cmdlets)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return `${c.sessions} session, ${kinds}${c.retries ? `, ${c.retries} retries` : ""}`;
}

/** This process's standard input, to its end, as UTF-8 text. */
async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Runs the driver on this process's argv and environment; sets the exit code. */
export function main(): void {
  const io = processIO();
  runDriver(process.argv.slice(2), { ...io, env: process.env, readStdin: readProcessStdin }).then(
    ({ code }) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Error: ${printable(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = EXIT.error;
    },
  );
}

if (require.main === module) main();
