// What a previous record may make a run delete (docs/security.md, "The record"). The record comes
// back from the stack's state, a --record file or PULUMI_COMMAND_STDOUT, so a crafted or stale one
// must never widen what a run touches:
//   - it speaks only for the application it was written for (its AppId equals the config's);
//   - an Exchange service principal is ours only when its AppId AND its ObjectId match the desired
//     state: a record naming another ObjectId is not believed (its principal is left alone, and an
//     apply that finds it stops and names it: plan.ts PlanConflictError);
//   - a grant the config asks for is never revoked in the same run, whatever the record says: a
//     recorded address that Exchange resolves to a configured mailbox (another SMTP address of it)
//     keeps its grants (keepDesiredGrants).
// reconcile.ts calls these between observe and plan/execute.
import type { DesiredState, ManagedState } from "../../components/exchange-step/state";
import { normaliseAddress } from "../../components/identifiers";
import type { Notice, Operation, Plan } from "./plan";
import type { ExchangeSession } from "./session";

/** The record, as far as it may speak for this run; null when it is another application's. */
export function trustedRecord(
  record: ManagedState | null,
  desired: { appId: string; servicePrincipalObjectId: string },
  log: (line: string) => void,
): ManagedState | null {
  if (record === null) return null;
  if (record.appId.toLowerCase() !== desired.appId.toLowerCase()) {
    log(`the previous record is for AppId ${record.appId}, not ${desired.appId}: ignored`);
    return null;
  }
  const sp = record.servicePrincipal;
  if (sp && sp.objectId.toLowerCase() !== desired.servicePrincipalObjectId.toLowerCase()) {
    log(
      `warning: the previous record names service principal ${sp.objectId}, but the config's is ` +
        `${desired.servicePrincipalObjectId}: a principal is this stack's only when its AppId and ObjectId both match, so ${sp.objectId} is left alone`,
    );
    return { ...record, servicePrincipal: null };
  }
  return record;
}

type Revocation = Extract<Operation, { kind: "Remove-MailboxPermission" | "Remove-RecipientPermission" }>;

function isRevocation(op: Operation): op is Revocation {
  return op.kind === "Remove-MailboxPermission" || op.kind === "Remove-RecipientPermission";
}

/**
 * Every SMTP address Exchange knows for the mailbox `address` names (its PrimarySmtpAddress and the
 * `smtp:`/`SMTP:` entries of EmailAddresses, normalised), via one Get-Mailbox; empty when it cannot
 * be read (a mailbox that cannot be read is not shown to be a configured one).
 */
async function mailboxAddresses(session: ExchangeSession, address: string): Promise<string[]> {
  try {
    const { result } = await session.invoke("Get-Mailbox", { Identity: address }, { target: address });
    const o = result[0];
    if (!o) return [];
    const proxies = Array.isArray(o.EmailAddresses) ? (o.EmailAddresses as unknown[]) : [];
    return [
      String(o.PrimarySmtpAddress ?? ""),
      ...proxies
        .map(String)
        .filter((p) => /^smtp:/i.test(p))
        .map((p) => p.slice(5)),
    ]
      .filter((x) => x !== "")
      .map(normaliseAddress);
  } catch {
    return [];
  }
}

/**
 * The plan without any revocation of a right the config asks for on the same mailbox, compared by
 * address and, for a recorded-only mailbox a revocation names, by every SMTP address Exchange holds
 * for it (one Get-Mailbox per such mailbox, none when nothing is revoked: an update stays
 * O(changed)). Also returns the record without the kept entries' rights, so the read-back does not
 * wait for them.
 */
export async function keepDesiredGrants(
  session: ExchangeSession,
  p: Plan,
  desired: DesiredState,
  record: ManagedState | null,
  log: (line: string) => void,
): Promise<{ plan: Plan; record: ManagedState | null }> {
  const ours = desired.servicePrincipalObjectId.toLowerCase();
  const wanted = new Map(desired.mailboxes.map((m) => [normaliseAddress(m.address), m]));
  const suspects = p.operations.filter(
    (op): op is Revocation =>
      isRevocation(op) &&
      (op.kind === "Remove-MailboxPermission" ? op.user : op.trustee).toLowerCase() === ours,
  );
  if (suspects.length === 0) return { plan: p, record };

  const resolved = new Map<string, string[]>();
  const kept = new Set<Revocation>();
  const notices: Notice[] = [];
  for (const op of suspects) {
    const same = wanted.get(normaliseAddress(op.mailbox)) ?? (await identityMatch(op.mailbox));
    if (!same) continue;
    if (op.kind === "Remove-RecipientPermission" && !same.sendAs) continue; // SendAs left the config: revoke it
    kept.add(op);
    const right = op.kind === "Remove-MailboxPermission" ? "FullAccess" : "SendAs";
    const message =
      `the previous record lists ${op.mailbox}, which is the mailbox ${"address" in same ? same.address : op.mailbox} the config asks ${right} on: ` +
      `${right} is kept (a desired grant is never revoked)`;
    notices.push({ level: "warning", message });
    log(`warning: ${message}`);
  }
  if (kept.size === 0) return { plan: p, record };
  const keptRights = (address: string) =>
    [...kept].filter((op) => op.mailbox === address).map((op) => op.kind);
  return {
    plan: {
      operations: p.operations.filter((op) => !kept.has(op as Revocation)),
      notices: [...p.notices, ...notices],
    },
    record: record && {
      ...record,
      mailboxes: record.mailboxes.map((m) => {
        const k = keptRights(normaliseAddress(m.address));
        return {
          ...m,
          fullAccess: m.fullAccess && !k.includes("Remove-MailboxPermission"),
          sendAs: m.sendAs && !k.includes("Remove-RecipientPermission"),
        };
      }),
    },
  };

  async function identityMatch(address: string) {
    if (!resolved.has(address)) resolved.set(address, await mailboxAddresses(session, address));
    for (const a of resolved.get(address) ?? []) {
      const m = wanted.get(a);
      if (m) return { address: a, sendAs: m.sendAs };
    }
    return undefined;
  }
}
