// The Exchange reconcile driver the Command runs:  npm run exchange -- <apply|remove|plan|runbook>
//   apply    observe → plan → apply the operations → re-read what was written → print the record
//   remove   revoke what the previous record says we granted, remove the service principal
//   plan     read-only: print what differs; exit 0 in sync, 2 drift, 1 error
//   runbook  print the PowerShell an admin would run by hand (no connection, no secrets)
// Desired state comes from the environment (env.ts); the previous record from
// PULUMI_COMMAND_STDOUT (or `--record <file>` for plan/runbook run by hand). stdout carries
// ONLY the record (apply/remove) or the report (plan/runbook); progress goes to stderr.
import { readFileSync } from "node:fs";
import {
  DRIVER_ENV,
  readDesiredState,
  readDriverEnvironment,
  toSessionSettings,
  type DriverSettings,
} from "./env";
import { isMailboxNotFound, observe, rephrase, toServicePrincipal, findServicePrincipal } from "./observe";
import {
  describeOperation,
  plan,
  toCmdlet,
  type DesiredState,
  type ManagedState,
  type ObservedState,
  type Operation,
  type Plan,
} from "./plan";
import { formatRecord, parseRecord } from "./record";
import { renderRunbook } from "./runbook";
import {
  ExchangeCmdletError,
  openExchangeSession,
  retryBaseFromEnv,
  RETRY_BASE_ENV,
  type ExchangeSession,
  type SessionCounters,
} from "./session";

export const EXIT = { ok: 0, error: 1, drift: 2 } as const;

export interface DriverIO {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface DriverRun {
  code: number;
  /** Cmdlet counters of the run's session, when one was opened. */
  counters?: SessionCounters;
}

const USAGE = `usage: npm run exchange -- <apply|remove|plan|runbook> [--record <file>] [--json]
  apply    reconcile Exchange with the desired state; prints the record of what it manages
  remove   revoke what the previous record lists, remove the service principal
  plan     read-only diff; exit 0 in sync, 2 drift, 1 error
  runbook  the PowerShell an admin would run by hand
Desired state and connection: environment variables, see scripts/exchange-driver/env.ts.`;

export async function runDriver(argv: string[], io: DriverIO): Promise<DriverRun> {
  const [command, ...rest] = argv;
  const log = (line: string) => io.stderr(`exo-oauth exchange: ${line}\n`);
  if (command === "--help" || command === "-h" || command === "help") {
    io.stdout(`${USAGE}\n`);
    return { code: EXIT.ok };
  }
  let session: ExchangeSession | undefined;
  try {
    const flags = parseFlags(rest);
    const record =
      flags.record !== undefined
        ? parseRecord(readRecordFile(flags.record), `--record ${flags.record}`)
        : parseRecord(io.env[DRIVER_ENV.previousStdout]);
    switch (command) {
      case "runbook": {
        const desired = readDesiredState(io.env);
        const organization = io.env[DRIVER_ENV.organization]?.trim() || "<tenant>.onmicrosoft.com";
        io.stdout(renderRunbook(desired, { organization, revoke: record?.mailboxes }));
        return { code: EXIT.ok };
      }
      case "apply":
      case "remove":
      case "plan": {
        const settings = readDriverEnvironment(io.env);
        session = await openExchangeSession({
          settings: toSessionSettings(settings),
          env: io.env,
          onEvent: (e) => {
            if (e.type === "connected") log(`connected to ${e.organization} in ${e.ms} ms`);
            if (e.type === "retry")
              log(
                `${e.cmdlet}${e.target ? ` on ${e.target}` : ""}: transient error, attempt ${e.attempt + 1} in ${e.delayMs} ms (${e.message})`,
              );
          },
        });
        const code =
          command === "apply"
            ? await apply(session, settings, record, io, log)
            : command === "remove"
              ? await remove(session, settings, record, io, log)
              : await drift(session, settings, record, io, flags.json);
        const counters = session.counters();
        await session.close();
        session = undefined;
        log(`done: ${summarize(counters)}`);
        return { code, counters };
      }
      default:
        io.stderr(`${command ? `unknown command ${JSON.stringify(command)}\n` : ""}${USAGE}\n`);
        return { code: EXIT.error };
    }
  } catch (err) {
    const counters = session?.counters();
    await session?.close().catch(() => undefined);
    io.stderr(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return { code: EXIT.error, counters };
  }
}

function readRecordFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      `Reading the record from --record ${file}: ${e.code ?? e.message} (write it with: pulumi stack output exchangeRecord --json > ${file})`,
    );
  }
}

function parseFlags(args: string[]): { record?: string; json: boolean } {
  const out: { record?: string; json: boolean } = { json: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--record" && args[i + 1]) out.record = args[++i];
    else if (args[i] === "--json") out.json = true;
    else throw new Error(`Unknown argument ${JSON.stringify(args[i])}\n${USAGE}`);
  }
  return out;
}

