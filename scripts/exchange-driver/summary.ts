// The human summary at the end of `apply` and `remove` (stderr; stdout stays the record):
//   Applied: granted FullAccess on 1000 mailboxes (SendAs on 0), revoked 0, unchanged 0, in 16 min (3002 cmdlets, 1 session).
// Counted from the operations the run executed, and the mailboxes it leaves as they were: for an
// update that reads only what changed (reconcile.ts updateScope), "unchanged" includes the
// mailboxes the record vouches for, which are not read again.
import { normaliseAddress } from "../../components/identifiers";
import { count, roughDuration } from "../cli/words";
import type { Operation } from "./plan";
import type { SessionCounters } from "./session";

/** What a run changed, by kind; mailboxes counted once each. */
export interface RunSummary {
  command: "apply" | "remove";
  /** New-ServicePrincipal ran. */
  registered: boolean;
  /** Remove-ServicePrincipal ran. */
  unregistered: boolean;
  /** Mailboxes given FullAccess / SendAs. */
  granted: { fullAccess: number; sendAs: number };
  /** Mailboxes that lost FullAccess or SendAs (either counts the mailbox once). */
  revoked: number;
  /** Mailboxes in scope (desired for apply, recorded for remove) no operation touched. */
  unchanged: number;
}

/** The summary of `operations` over the mailboxes in scope (`apply`: the config's; `remove`: the record's). */
export function summarizeRun(
  command: RunSummary["command"],
  operations: readonly Operation[],
  scope: readonly string[],
): RunSummary {
  const touched = new Set<string>();
  const revoked = new Set<string>();
  const granted = { fullAccess: 0, sendAs: 0 };
  for (const op of operations) {
    if (!("mailbox" in op)) continue;
    const address = normaliseAddress(op.mailbox);
    touched.add(address);
    if (op.kind === "Add-MailboxPermission") granted.fullAccess++;
    else if (op.kind === "Add-RecipientPermission") granted.sendAs++;
    else revoked.add(address);
  }
  const inScope = new Set(scope.map(normaliseAddress));
  return {
    command,
    registered: operations.some((o) => o.kind === "New-ServicePrincipal"),
    unregistered: operations.some((o) => o.kind === "Remove-ServicePrincipal"),
    granted,
    revoked: revoked.size,
    unchanged: [...inScope].filter((a) => !touched.has(a)).length,
  };
}

/**
 * "Applied: granted FullAccess on 1000 mailboxes (SendAs on 0), revoked 0, unchanged 0, in 16 min (3002 cmdlets, 1 session)."
 * `elapsedMs` is the run's wall time on its clock; `counters` the session's (all cmdlets sent, retries included).
 */
export function summaryLine(s: RunSummary, elapsedMs: number, counters?: SessionCounters): string {
  const parts: string[] = [];
  if (s.registered) parts.push("registered the service principal");
  if (s.command === "apply" || s.granted.fullAccess || s.granted.sendAs)
    parts.push(
      `granted FullAccess on ${count(s.granted.fullAccess, "mailbox", "mailboxes")} (SendAs on ${s.granted.sendAs})`,
    );
  parts.push(
    s.command === "remove"
      ? `revoked access on ${count(s.revoked, "mailbox", "mailboxes")}`
      : `revoked ${s.revoked}`,
  );
  if (s.unregistered) parts.push("removed the service principal");
  parts.push(`unchanged ${s.unchanged}`);
  const cost = counters
    ? ` (${count(
        Object.values(counters.cmdlets).reduce((a, b) => a + b, 0),
        "cmdlet",
      )}, ${count(counters.sessions, "session")})`
    : "";
  return `${s.command === "apply" ? "Applied" : "Removed"}: ${parts.join(", ")}, in ${roughDuration(elapsedMs)}${cost}.`;
}
