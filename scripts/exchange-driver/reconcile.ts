// The reconcile engine (docs/exchange-step.md): what `apply`, `remove` and `plan` do over one
// Exchange session, apart from the command line (cli.ts: arguments, output, exit codes).
//   apply   observe → plan → execute → read back until Exchange shows it (consistency.ts) → the new record
//   remove  revoke what the previous record says we granted, remove the service principal → the empty record
//   drift   read-only: what apply would change
import type { DriverSettings } from "../../components/exchange-step/codec";
import type { BlockedProtocol, DesiredState, ManagedState } from "../../components/exchange-step/state";
import type { RunBudget } from "./budget";
import { CONFIRMING_READS, waitForConsistency, type Reading } from "./consistency";
import { SP_LAG_PATIENCE_MS, execute, principalName, shortfall } from "./execute";
import { findServicePrincipal, observe, type ObserveRequest } from "./observe";
import {
  describeOperation,
  plan,
  type Notice,
  type ObservedServicePrincipal,
  type ObservedState,
  type Operation,
  type Plan,
} from "./plan";
import { keepDesiredGrants, trustedRecord } from "./record-guard";
import type { ExchangeSession } from "./session";
import { count, duration } from "../cli/words";
import { progressOn, type TrackProgress } from "../cli/progress";
import { summarizeRun, type RunSummary } from "./summary";
import { budgetLeft, someOf } from "./wait-lines";
import { normaliseAddress } from "../../components/identifiers";
import { describeBlocked, readBlockedProtocols } from "./switches";

/** One run of the engine. */
export interface ReconcileRun {
  session: ExchangeSession;
  settings: DriverSettings;
  /** The previous record (PULUMI_COMMAND_STDOUT, or --record by hand); null = none. */
  previous: ManagedState | null;
  /** The run's one time budget, the session's too. */
  budget: RunBudget;
  /** Progress for people (stderr). */
  log: (line: string) => void;
  /**
   * apply only: read every desired and recorded mailbox (`apply --full`), not only what changed
   * since the record. Default false; without a record every mailbox is read anyway.
   */
  full?: boolean;
  /** apply/remove: what the run changed, once done (./summary.ts), for the closing line. */
  onSummary?: (summary: RunSummary) => void;
}

/** Progress of the run's long loops (scripts/cli/progress.ts), on its clock, to its log. */
function track(run: ReconcileRun): TrackProgress {
  return progressOn(run.budget.clock, run.log);
}