/** Which mailboxes observe must read, and where SendAs matters. */
function observeRequest(desired: DesiredState | null, appId: string, record: ManagedState | null) {
  const mailboxes: string[] = [];
  const sendAs = new Set<string>();
  const required = new Set<string>();
  for (const m of desired?.mailboxes ?? []) {
    mailboxes.push(m.address);
    required.add(m.address);
    if (m.sendAs) sendAs.add(m.address);
  }
  for (const m of record?.mailboxes ?? []) {
    if (!mailboxes.includes(m.address)) mailboxes.push(m.address);
    if (m.sendAs) sendAs.add(m.address);
  }
  return { appId, mailboxes, sendAs, required };
}

/** One run of a changing command (apply, remove): returns the exit code, prints the new record on stdout. */
type ChangeRun = (
  session: ExchangeSession,
  settings: DriverSettings,
  previous: ManagedState | null,
  io: DriverIO,
  log: (l: string) => void,
) => Promise<number>;

/** The record only speaks for the application it was written for. */
function recordFor(
  record: ManagedState | null,
  appId: string,
  log: (l: string) => void,
): ManagedState | null {
  if (record && record.appId.toLowerCase() !== appId.toLowerCase()) {
    log(`the previous record is for AppId ${record.appId}, not ${appId}: ignored`);
    return null;
  }
  return record;
}

/** Reads of what a run wrote before a difference is an error (delays: base × 1, 2, 4 → ~14 s by default). */
const VERIFY_ATTEMPTS = 4;

const apply: ChangeRun = async (session, s, previous, io, log) => {
  const desired = s.desired;
  const record = recordFor(previous, desired.appId, log);
  const observed = await observe(session, observeRequest(desired, desired.appId, record));
  const p = plan(desired, observed, record);
  report(p, log);
  const sp = await execute(session, p.operations, desired, observed, log);
  if (sp === null)
    throw new Error(
      `Registering service principal ${desired.servicePrincipalObjectId}: Exchange shows none after the run`,
    );

  // Re-read what was written — only the mailboxes touched — and check nothing is left to do.
  // Planning again against the OLD record also checks the revocations took. Exchange Online is
  // eventually consistent (a read can reach a replica the write has not yet), so a difference
  // is read again with backoff a few times before it counts as a failure.
  if (p.operations.length) {
    const touched = new Set(p.operations.flatMap((o) => ("mailbox" in o ? [o.mailbox] : [])));
    const only = <T extends { address: string }>(xs: T[]) => xs.filter((m) => touched.has(m.address));
    const desiredTouched = { ...desired, mailboxes: only(desired.mailboxes) };
    const recordTouched = record ? { ...record, mailboxes: only(record.mailboxes) } : null;
    const baseDelayMs = retryBaseFromEnv(io.env[RETRY_BASE_ENV]) ?? 2000;
    for (let attempt = 1; ; attempt++) {
      const after = await observe(session, observeRequest(desiredTouched, desired.appId, recordTouched), {
        appId: desired.appId,
        ...sp,
      });
      const left = plan(desiredTouched, after, recordTouched);
      if (!left.operations.length) break;
      const pending = left.operations.map((o) => describeOperation(o, sp.objectId)).join("; ");
      if (attempt >= VERIFY_ATTEMPTS)
        throw new Error(
          `Verifying the changes: Exchange still needs ${pending} after they succeeded (read ${attempt} times)`,
        );
      const delayMs = baseDelayMs * 2 ** (attempt - 1);
      log(`verifying: Exchange does not show ${pending} yet; reading again in ${delayMs} ms`);
      await new Promise((r) => setTimeout(r, delayMs));
    }
    log(`verified ${touched.size} mailbox(es) after ${p.operations.length} change(s)`);
  }
  io.stdout(formatRecord(recordOf(desired, sp)) + "\n");
  return EXIT.ok;
};

function recordOf(
  desired: DesiredState,
  sp: { objectId: string; sid: string; displayName: string },
): ManagedState {
  return {
    appId: desired.appId,
    servicePrincipal: { objectId: sp.objectId, sid: sp.sid, displayName: sp.displayName },
    mailboxes: desired.mailboxes.map((m) => ({ address: m.address, fullAccess: true, sendAs: m.sendAs })),
  };
}

