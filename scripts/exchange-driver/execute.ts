// Runs a plan's operations against Exchange, one cmdlet each, in order, accepting Exchange's
// benign answers (docs/microsoft-contract.md, "Warnings"): a grant already present or a revoke
// of an absent grant come back as warnings; a principal that already exists (another run won
// the race) is read back; one already gone is gone. Anything else stops the run with what was
// being done and what Exchange said.
import type { DesiredState } from "../../components/exchange-step/state";
import type { TrackProgress } from "../cli/progress";
import { ExchangeCmdletError } from "./errors";
import {
  findServicePrincipal,
  hasFullAccess,
  hasSendAs,
  isMailboxNotFound,
  rephrase,
  toServicePrincipal,
} from "./observe";
import { describeOperation, toCmdlet, type ObservedServicePrincipal, type Operation } from "./plan";
import type { ExchangeSession } from "./session";

/** "+" for what a run adds, "-" for what it takes away. */
export function sign(op: Operation): string {
  return op.kind.startsWith("Remove-") ? "-" : "+";
}

/** What Exchange shows while an operation's effect is not visible: "no FullAccess on a@contoso.com". */
export function shortfall(op: Operation): string {
  switch (op.kind) {
    case "New-ServicePrincipal":
      return `no service principal for AppId ${op.appId}`;
    case "Remove-ServicePrincipal":
      return `service principal ${op.identity} still registered`;
    case "Add-MailboxPermission":
      return `no FullAccess on ${op.mailbox} for ${op.user}`;
    case "Remove-MailboxPermission":
      return `FullAccess on ${op.mailbox} still granted to ${op.user}`;
    case "Add-RecipientPermission":
      return `no SendAs on ${op.mailbox} for ${op.trustee}`;
    case "Remove-RecipientPermission":
      return `SendAs on ${op.mailbox} still granted to ${op.trustee}`;
  }
}

/** How messages name our principal: "Mail OAuth (3333…)". */
export function principalName(desired: DesiredState): string {
  return `${desired.displayName} (${desired.servicePrincipalObjectId})`;
}

/** The principal an operation touches, for messages: ours by name, any other by its own name and id. */
export function touchedPrincipal(
  op: Operation,
  desired: DesiredState,
  observed: ObservedServicePrincipal | null,
): string {
  const id = "user" in op ? op.user : "trustee" in op ? op.trustee : desired.servicePrincipalObjectId;
  if (id.toLowerCase() === desired.servicePrincipalObjectId.toLowerCase()) return principalName(desired);
  return observed && observed.objectId.toLowerCase() === id.toLowerCase()
    ? `${observed.displayName} (${id})`
    : id;
}

/**
 * How long New-ServicePrincipal waits out AADServicePrincipalNotFound (docs/exchange-step.md,
 * "Consistency policy"). Exchange needs a moment to see a NEW Entra service principal — public
 * scripts retry for up to about 5 minutes (docs/microsoft-contract.md, "Propagation delays") — but
 * the same answer is final for a wrong -ObjectId (the app registration's object id, most often).
 * Lag is plausible only when this stack may have just created the principal: the Command's first
 * run (no record) or a record naming another principal (it was replaced). Otherwise the principal
 * existed at the last successful run, and a short wait covers a replica that is behind.
 */
export const SP_LAG_PATIENCE_MS = { newPrincipal: 300_000, knownPrincipal: 60_000 } as const;

export interface ExecuteOptions {
  /** The most New-ServicePrincipal waits out AADServicePrincipalNotFound, ms. Default: the run's budget. */
  spLagPatienceMs?: number;
  /** Progress (scripts/cli/progress.ts): each change's line gets its "[12/1000]", plus periodic ETA lines. */
  track?: TrackProgress;
}

/**
 * Whether a write's own answer shows what it wrote — the first of the consistency policy's
 * agreeing reads (docs/exchange-step.md, "Consistency policy"). New-ServicePrincipal answers the
 * principal it registered; Add-MailboxPermission and Add-RecipientPermission answer the ACE they
 * added (docs/microsoft-contract.md, "Answers to writes"), matched as a read's rows are
 * (observe.ts hasFullAccess / hasSendAs). A removal answers nothing, and "already present" is a
 * warning with no row: neither shows anything, so neither counts.
 */
export function answerShowsWrite(
  op: Operation,
  result: readonly Record<string, unknown>[],
  appId: string,
  sp: ObservedServicePrincipal | null,
): boolean {
  switch (op.kind) {
    case "New-ServicePrincipal":
      // Ours only when its AppId AND its ObjectId match (record-guard.ts): the ObjectId as
      // principal-match.ts reads it (ObjectId, else Identity).
      return result.some(
        (o) =>
          String(o.AppId ?? "").toLowerCase() === appId.toLowerCase() &&
          String(o.ObjectId || o.Identity || "").toLowerCase() === op.objectId.toLowerCase(),
      );
    case "Add-MailboxPermission":
      return sp !== null && hasFullAccess(result, sp.sid);
    case "Add-RecipientPermission":
      return sp !== null && hasSendAs(result, sp.sid);
    default:
      return false;
  }
}

/** What a run of operations left: the principal as it stands, and whether every answer showed its write. */
export interface ExecuteResult {
  /** Null when none is known: removed, or New-ServicePrincipal answered nothing and none is visible yet. */
  servicePrincipal: ObservedServicePrincipal | null;
  /** True when every operation's own answer showed what it wrote (answerShowsWrite); false for none. */
  answersShowWrites: boolean;
}

/** Runs the operations in order, stopping at the first refusal Exchange means. */
export async function execute(
  session: ExchangeSession,
  ops: Operation[],
  desired: DesiredState,
  before: ObservedServicePrincipal | null,
  log: (line: string) => void,
  options: ExecuteOptions = {},
): Promise<ExecuteResult> {
  let sp = before;
  let answersShowWrites = ops.length > 0;
  // Each change prints its own counted line (the audit log); the tracker adds time and estimate.
  const progress = options.track?.("writing", ops.length, { edges: false });
  for (const op of ops) {
    // Log lines name the principal actually touched, which is not always the config's.
    const what = describeOperation(op, touchedPrincipal(op, desired, before));
    const { cmdlet, params } = toCmdlet(op);
    log(`${progress ? `${progress.label()} ` : ""}${sign(op)} ${what}`);
    let failed = false;
    try {
      const { result } = await session.invoke(cmdlet, params, {
        target: "mailbox" in op ? op.mailbox : undefined,
        ...(op.kind === "New-ServicePrincipal" && options.spLagPatienceMs !== undefined
          ? { patienceMs: options.spLagPatienceMs }
          : {}),
      });
      if (op.kind === "New-ServicePrincipal") {
        sp = result[0] ? toServicePrincipal(result[0]) : await findServicePrincipal(session, desired.appId);
      } else if (op.kind === "Remove-ServicePrincipal") {
        sp = null;
      }
      answersShowWrites &&= answerShowsWrite(op, result, desired.appId, sp);
    } catch (err) {
      answersShowWrites = false;
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
      failed = true;
      throw rephrase(err, what);
    } finally {
      if (!failed) progress?.tick();
    }
  }
  return { servicePrincipal: sp, answersShowWrites };
}
