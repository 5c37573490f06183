// Reads what Exchange holds for our principal, with as few cmdlets as the plan needs:
//   1 × Get-ServicePrincipal (no -Identity: with an empty or unknown value it can return every
//       object — docs/microsoft-contract.md; we filter on AppId ourselves),
//   1 × Get-MailboxPermission -Identity <mb> -User <sp> per mailbox to read,
//   1 × Get-RecipientPermission -Identity <mb> -Trustee <sp> only where SendAs is relevant.
// When Exchange has no SP for our AppId no mailbox is read: permission rows name the SP by its
// SID, and a principal that does not exist has no rows (a new one gets a new SID).
// An error is never read as "absent"; the one exception is a mailbox Exchange says does not
// exist, which the plan tolerates only for mailboxes we are leaving.
import type { TrackProgress } from "../cli/progress";
import type { ObservedMailbox, ObservedServicePrincipal, ObservedState } from "./plan";
import type { ExchangeSession } from "./session";
import { ExchangeCmdletError, duration } from "./errors";
import { isOurRow, principalFromObject } from "./principal-match";

/** Which mailboxes to read, and where SendAs matters. Addresses in lower case. */
export interface ObserveRequest {
  appId: string;
  /** Mailboxes to read when our SP exists (desired ∪ recorded). */
  mailboxes: string[];
  /** Of those, the ones whose SendAs is desired or recorded. */
  sendAs: ReadonlySet<string>;
  /** Of those, the ones that MUST exist (desired): not-found is a permanent error for them. */
  required: ReadonlySet<string>;
}

export class ObserveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ObserveError";
  }
}

export async function observe(
  session: ExchangeSession,
  req: ObserveRequest,
  /** The principal as Exchange just returned it (New-ServicePrincipal's answer): skips the lookup. */
  known?: ObservedServicePrincipal,
  /** Progress on stderr (scripts/cli/progress.ts): "reading mailboxes 250/1000 (25 %), …". */
  track?: TrackProgress,
  /** What the progress lines call the reads. Default "reading mailboxes". */
  what = "reading mailboxes",
): Promise<ObservedState> {
  const servicePrincipal = known ?? (await findServicePrincipal(session, req.appId));
  const mailboxes: Record<string, ObservedMailbox> = {};
  if (servicePrincipal === null) return { servicePrincipal, mailboxes };
  const progress = track?.(what, req.mailboxes.length);
  for (const address of req.mailboxes) {
    mailboxes[address] = await readMailbox(
      session,
      servicePrincipal,
      address,
      req.sendAs.has(address),
      req.required.has(address),
    );
    progress?.tick();
  }
  return { servicePrincipal, mailboxes };
}

/** Get-ServicePrincipal (all), filtered on AppId. Two for one AppId is Exchange refusing our model: fail. */
export async function findServicePrincipal(
  session: ExchangeSession,
  appId: string,
): Promise<ObservedServicePrincipal | null> {
  let result: Record<string, unknown>[];
  try {
    ({ result } = await session.invoke("Get-ServicePrincipal", {}, { target: `AppId ${appId}` }));
  } catch (err) {
    throw rephrase(err, `Looking up the service principal for AppId ${appId} in Exchange`);
  }
  const matches = result.filter((o) => String(o.AppId ?? "").toLowerCase() === appId.toLowerCase());
  if (matches.length === 0) return null;
  if (matches.length > 1)
    throw new ObserveError(
      `Looking up the service principal for AppId ${appId} in Exchange: ${matches.length} objects carry this AppId ` +
        `(ObjectIds ${matches.map((m) => String(m.ObjectId ?? m.Identity)).join(", ")}); remove the extra ones by hand`,
    );
  return toServicePrincipal(matches[0]);
}

/** Exchange's object → our principal; a missing Sid is noted, not fatal (principal-match.ts). */
export function toServicePrincipal(o: Record<string, unknown>): ObservedServicePrincipal {
  try {
    return principalFromObject(o);
  } catch (err) {
    throw new ObserveError((err as Error).message);
  }
}