const remove: ChangeRun = async (session, s, previous, io, log) => {
  const desired = s.desired;
  let record = recordFor(previous, desired.appId, log);
  if (record === null) {
    // No record (its stdout was lost): the Command's old environment says what the last
    // successful run was asked to grant, which is what it recorded.
    log(`no previous record: revoking what the environment lists (${desired.mailboxes.length} mailbox(es))`);
    record = {
      ...recordOf(desired, {
        objectId: desired.servicePrincipalObjectId,
        sid: "",
        displayName: desired.displayName,
      }),
    };
  }
  const observed = await observe(session, {
    ...observeRequest(null, desired.appId, record),
    required: new Set(),
  });
  const p = plan(null, observed, record, desired);
  report(p, log);
  await execute(session, p.operations, desired, observed, log);
  const after = await findServicePrincipal(session, desired.appId);
  if (after !== null && p.operations.some((o) => o.kind === "Remove-ServicePrincipal"))
    throw new Error(
      `Removing service principal ${after.objectId} from Exchange: it is still there after Remove-ServicePrincipal`,
    );
  io.stdout(formatRecord({ appId: desired.appId, servicePrincipal: null, mailboxes: [] }) + "\n");
  return EXIT.ok;
};

async function drift(
  session: ExchangeSession,
  s: DriverSettings,
  previous: ManagedState | null,
  io: DriverIO,
  json: boolean,
): Promise<number> {
  const desired = s.desired;
  const record = recordFor(previous, desired.appId, () => undefined);
  const observed = await observe(session, observeRequest(desired, desired.appId, record));
  const p = plan(desired, observed, record);
  const principal = observed.servicePrincipal?.objectId ?? desired.servicePrincipalObjectId;
  if (json) {
    io.stdout(
      JSON.stringify({ inSync: p.operations.length === 0, operations: p.operations, notices: p.notices }) +
        "\n",
    );
  } else if (p.operations.length === 0) {
    io.stdout(
      `In sync: service principal ${principal} and ${desired.mailboxes.length} mailbox(es) match the config.\n`,
    );
  } else {
    io.stdout(`Drift: ${p.operations.length} change(s) would be made:\n`);
    for (const op of p.operations) io.stdout(`  ${sign(op)} ${describeOperation(op, principal)}\n`);
  }
  for (const n of p.notices) io.stderr(`${n.level}: ${n.message}\n`);
  return p.operations.length === 0 ? EXIT.ok : EXIT.drift;
}

function sign(op: Operation): string {
  return op.kind.startsWith("Remove-") ? "-" : "+";
}

function report(p: Plan, log: (l: string) => void) {
  for (const n of p.notices) log(`${n.level}: ${n.message}`);
  log(p.operations.length === 0 ? "in sync: nothing to change" : `${p.operations.length} change(s) to make`);
}

/**
 * Runs the operations in order. Exchange's benign answers are accepted: a grant already
 * present or a revoke of an absent grant are warnings (contract "Warnings"); a principal that
 * already exists (another run won the race) is read back; one already gone is gone.
 * Returns the service principal as it stands afterwards.
 */
async function execute(
  session: ExchangeSession,
  ops: Operation[],
  desired: DesiredState,
  observed: ObservedState,
  log: (l: string) => void,
): Promise<{ objectId: string; sid: string; displayName: string } | null> {
  let sp = observed.servicePrincipal;
  const principal = () => `${desired.displayName} (${desired.servicePrincipalObjectId})`;
  for (const op of ops) {
    const what = describeOperation(op, principal());
    const { cmdlet, params } = toCmdlet(op);
    log(`${sign(op)} ${what}`);
    try {
      const { result } = await session.invoke(cmdlet, params, {
        target: "mailbox" in op ? op.mailbox : undefined,
      });
      if (op.kind === "New-ServicePrincipal") {
        sp = result[0] ? toServicePrincipal(result[0]) : await findServicePrincipal(session, desired.appId);
      } else if (op.kind === "Remove-ServicePrincipal") {
        sp = null;
      }
    } catch (err) {
      if (err instanceof ExchangeCmdletError) {
        if (op.kind === "New-ServicePrincipal" && err.kind === "alreadyExists") {
          sp = await findServicePrincipal(session, desired.appId);
          if (sp && sp.objectId.toLowerCase() === desired.servicePrincipalObjectId.toLowerCase()) continue;
        }
        if (op.kind === "Remove-ServicePrincipal" && err.kind === "notFound") {
          sp = null;
          continue;
        }
        if (op.kind.startsWith("Remove-") && "mailbox" in op && isMailboxNotFound(err, op.mailbox)) continue;
      }
      throw rephrase(err, what);
    }
  }
  return sp;
}

function summarize(c: SessionCounters): string {
  const kinds = Object.entries(c.cmdlets)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return `${c.sessions} session, ${kinds}${c.retries ? `, ${c.retries} retries` : ""}`;
}

/** Runs the driver on this process's argv and environment; sets the exit code. */
export function main(): void {
  runDriver(process.argv.slice(2), {
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  }).then(
    ({ code }) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.error;
    },
  );
}

if (require.main === module) main();
