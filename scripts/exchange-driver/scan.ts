// `plan --scan`: "which mailboxes can this app open?" — one read-only pass over the tenant's
// mailboxes that lists EVERY mailbox where our Exchange service principal holds FullAccess or
// SendAs, config or not (docs/exchange-step.md, "plan --scan"). The plain plan reads only the
// configured and recorded mailboxes, so a grant an admin made by hand elsewhere is invisible to it.
//
// Cost: M + 2 cmdlets for M mailboxes (docs/microsoft-contract.md, "Listing the tenant's mailboxes"):
//   1 × Get-Mailbox -ResultSize Unlimited                            the mailboxes (default: only 1000)
//   1 × Get-RecipientPermission -Trustee <sp> -ResultSize Unlimited   SendAs, tenant-wide
//   M × Get-MailboxPermission -Identity <mailbox> -User <sp>          FullAccess: Exchange has no
//                                                                     tenant-wide read by user
// What the scan finds outside the config is a Notice: reported, never acted on; it never makes drift.
import type { DesiredState, ManagedState } from "../../components/exchange-step/state";
import { psQuote } from "../../components/exchange-step/runbook";
import { normaliseAddress } from "../../components/identifiers";
import { needsEscaping } from "../../components/printable";
import type { Clock } from "./budget";
import { startProgress } from "../cli/progress";
import { count } from "../cli/words";
import { hasFullAccess, hasSendAs, isMailboxNotFound, rephrase } from "./observe";
import type { HeldGrant, Notice, ObservedServicePrincipal } from "./plan";
import { isOurRow } from "./principal-match";
import type { ExchangeSession } from "./session";

export type Right = "FullAccess" | "SendAs";

/** One mailbox (or, for SendAs, any recipient) where our principal holds a right. */
export interface Holding {
  /** PrimarySmtpAddress (a recipient Get-Mailbox did not list: the Identity Exchange gave). */
  mailbox: string;
  /** Exchange's DisplayName, as it is (escape it to print it: components/printable.ts). */
  displayName: string;
  rights: Right[];
  /** Every right held is one the config asks for on this mailbox. */
  inConfig: boolean;
}

export interface ScanReport {
  /** Mailboxes Get-Mailbox listed (M). */
  mailboxes: number;
  /** Cmdlets the scan ran (M + 2; 0 when Exchange has no principal for our AppId). */
  cmdlets: number;
  /** Every mailbox where our principal holds FullAccess or SendAs, in Get-Mailbox's order. */
  holdings: Holding[];
  /** One per mailbox with rights outside the config (per owner: recorded, or granted by hand). */
  notices: Notice[];
}

export interface ScanOptions {
  /** The run's clock (RunBudget.clock): elapsed time in progress lines, virtual in tests. */
  clock: Clock;
  /** Progress for people (stderr). */
  log: (line: string) => void;
}

/**
 * Scans the tenant for our principal's rights. `sp` = the principal plan observed (null: Exchange
 * has none for our AppId, so nothing can hold a grant to it and nothing is read); `record` = the
 * trusted record (grants it lists are this stack's, apply revokes them).
 * @throws Error naming the cmdlet and what Exchange answered (observe.ts rephrase) when a read fails.
 */