async function readMailbox(
  session: ExchangeSession,
  sp: ObservedServicePrincipal,
  address: string,
  readSendAs: boolean,
  required: boolean,
): Promise<ObservedMailbox> {
  let rows: Record<string, unknown>[];
  try {
    ({ result: rows } = await session.invoke(
      "Get-MailboxPermission",
      { Identity: address, User: sp.objectId },
      { target: address },
    ));
  } catch (err) {
    if (isMailboxNotFound(err, address)) {
      if (required)
        throw new ObserveError(
          `Reading FullAccess on ${address}: the mailbox does not exist in Exchange (${(err as ExchangeCmdletError).exchangeMessage}); ` +
            `fix exo-oauth:mailboxes`,
        );
      return { address, exists: false, fullAccess: false, sendAs: readSendAs ? false : undefined };
    }
    throw rephrase(err, `Reading FullAccess on ${address} for ${sp.objectId}`);
  }
  const fullAccess = hasFullAccess(rows, sp.sid);
  let sendAs: boolean | undefined;
  if (readSendAs) {
    try {
      const { result } = await session.invoke(
        "Get-RecipientPermission",
        { Identity: address, Trustee: sp.objectId },
        { target: address },
      );
      sendAs = hasSendAs(result, sp.sid);
    } catch (err) {
      throw rephrase(err, `Reading SendAs on ${address} for ${sp.objectId}`);
    }
  }
  return { address, exists: true, fullAccess, sendAs };
}

/** Exchange's "object '<mailbox>' couldn't be found" for THIS mailbox (not for the -User principal). */
export function isMailboxNotFound(err: unknown, address: string): boolean {
  return (
    err instanceof ExchangeCmdletError &&
    err.kind === "notFound" &&
    err.exchangeMessage.toLowerCase().includes(address.toLowerCase())
  );
}

/** AccessRights arrive as ["FullAccess","ReadPermission"], "FullAccess, ReadPermission" or "{FullAccess}". */
export function rightsOf(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : [String(value ?? "")];
  return parts.flatMap((p) => p.split(/[\s,{}]+/)).filter(Boolean);
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === "string" && v.toLowerCase() === "true");
}

/**
 * Our explicit FullAccess: matched by UserSid equal to our SP's Sid (the User column is a
 * display name — docs/microsoft-contract.md, "Mailbox permission row"), or, when either SID is missing, by the
 * -User filter the rows were read with (principal-match.ts isOurRow); not inherited, not Deny. Any InheritanceType
 * counts: the mailbox-level grant is what IMAP/POP need, and Add-MailboxPermission answers "already
 * present" for an existing ACE of ours, so demanding All could never converge.
 * SELF, inherited, Deny and other principals' rows never count.
 */
export function hasFullAccess(rows: readonly Record<string, unknown>[], sid: string): boolean {
  return rows.some(
    (r) =>
      isOurRow(r, "UserSid", "User", sid) &&
      !truthy(r.IsInherited) &&
      !truthy(r.Deny) &&
      rightsOf(r.AccessRights).includes("FullAccess"),
  );
}

/** Our explicit SendAs: TrusteeSidString equal to our Sid (or the -Trustee filter, principal-match.ts), Allow, not inherited. */
export function hasSendAs(rows: readonly Record<string, unknown>[], sid: string): boolean {
  return rows.some(
    (r) =>
      isOurRow(r, "TrusteeSidString", "Trustee", sid) &&
      String(r.AccessControlType ?? "Allow") === "Allow" &&
      !truthy(r.IsInherited) &&
      rightsOf(r.AccessRights).includes("SendAs"),
  );
}

/**
 * Keeps Exchange's message, puts our subject in front and the error's advice (errors.ts) behind:
 * "<what we were doing>: <Exchange's text> (<cmdlet>, <code>). What to do: <advice>".
 */
export function rephrase(err: unknown, doing: string): Error {
  if (err instanceof ExchangeCmdletError) {
    const gaveUp =
      err.attempts > 1
        ? `gave up after ${err.attempts} attempts${err.waitedMs !== undefined ? ` over ${duration(err.waitedMs)}` : ""}`
        : "";
    const tail = [err.cmdlet, err.code, gaveUp].filter(Boolean).join(", ");
    const advice = err.advice;
    const e = new Error(
      `${doing}: ${err.exchangeMessage} (${tail})${advice ? `. What to do: ${advice}` : ""}`,
    );
    (e as Error & { cause?: unknown }).cause = err;
    return e;
  }
  if (err instanceof Error) {
    const e = new Error(`${doing}: ${err.message}`);
    (e as Error & { cause?: unknown }).cause = err;
    return e;
  }
  return new Error(`${doing}: ${String(err)}`);
}