/** Which mailboxes observe must read, and where SendAs matters. */
function observeRequest(
  desired: DesiredState | null,
  appId: string,
  record: ManagedState | null,
): ObserveRequest {
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

/** The record only speaks for the application and the principal it was written for (./record-guard.ts). */
function recordFor(
  record: ManagedState | null,
  desired: DesiredState,
  log: (l: string) => void,
): ManagedState | null {
  return trustedRecord(record, desired, log);
}

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

function report(p: Plan, log: (l: string) => void) {
  for (const n of p.notices) log(`${n.level}: ${n.message}`);
  log(
    p.operations.length === 0
      ? "in sync: nothing to change"
      : `${count(p.operations.length, "change")} to make`,
  );
}

/** Brings Exchange to the desired state; returns the record of what the stack now manages. */
export async function applyDesiredState(run: ReconcileRun): Promise<ManagedState> {
  const { session, log } = run;
  const desired = run.settings.desired;
  const record = recordFor(run.previous, desired, log);
  const scope = await updateScope(run, record);
  const { observed } = scope;
  // A desired grant is never revoked, whatever the record says (./record-guard.ts): checked against
  // the whole config, not only the mailboxes an update reads.
  const guarded = await keepDesiredGrants(
    session,
    plan(scope.desired, observed, scope.record),
    desired,
    scope.record,
    log,
  );
  const p = guarded.plan;
  report(p, log);
  const done = await execute(session, p.operations, desired, observed.servicePrincipal, log, {
    spLagPatienceMs: spLagPatience(record, desired),
    track: track(run),
  });
  let sp = done.servicePrincipal;
  if (p.operations.length)
    sp = await verifyApplied(run, p.operations, guarded.record, sp, done.answersShowWrites);
  if (sp === null)
    throw new Error(
      `Registering service principal ${desired.servicePrincipalObjectId}: Exchange shows none after the run`,
    );
  // Read only: apply warns, the record lists them (verify reads them), plan exits 3 (switches.ts).
  // An update reads the switches of what it touched; the others keep what the record says.
  const read = await readBlockedProtocols(session, scope.desired.mailboxes, track(run));
  const readSet = new Set(scope.desired.mailboxes.map((m) => m.address));
  const wanted = new Set(desired.mailboxes.map((m) => m.address));
  const blocked = [
    ...(record?.blocked ?? []).filter((b) => !readSet.has(b.mailbox) && wanted.has(b.mailbox)),
    ...read,
  ];
  for (const b of read) log(`warning: ${describeBlocked(b)}`);
  run.onSummary?.(
    summarizeRun(
      "apply",
      p.operations,
      desired.mailboxes.map((m) => m.address),
    ),
  );
  return { ...recordOf(desired, sp), ...(blocked.length ? { blocked } : {}) };
}

/**
 * What apply reads and plans over (docs/exchange-step.md, "What an update reads"). The Command's
 * update runs only when its config changed, and the record says what the last successful run left:
 * so an update reads the service principal and only the mailboxes whose desired state differs from
 * the record (added, removed, SendAs changed). A killed run prints no record, so what it did is
 * still a difference from the record and is read again. Everything is read when there is no record
 * (the create), with `apply --full`, or when Exchange's principal is not the one the record names
 * (its grants name it by SID, so every mailbox must be looked at).
 */
async function updateScope(
  run: ReconcileRun,
  record: ManagedState | null,
): Promise<{ desired: DesiredState; record: ManagedState | null; observed: ObservedState }> {
  const { session, log } = run;
  const desired = run.settings.desired;
  const fullRead = async () => ({
    desired,
    record,
    observed: await observe(session, observeRequest(desired, desired.appId, record), undefined, track(run)),
  });
  if (record === null || run.full) return fullRead();
  const changed = changedSince(desired, record);
  const sp = await findServicePrincipal(session, desired.appId);
  const recorded = record.servicePrincipal;
  const sameSp =
    sp !== null &&
    recorded !== null &&
    sp.objectId.toLowerCase() === recorded.objectId.toLowerCase() &&
    (sp.sid === "" || recorded.sid === "" || sp.sid.toLowerCase() === recorded.sid.toLowerCase());
  if (sp === null) return { desired, record, observed: { servicePrincipal: null, mailboxes: {} } };
  if (!sameSp) {
    log("Exchange's service principal is not the one the record names: reading every mailbox");
    return {
      desired,
      record,
      observed: await observe(session, observeRequest(desired, desired.appId, record), sp, track(run)),
    };
  }
  const only = <T extends { address: string }>(xs: T[]) => xs.filter((m) => changed.has(m.address));
  const desiredChanged = { ...desired, mailboxes: only(desired.mailboxes) };
  const recordChanged = { ...record, mailboxes: only(record.mailboxes) };
  log(
    `update: ${changed.size} of ${new Set([...desired.mailboxes, ...record.mailboxes].map((m) => m.address)).size} mailboxes differ from the record; reading only those (apply --full reads all)`,
  );
  const observed = await observe(
    session,
    observeRequest(desiredChanged, desired.appId, recordChanged),
    sp,
    track(run),
  );
  return { desired: desiredChanged, record: recordChanged, observed };
}

/** Addresses whose desired grants differ from what the record lists (added, removed, SendAs changed). */
export function changedSince(desired: DesiredState, record: ManagedState): Set<string> {
  const recorded = new Map(record.mailboxes.map((m) => [normaliseAddress(m.address), m]));
  const changed = new Set<string>();
  const wanted = new Set<string>();
  for (const m of desired.mailboxes) {
    const address = normaliseAddress(m.address);
    wanted.add(address);
    const r = recorded.get(address);
    if (!r || !r.fullAccess || r.sendAs !== m.sendAs) changed.add(address);
  }
  for (const address of recorded.keys()) if (!wanted.has(address)) changed.add(address);
  return changed;
}

/** Whether this stack may have just created the Entra principal (execute.ts SP_LAG_PATIENCE_MS). */
function spLagPatience(record: ManagedState | null, desired: DesiredState): number {
  const known =
    record?.servicePrincipal?.objectId.toLowerCase() === desired.servicePrincipalObjectId.toLowerCase();
  return known ? SP_LAG_PATIENCE_MS.knownPrincipal : SP_LAG_PATIENCE_MS.newPrincipal;
}

/**
 * Reads back what was written — only the mailboxes touched — until Exchange shows nothing left
 * to do. Planning again against the OLD record also checks the revocations took. When every
 * write's own answer showed what it wrote (`answersShowWrites`, execute.ts answerShowsWrite),
 * those answers are the first agreeing read: a first apply then costs 2N + 2 cmdlets, not 3N + 2.
 * Returns the service principal as read.
 */
async function verifyApplied(
  run: ReconcileRun,
  operations: Operation[],
  record: ManagedState | null,
  written: ObservedServicePrincipal | null,
  answersShowWrites: boolean,
): Promise<ObservedServicePrincipal> {
  const { session, log } = run;
  const desired = run.settings.desired;
  const touched = new Set(operations.flatMap((o) => ("mailbox" in o ? [o.mailbox] : [])));
  const only = <T extends { address: string }>(xs: T[]) => xs.filter((m) => touched.has(m.address));
  const desiredTouched = { ...desired, mailboxes: only(desired.mailboxes) };
  const recordTouched = record ? { ...record, mailboxes: only(record.mailboxes) } : null;
  let sp = written;
  let pending: Operation[] = [];
  const read = async (): Promise<Reading> => {
    sp ??= await findServicePrincipal(session, desired.appId);
    if (sp === null) return { agrees: false, shows: `no service principal for AppId ${desired.appId}` };
    const after = await observe(
      session,
      observeRequest(desiredTouched, desired.appId, recordTouched),
      sp,
      track(run),
      "reading back mailboxes",
    );
    const left = plan(desiredTouched, after, recordTouched).operations;
    pending = left;
    return left.length === 0 ? { agrees: true } : { agrees: false, shows: left.map(shortfall).join("; ") };
  };
  await waitForConsistency({ written: describeAll(operations, principalName(desired)), read }, run.budget, {
    answerAgreed: answersShowWrites,
    onWait: ({ reading, streak, delayMs }) =>
      log(
        // One short line: how much is missing (the first two named), the next wait, the budget left.
        `verifying: ${
          reading.agrees
            ? `Exchange shows the changes (${streak} of ${CONFIRMING_READS} reads in a row)`
            : pending.length
              ? `Exchange does not show ${pending.length} of ${count(operations.length, "change")} yet (${someOf(pending.map((o) => describeOperation(o, sp!.objectId)))})`
              : `Exchange does not show the changes yet (${reading.shows})`
        }; reading again in ${duration(delayMs)}, ${budgetLeft(run.budget.totalMs - run.budget.elapsedMs())}`,
      ),
  });
  log(`verified ${count(touched.size, "mailbox", "mailboxes")} after ${count(operations.length, "change")}`);
  return sp!;
}

function describeAll(ops: Operation[], principal: string): string {
  return ops.map((o) => describeOperation(o, principal)).join("; ");
}

/** Revokes what the previous record lists and removes the service principal; returns the empty record. */
export async function removeManagedState(run: ReconcileRun): Promise<ManagedState> {
  const { session, log } = run;
  const desired = run.settings.desired;
  let record = recordFor(run.previous, desired, log);
  if (record === null) {
    // No record (its stdout was lost): the Command's old environment says what the last
    // successful run was asked to grant, which is what it recorded.
    log(
      `no previous record: revoking what the environment lists (${count(desired.mailboxes.length, "mailbox", "mailboxes")})`,
    );
    record = recordOf(desired, {
      objectId: desired.servicePrincipalObjectId,
      sid: "",
      displayName: desired.displayName,
    });
  }
  const observed = await observe(
    session,
    { ...observeRequest(null, desired.appId, record), required: new Set() },
    undefined,
    track(run),
  );
  const p = plan(null, observed, record, desired);
  report(p, log);
  await execute(session, p.operations, desired, observed.servicePrincipal, log, { track: track(run) });
  const removal = p.operations.find((o) => o.kind === "Remove-ServicePrincipal");
  if (removal)
    await waitForConsistency(
      {
        written: describeOperation(removal, principalName(desired)),
        read: async () => {
          const after = await findServicePrincipal(session, desired.appId);
          return after === null
            ? { agrees: true }
            : {
                agrees: false,
                shows: `service principal ${after.objectId} still registered for AppId ${desired.appId}`,
              };
        },
      },
      run.budget,
      {
        onWait: ({ delayMs }) =>
          log(
            `verifying the removal; reading again in ${duration(delayMs)}, ${budgetLeft(run.budget.totalMs - run.budget.elapsedMs())}`,
          ),
      },
    );
  run.onSummary?.(
    summarizeRun(
      "remove",
      p.operations,
      record.mailboxes.map((m) => m.address),
    ),
  );
  return { appId: desired.appId, servicePrincipal: null, mailboxes: [] };
}

/** What `plan` reports: the operations apply would run, and the principal it would name. */
export interface Drift {
  operations: Operation[];
  notices: Notice[];
  /** Exchange's principal for our AppId, else the one the config names. */
  principal: string;
  /** Configured protocols a switch blocks (switches.ts): plan exits 3 when any. */
  blocked: BlockedProtocol[];
  /** Exchange's principal for our AppId as read (null: none), and the record trusted: what `plan --scan` needs (scan.ts). */
  observedPrincipal: ObservedServicePrincipal | null;
  record: ManagedState | null;
}

/** Read-only: what apply would change. A record for another application is ignored silently. */
export async function planDrift(run: ReconcileRun): Promise<Drift> {
  const desired = run.settings.desired;
  const record = recordFor(run.previous, desired, () => undefined);
  const observed = await observe(
    run.session,
    observeRequest(desired, desired.appId, record),
    undefined,
    track(run),
  );
  const { plan: p } = await keepDesiredGrants(
    run.session,
    plan(desired, observed, record),
    desired,
    record,
    () => undefined,
  );
  const principal = observed.servicePrincipal?.objectId ?? desired.servicePrincipalObjectId;
  const blocked = await readBlockedProtocols(run.session, desired.mailboxes, track(run));
  return {
    operations: p.operations,
    notices: p.notices,
    principal,
    blocked,
    observedPrincipal: observed.servicePrincipal,
    record,
  };
}
