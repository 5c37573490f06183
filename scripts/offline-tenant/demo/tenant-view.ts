// What the simulated tenant holds for the stack, read straight from its state file (never from the
// stack's own outputs): the objects the stack made in Entra ID and Exchange, the rows its service
// principal holds, and what belongs to others — so "destroy removed ours and nothing else" is shown
// by reading the tenant.
import type { TenantState } from "../state";
import type { OtherPrincipal } from "../exchange/hand-edits";
import type { TenantItem } from "./items";

export interface StackIds {
  /** The application (client) id. */
  appId: string;
  /** The application registration's object id. */
  appObjectId: string;
  /** The service principal's (enterprise application's) object id. */
  spObjectId: string;
  /** The SID Exchange gave our service principal (from the record). */
  sid: string;
}

export interface TenantView {
  entra: {
    applications: string[];
    servicePrincipals: string[];
    /** Client secrets on our application. */
    passwords: number;
    /** Admin consents (app role assignments) of our service principal. */
    consents: number;
  };
  exchange: {
    servicePrincipals: string[];
    /** "mailbox FullAccess" / "mailbox SendAs" rows held by our SID. */
    ourRows: string[];
    /** The other principal's rows, as Exchange shows them. */
    othersRows: string;
    /** Every mailbox with its protocol switches. */
    mailboxes: string;
  };
}

export function viewTenant(s: TenantState, ids: StackIds, other: OtherPrincipal): TenantView {
  const ourRows: string[] = [];
  for (const m of s.exchange.mailboxes) {
    for (const r of m.permissions)
      if (r.UserSid === ids.sid) ourRows.push(`${m.address} ${r.AccessRights.join("+")}`);
    for (const r of m.recipientPermissions)
      if (r.TrusteeSidString === ids.sid) ourRows.push(`${m.address} ${r.AccessRights.join("+")}`);
  }
  const othersRows = s.exchange.mailboxes.flatMap((m) => {
    const rights = [
      ...m.permissions.filter((r) => r.UserSid === other.sid).flatMap((r) => r.AccessRights),
      ...m.recipientPermissions
        .filter((r) => r.TrusteeSidString === other.sid)
        .flatMap((r) => r.AccessRights),
    ];
    return rights.length ? [`${m.address} ${rights.join(", ")}`] : [];
  });
  return {
    entra: {
      applications: s.entra.applications.map((a) => a.displayName),
      servicePrincipals: s.entra.servicePrincipals.map((p) => p.displayName),
      passwords: s.entra.passwords.filter((p) => p.applicationObjectId === ids.appObjectId).length,
      consents: s.entra.appRoleAssignments.filter((a) => a.principalObjectId === ids.spObjectId).length,
    },
    exchange: {
      servicePrincipals: s.exchange.servicePrincipals.map((p) => p.DisplayName),
      ourRows: ourRows.sort(),
      othersRows: othersRows.sort().join("; ") || "none",
      mailboxes: s.exchange.mailboxes
        .map((m) => `${m.address.split("@")[0]} (IMAP ${on(m.ImapEnabled)}, POP ${on(m.PopEnabled)})`)
        .join(", "),
    },
  };
}

const on = (b: boolean) => (b ? "on" : "off");
const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");

/** The tenant after a change, each line with what it was before when it differs. */
export function tenantItem(
  label: string,
  after: TenantView,
  before: TenantView,
  other: OtherPrincipal,
): TenantItem {
  const line = (what: string, now: string, was: string) => ({
    what,
    value: now === was ? `${now} (unchanged)` : `${now} (was: ${was})`,
  });
  return {
    type: "tenant",
    label,
    lines: [
      line("Entra ID applications", list(after.entra.applications), list(before.entra.applications)),
      line(
        "Entra ID service principals",
        list(after.entra.servicePrincipals),
        list(before.entra.servicePrincipals),
      ),
      line("our client secrets", String(after.entra.passwords), String(before.entra.passwords)),
      line("our admin consents", String(after.entra.consents), String(before.entra.consents)),
      line(
        "Exchange service principals",
        list(after.exchange.servicePrincipals),
        list(before.exchange.servicePrincipals),
      ),
      line(
        "our FullAccess/SendAs rows",
        String(after.exchange.ourRows.length),
        String(before.exchange.ourRows.length),
      ),
      line(`${other.user}'s rows`, after.exchange.othersRows, before.exchange.othersRows),
      line("mailboxes", after.exchange.mailboxes, before.exchange.mailboxes),
    ],
  };
}
