// The protocol switches that can block a configured login, read only (never changed: they affect
// every client of the mailbox; docs/microsoft-contract.md, "Protocol switches"):
//   IMAP  Get-CASMailbox ImapEnabled = False
//   POP   Get-CASMailbox PopEnabled = False
//   SMTP  Get-CASMailbox SmtpClientAuthenticationDisabled = True, or, when the mailbox's is $null
//         (it follows the organization), Get-TransportConfig SmtpClientAuthenticationDisabled = True
//         ("The mailbox setting takes precedence over the organization setting":
//         authenticated-client-smtp-submission).
// One pass: Get-CASMailbox -Identity per mailbox for a few, one Get-CASMailbox -ResultSize
// Unlimited for many (PER_MAILBOX_MAX); Get-TransportConfig once, only when a mailbox follows it.
import { TENANT_SMTP_SWITCH, unblockCommand } from "../../components/exchange-step/blocked";
import type { BlockedProtocol, DesiredMailbox } from "../../components/exchange-step/state";
import { normaliseAddress } from "../../components/identifiers";
import type { TrackProgress } from "../cli/progress";
import type { Protocol } from "../../components/microsoft";
import { ExchangeCmdletError } from "./errors";
import { rephrase } from "./observe";
import type { ExchangeSession } from "./session";

/** Up to this many mailboxes are read one by one; more in one tenant-wide pass (1 cmdlet). */
export const PER_MAILBOX_MAX = 25;

/** The tenant-wide switch, as BlockedProtocol.switch names it. */
export { TENANT_SMTP_SWITCH };

const NAMES: Record<Protocol, BlockedProtocol["protocol"]> = { imap: "IMAP", pop: "POP", smtp: "SMTP" };

/** A switch's value as the shim hands it over: a boolean, its text, or null. */
function flag(v: unknown): boolean | null {
  if (v === true || v === false) return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  return null;
}

/** The mailboxes whose configured protocols a switch blocks, in config order. Reads only. */
export async function readBlockedProtocols(
  session: ExchangeSession,
  mailboxes: readonly DesiredMailbox[],
  /** Progress of the per-mailbox reads (scripts/cli/progress.ts); the tenant-wide pass is one cmdlet. */
  track?: TrackProgress,
): Promise<BlockedProtocol[]> {
  const wanted = mailboxes.filter((m) => m.protocols && m.protocols.length > 0);
  if (wanted.length === 0) return [];
  const cas = await readCasMailboxes(
    session,
    wanted.map((m) => normaliseAddress(m.address)),
    track,
  );
  let tenantSmtpDisabled: boolean | undefined;
  const blocked: BlockedProtocol[] = [];
  for (const m of wanted) {
    const mailbox = normaliseAddress(m.address);
    const o = cas.get(mailbox);
    if (!o) continue; // no such mailbox: the permission read reports it
    for (const p of m.protocols!) {
      const protocol = NAMES[p];
      if (p === "imap" && flag(o.ImapEnabled) === false)
        blocked.push({ mailbox, protocol, switch: "ImapEnabled" });
      if (p === "pop" && flag(o.PopEnabled) === false)
        blocked.push({ mailbox, protocol, switch: "PopEnabled" });
      if (p === "smtp") {
        const own = flag(o.SmtpClientAuthenticationDisabled);
        if (own === true) blocked.push({ mailbox, protocol, switch: "SmtpClientAuthenticationDisabled" });
        else if (own === null) {
          tenantSmtpDisabled ??= await readTenantSmtpDisabled(session);
          if (tenantSmtpDisabled) blocked.push({ mailbox, protocol, switch: TENANT_SMTP_SWITCH });
        }
      }
    }
  }
  return blocked;
}

async function readCasMailboxes(
  session: ExchangeSession,
  addresses: string[],
  track?: TrackProgress,
): Promise<Map<string, Record<string, unknown>>> {
  const byAddress = new Map<string, Record<string, unknown>>();
  const keep = (o: Record<string, unknown>) => {
    const a = String(o.PrimarySmtpAddress ?? "").toLowerCase();
    if (a) byAddress.set(a, o);
  };
  if (addresses.length > PER_MAILBOX_MAX) {
    try {
      const { result } = await session.invoke(
        "Get-CASMailbox",
        { ResultSize: "Unlimited" },
        { target: "every mailbox" },
      );
      result.forEach(keep);
    } catch (err) {
      throw rephrase(
        err,
        `Reading the protocol switches of every mailbox (Get-CASMailbox -ResultSize Unlimited)`,
      );
    }
    return byAddress;
  }
  const progress = track?.("reading protocol switches", addresses.length);
  for (const address of addresses) {
    try {
      const { result } = await session.invoke("Get-CASMailbox", { Identity: address }, { target: address });
      // Keyed by the address asked for: the object's PrimarySmtpAddress may be another of its addresses.
      if (result[0]) byAddress.set(address, result[0]);
    } catch (err) {
      if (err instanceof ExchangeCmdletError && err.kind === "notFound") {
        progress?.tick();
        continue;
      }
      throw rephrase(err, `Reading the protocol switches of ${address}`);
    }
    progress?.tick();
  }
  return byAddress;
}

async function readTenantSmtpDisabled(session: ExchangeSession): Promise<boolean> {
  try {
    const { result } = await session.invoke("Get-TransportConfig", {}, { target: "the organization" });
    return flag(result[0]?.SmtpClientAuthenticationDisabled) === true;
  } catch (err) {
    throw rephrase(err, "Reading the organization's SMTP AUTH switch (Get-TransportConfig)");
  }
}

/** "POP is blocked on helpdesk@contoso.com: PopEnabled is False (Set-CASMailbox … -PopEnabled $true turns it on)". */
export function describeBlocked(b: BlockedProtocol): string {
  const why =
    b.switch === TENANT_SMTP_SWITCH
      ? `the tenant's SMTP AUTH is off (Get-TransportConfig SmtpClientAuthenticationDisabled is True) and the mailbox follows it: turn it on for this mailbox with`
      : b.switch === "SmtpClientAuthenticationDisabled"
        ? `SmtpClientAuthenticationDisabled is True on the mailbox:`
        : `${b.switch} is False:`;
  return `${b.protocol} is blocked on ${b.mailbox}: ${why} ${unblockCommand(b)} (exo-oauth reads this switch, never changes it)`;
}