export async function scanMailboxes(
  session: ExchangeSession,
  sp: ObservedServicePrincipal | null,
  desired: DesiredState,
  record: ManagedState | null,
  opts: ScanOptions,
): Promise<ScanReport> {
  const { clock, log } = opts;
  if (sp === null) {
    log(
      `scan: Exchange has no service principal for AppId ${desired.appId}: no mailbox can hold a grant to it`,
    );
    return { mailboxes: 0, cmdlets: 0, holdings: [], notices: [] };
  }
  let cmdlets = 0;
  const read = async (what: string, run: () => Promise<Record<string, unknown>[]>) => {
    cmdlets++;
    try {
      return await run();
    } catch (err) {
      throw rephrase(err, what);
    }
  };

  const listed = await read("Listing the tenant's mailboxes (plan --scan)", async () => {
    const { result } = await session.invoke(
      "Get-Mailbox",
      { ResultSize: "Unlimited" },
      { target: "all mailboxes" },
    );
    return result;
  });
  const mailboxes = listed.map(mailboxOf);
  log(`scan: ${mailboxes.length} mailboxes; reading the rights of ${sp.displayName || sp.objectId} on each`);

  const sendAsRows = await read(
    `Reading SendAs for ${sp.objectId} across the tenant (plan --scan)`,
    async () => {
      const { result } = await session.invoke(
        "Get-RecipientPermission",
        { Trustee: sp.objectId, ResultSize: "Unlimited" },
        { target: sp.objectId },
      );
      return result;
    },
  );
  const held = new Map<string, { mailbox: Listed; rights: Set<Right>; inheritance?: string }>();
  const byName = nameIndex(mailboxes);
  for (const row of sendAsRows) {
    if (!hasSendAs([row], sp.sid)) continue;
    const identity = text(row.Identity);
    const mailbox = byName.get(identity.toLowerCase()) ?? unlisted(identity);
    entry(held, mailbox).rights.add("SendAs");
  }

  const progress = startProgress({ what: "scanning mailboxes", total: mailboxes.length, clock, sink: log });
  for (const mailbox of mailboxes) {
    let rows: Record<string, unknown>[] = [];
    cmdlets++;
    try {
      ({ result: rows } = await session.invoke(
        "Get-MailboxPermission",
        { Identity: mailbox.identity, User: sp.objectId },
        { target: mailbox.address },
      ));
    } catch (err) {
      // Deleted between the list and this read: it holds nothing any more.
      if (!isMailboxNotFound(err, mailbox.identity))
        throw rephrase(err, `Reading FullAccess on ${mailbox.address} for ${sp.objectId} (plan --scan)`);
    }
    if (hasFullAccess(rows, sp.sid)) {
      const e = entry(held, mailbox);
      e.rights.add("FullAccess");
      e.inheritance = ourInheritance(rows, sp.sid);
    }
    progress.tick();
  }

  const wanted = new Map(desired.mailboxes.map((m) => [normaliseAddress(m.address), m]));
  const recorded = new Map((record?.mailboxes ?? []).map((m) => [normaliseAddress(m.address), m]));
  const holdings: Holding[] = [];
  const notices: Notice[] = [];
  const position = (m: Listed) => (mailboxes.includes(m) ? mailboxes.indexOf(m) : mailboxes.length);
  const found = [...held.values()].sort((a, b) => position(a.mailbox) - position(b.mailbox));
  for (const { mailbox, rights, inheritance } of found) {
    const want = mailbox.names.map((n) => wanted.get(n)).find((m) => m !== undefined);
    const rec = mailbox.names.map((n) => recorded.get(n)).find((m) => m !== undefined);
    const ordered = (["FullAccess", "SendAs"] as const).filter((r) => rights.has(r));
    const outside = ordered.filter((r) => !(want && (r === "FullAccess" || want.sendAs)));
    holdings.push({
      mailbox: mailbox.address,
      displayName: mailbox.displayName,
      rights: ordered,
      inConfig: outside.length === 0,
    });
    const byRecord = outside.filter((r) => (r === "FullAccess" ? rec?.fullAccess : rec?.sendAs) === true);
    const byHand = outside.filter((r) => !byRecord.includes(r));
    for (const [rs, isRecorded] of [
      [byHand, false],
      [byRecord, true],
    ] as const)
      if (rs.length) notices.push(grantNotice(mailbox, [...rs], isRecorded, sp, inheritance));
  }
  return { mailboxes: mailboxes.length, cmdlets, holdings, notices };
}

/** "scanning mailboxes 250/1000 (25 %), 1m 15s": one line per tenth of the pass, not per mailbox. */

/** A mailbox as the scan knows it, from Get-Mailbox's object. */
interface Listed {
  address: string;
  displayName: string;
  /** What -Identity is given: the address, or a GUID/DN when the address would not print as it is. */
  identity: string;
  /** Lower-case names a config address or a SendAs row's Identity may use for it. */
  names: string[];
}

function mailboxOf(o: Record<string, unknown>): Listed {
  const address = text(o.PrimarySmtpAddress) || text(o.UserPrincipalName) || text(o.Identity);
  const guid = text(o.ExchangeGuid) || text(o.Guid);
  const names = [
    address,
    text(o.UserPrincipalName),
    text(o.Identity),
    text(o.Name),
    text(o.Alias),
    text(o.DistinguishedName),
    guid,
    ...list(o.EmailAddresses).map((a) => a.replace(/^smtp:/i, "")),
  ]
    .filter(Boolean)
    .map((n) => normaliseAddress(n));
  const identity =
    !needsEscaping(address) && address
      ? address
      : /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(guid)
        ? guid
        : text(o.DistinguishedName) || address;
  return { address, displayName: text(o.DisplayName), identity, names: [...new Set(names)] };
}

/** A recipient with our SendAs that Get-Mailbox did not list (a group, a mail user): named as Exchange named it. */
function unlisted(identity: string): Listed {
  return { address: identity, displayName: "", identity, names: [normaliseAddress(identity)] };
}

function nameIndex(mailboxes: Listed[]): Map<string, Listed> {
  const index = new Map<string, Listed>();
  for (const m of mailboxes) for (const n of m.names) if (!index.has(n)) index.set(n, m);
  return index;
}

function entry(held: Map<string, { mailbox: Listed; rights: Set<Right>; inheritance?: string }>, m: Listed) {
  const key = m.names[0] ?? m.address;
  let e = held.get(key);
  if (!e) held.set(key, (e = { mailbox: m, rights: new Set() }));
  return e;
}

/** Our FullAccess row's InheritanceType, when it is one Remove-MailboxPermission takes. */
function ourInheritance(rows: Record<string, unknown>[], sid: string): string | undefined {
  const row = rows.find(
    (r) => isOurRow(r, "UserSid", "User", sid) && /FullAccess/.test(list(r.AccessRights).join(",")),
  );
  const value = text(row?.InheritanceType);
  return ["None", "All", "Descendents", "SelfAndChildren", "Children"].includes(value) ? value : undefined;
}

/**
 * The notice for rights outside the config, with the PowerShell that revokes them by hand: every
 * value inside a single-quoted literal (psQuote, the runbook's quoting), so a hostile name or
 * address can never become a command.
 */
function grantNotice(
  m: Listed,
  rights: Right[],
  recorded: boolean,
  sp: ObservedServicePrincipal,
  inheritance: string | undefined,
): Notice {
  const q = psQuote;
  const revoke = rights.map((r) =>
    r === "FullAccess"
      ? `Remove-MailboxPermission -Identity ${q(m.identity)} -User ${q(sp.objectId)} -AccessRights FullAccess` +
        `${inheritance ? ` -InheritanceType ${inheritance}` : ""} -Confirm:$false`
      : `Remove-RecipientPermission -Identity ${q(m.identity)} -Trustee ${q(sp.objectId)} -AccessRights SendAs -Confirm:$false`,
  );
  const grant: HeldGrant = { mailbox: m.address, displayName: m.displayName, rights, recorded, revoke };
  const who = `service principal ${sp.displayName ? `${sp.displayName} (${sp.objectId})` : sp.objectId}`;
  const name = m.displayName ? ` (${m.displayName})` : "";
  const owner = recorded
    ? "which the config no longer asks for; recorded by this stack, so apply revokes it"
    : "which the config does not ask for; granted outside this stack, so apply leaves it alone";
  return {
    level: "warning",
    message: `Mailbox ${m.address}${name}: ${who} holds ${rights.join(" and ")}, ${owner}. To revoke it by hand: ${revoke.join("; ")}`,
    grant,
  };
}

function text(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(text) : v === undefined || v === null || v === "" ? [] : [text(v)];
}

/**
 * The scan as plan's report shows it on stdout (each line still to be escaped with
 * components/printable.ts): every mailbox our principal holds rights on, those outside the config
 * with who owns them and the commands that revoke them.
 */
export function scanLines(
  report: ScanReport,
  principal: { displayName: string; objectId: string },
): string[] {
  const who = `${principal.displayName} (${principal.objectId})`;
  const read = count(report.mailboxes, "mailbox", "mailboxes");
  const lines = [
    // No cmdlet at all: Exchange has no principal for our AppId (scanMailboxes reads nothing).
    report.cmdlets === 0
      ? "Scan: Exchange has no service principal for this application yet, so no mailbox can hold a grant to it (nothing read)."
      : report.holdings.length === 0
        ? `Scan: ${read} read; ${who} holds FullAccess or SendAs on none of them.`
        : `Scan: ${read} read; ${who} holds FullAccess or SendAs on ${report.holdings.length}:`,
  ];
  const grants = report.notices.flatMap((n) => (n.grant ? [n.grant] : []));
  for (const h of report.holdings) {
    const name = h.displayName ? ` (${h.displayName})` : "";
    lines.push(
      `  ${h.inConfig ? "=" : "!"} ${h.mailbox}${name}: ${h.rights.join(", ")}${h.inConfig ? ", as the config asks" : ""}`,
    );
    for (const g of grants.filter((x) => x.mailbox === h.mailbox)) {
      lines.push(
        g.recorded
          ? `      ${g.rights.join(" and ")}: not in the config, recorded by this stack: apply revokes it`
          : `      ${g.rights.join(" and ")}: not in the config, granted outside this stack: apply leaves it alone`,
      );
      for (const c of g.revoke) lines.push(`      revoke by hand: ${c}`);
    }
  }
  return lines;
}
