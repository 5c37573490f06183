// The Exchange reconcile plan: a PURE function (desired, observed, previously managed) → the
// ordered operations that bring Exchange to the desired state, in the Get/Test/Set spirit.
// No I/O here: observe.ts reads Exchange, reconcile.ts applies what this returns. The desired
// and managed states are the Exchange step's (components/exchange-step/state.ts).
//
// Ownership rules (docs/exchange-step.md, "The record"):
// - a grant is ours when the record of the last successful run lists it, or when the config
//   asks for it (a desired grant found already present is adopted, not re-added);
// - a grant to our principal that is neither desired nor recorded is someone else's: never touched;
// - other principals' rows are never even looked at (observe.ts keeps only rows whose UserSid
//   equals our Exchange service principal's Sid);
// - the Exchange service principal for our AppId belongs to this stack (the AppId is the
//   application this stack registered), but only if it carries our SP object id.
import type { DesiredState, ManagedState } from "../../components/exchange-step/state";
import { normaliseAddress } from "../../components/identifiers";

/** The Exchange service principal registered for our AppId, as Get-ServicePrincipal shows it. */
export interface ObservedServicePrincipal {
  appId: string;
  /** ObjectId (= Identity): the Entra SP object id it was registered with. */
  objectId: string;
  displayName: string;
  /** Permission rows name principals by SID; "" when Exchange sent none (principal-match.ts). */
  sid: string;
  /** Why matching falls back to Exchange's -User/-Trustee filter (no Sid arrived): reported as a warning. */
  notice?: string;
}

/** One mailbox as observed, only rows of OUR principal considered. */
export interface ObservedMailbox {
  address: string;
  /** False when Exchange says the mailbox does not exist (only tolerated for mailboxes we are leaving). */
  exists: boolean;
  /** Our explicit, allowed FullAccess row (observe.ts hasFullAccess). */
  fullAccess: boolean;
  /** Our allowed SendAs row; undefined when not read (SendAs not relevant for this mailbox). */
  sendAs?: boolean;
}

export interface ObservedState {
  /** null = Exchange has no service principal for our AppId. */
  servicePrincipal: ObservedServicePrincipal | null;
  /** By lower-case address; only the mailboxes that were read. */
  mailboxes: Record<string, ObservedMailbox>;
}

export type Operation =
  | { kind: "New-ServicePrincipal"; appId: string; objectId: string; displayName: string }
  | { kind: "Remove-ServicePrincipal"; identity: string; displayName: string }
  | { kind: "Add-MailboxPermission"; mailbox: string; user: string }
  | { kind: "Remove-MailboxPermission"; mailbox: string; user: string }
  | { kind: "Add-RecipientPermission"; mailbox: string; trustee: string }
  | { kind: "Remove-RecipientPermission"; mailbox: string; trustee: string };

export type OperationKind = Operation["kind"];

/** A finding that is not an operation: reported, never acted on. */
export interface Notice {
  level: "warning" | "error";
  message: string;
  /** Set on what `plan --scan` found outside the config (./scan.ts). */
  grant?: HeldGrant;
}

/** Rights our principal holds on a mailbox the config does not ask for (`plan --scan`, ./scan.ts). */
export interface HeldGrant {
  /** PrimarySmtpAddress (or the Identity Exchange gave a recipient Get-Mailbox does not list). */
  mailbox: string;
  /** Exchange's DisplayName, unescaped ("" when none). */
  displayName: string;
  rights: ("FullAccess" | "SendAs")[];
  /** True: the record lists them, apply revokes them. False: granted outside this stack, apply leaves them alone. */
  recorded: boolean;
  /** PowerShell that revokes them by hand, one command per right, values single-quoted. */
  revoke: string[];
}

export interface Plan {
  operations: Operation[];
  notices: Notice[];
}

/** The config names the other SP object id than the one Exchange already holds for our AppId. */
export class PlanConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanConflictError";
  }
}

/**
 * `desired = null` plans removal (the Command's delete): revoke what the record says we
 * granted, then remove the service principal. Otherwise plans the apply.
 * Pure: same inputs, same operations, same order. Throws PlanConflictError for a principal that
 * is not ours to replace, and an Error if a mailbox it must decide on was not observed.
 */
export function plan(
  desired: DesiredState | null,
  observed: ObservedState,
  managed: ManagedState | null,
  removalTarget?: { appId: string; servicePrincipalObjectId: string },
): Plan {
  const p =
    desired === null ? planRemoval(observed, managed, removalTarget) : planApply(desired, observed, managed);
  const notice = observed.servicePrincipal?.notice;
  if (notice) p.notices.unshift({ level: "warning", message: notice });
  return p;
}

function recordedGrants(managed: ManagedState | null): Map<string, { fullAccess: boolean; sendAs: boolean }> {
  const m = new Map<string, { fullAccess: boolean; sendAs: boolean }>();
  for (const g of managed?.mailboxes ?? [])
    m.set(normaliseAddress(g.address), { fullAccess: g.fullAccess, sendAs: g.sendAs });
  return m;
}

function planApply(desired: DesiredState, observed: ObservedState, managed: ManagedState | null): Plan {
  // Built in four lists, concatenated in this order: retire a stale principal (its grants, then
  // itself), register ours, grant, then revoke what left the config. Granting before revoking
  // means a run killed half-way never holds fewer of the desired grants than before it started.
  const retire: Operation[] = [];
  const register: Operation[] = [];
  const grant: Operation[] = [];
  const revoke: Operation[] = [];
  const notices: Notice[] = [];
  const ours = recordedGrants(managed);
  const user = desired.servicePrincipalObjectId;
  const sp = observed.servicePrincipal;
  let freshPrincipal = sp === null;

  if (sp !== null && sp.objectId.toLowerCase() !== desired.servicePrincipalObjectId.toLowerCase()) {
    // Exchange holds a registration for our AppId that points at another Entra object. If our
    // record says we registered it (the Entra SP was replaced since), retire it with its grants;
    // otherwise it is not ours to delete, and leaving it would make every login fail.
    if (managed?.servicePrincipal?.objectId.toLowerCase() === sp.objectId.toLowerCase()) {
      for (const [address, g] of ours) {
        const seen = observed.mailboxes[address];
        if (g.sendAs && seen?.sendAs)
          retire.push({ kind: "Remove-RecipientPermission", mailbox: address, trustee: sp.objectId });
        if (g.fullAccess && seen?.fullAccess)
          retire.push({ kind: "Remove-MailboxPermission", mailbox: address, user: sp.objectId });
      }
      retire.push({ kind: "Remove-ServicePrincipal", identity: sp.objectId, displayName: sp.displayName });
      freshPrincipal = true;
    } else {
      throw new PlanConflictError(
        `Registering service principal for application ${desired.appId}: Exchange already has one for this AppId ` +
          `with ObjectId ${sp.objectId}, but the enterprise application's (service principal's) object id is ` +
          `${desired.servicePrincipalObjectId}. It was not registered by this stack, so it is left alone; ` +
          `remove it (Remove-ServicePrincipal -Identity ${sp.objectId}) and run again.`,
      );
    }
  }

  if (freshPrincipal) {
    register.push({
      kind: "New-ServicePrincipal",
      appId: desired.appId,
      objectId: desired.servicePrincipalObjectId,
      displayName: desired.displayName,
    });
  }

  const wanted = new Set<string>();
  for (const mb of desired.mailboxes) {
    const address = normaliseAddress(mb.address);
    wanted.add(address);
    // A new principal has a new SID: nothing of its own can be on any mailbox yet.
    const seen = freshPrincipal ? undefined : observed.mailboxes[address];
    if (!freshPrincipal && seen === undefined) throw notObserved(address);
    if (!seen?.fullAccess) grant.push({ kind: "Add-MailboxPermission", mailbox: address, user });
    if (mb.sendAs) {
      if (!seen?.sendAs) grant.push({ kind: "Add-RecipientPermission", mailbox: address, trustee: user });
    } else if (ours.get(address)?.sendAs && seen?.sendAs) {
      // Present, ours, and no longer desired → revoke. Present and not ours → someone else's: leave it.
      revoke.push({ kind: "Remove-RecipientPermission", mailbox: address, trustee: user });
    }
  }

  if (!freshPrincipal) {
    for (const [address, g] of ours) {
      if (wanted.has(address)) continue;
      revoke.push(...revocations(address, g, observed, user, notices));
    }
  }

  return { operations: [...retire, ...register, ...grant, ...revoke], notices };
}

function notObserved(address: string): Error {
  return new Error(
    `Planning ${address}: the mailbox was not observed (observe.ts reads every desired and recorded mailbox)`,
  );
}

function revocations(
  address: string,
  g: { fullAccess: boolean; sendAs: boolean },
  observed: ObservedState,
  user: string,
  notices: Notice[],
): Operation[] {
  const seen = observed.mailboxes[address];
  if (seen === undefined) throw notObserved(address);
  if (!seen.exists) {
    notices.push({
      level: "warning",
      message: `Mailbox ${address} no longer exists in Exchange: nothing to revoke`,
    });
    return [];
  }
  const ops: Operation[] = [];
  if (g.sendAs && seen.sendAs)
    ops.push({ kind: "Remove-RecipientPermission", mailbox: address, trustee: user });
  if (g.fullAccess && seen.fullAccess) ops.push({ kind: "Remove-MailboxPermission", mailbox: address, user });
  return ops;
}

function planRemoval(
  observed: ObservedState,
  managed: ManagedState | null,
  target?: { appId: string; servicePrincipalObjectId: string },
): Plan {
  const notices: Notice[] = [];
  const sp = observed.servicePrincipal;
  // Without an Exchange SP there is nothing of ours to revoke: grants name the SP by its SID,
  // and a missing SP cannot be named to Remove-MailboxPermission.
  if (sp === null) return { operations: [], notices };

  const ourObjectIds = new Set(
    [managed?.servicePrincipal?.objectId, target?.servicePrincipalObjectId]
      .filter((x): x is string => typeof x === "string" && x !== "")
      .map((x) => x.toLowerCase()),
  );
  if (!ourObjectIds.has(sp.objectId.toLowerCase())) {
    notices.push({
      level: "warning",
      message:
        `Exchange's service principal for AppId ${sp.appId} carries ObjectId ${sp.objectId}, which this stack ` +
        `did not register: left alone`,
    });
    return { operations: [], notices };
  }

  const operations: Operation[] = [];
  for (const [address, g] of recordedGrants(managed)) {
    operations.push(...revocations(address, g, observed, sp.objectId, notices));
  }
  // The principal goes last: Remove-*Permission must still be able to resolve it.
  operations.push({ kind: "Remove-ServicePrincipal", identity: sp.objectId, displayName: sp.displayName });
  return { operations, notices };
}

/** The subject of an operation, for messages: "FullAccess on billing@contoso.com". */
export function describeOperation(op: Operation, principal: string): string {
  switch (op.kind) {
    case "New-ServicePrincipal":
      return `Registering service principal ${op.objectId} (AppId ${op.appId}) in Exchange`;
    case "Remove-ServicePrincipal":
      return `Removing service principal ${op.identity} from Exchange`;
    case "Add-MailboxPermission":
      return `Granting FullAccess on ${op.mailbox} to ${principal}`;
    case "Remove-MailboxPermission":
      return `Revoking FullAccess on ${op.mailbox} from ${principal}`;
    case "Add-RecipientPermission":
      return `Granting SendAs on ${op.mailbox} to ${principal}`;
    case "Remove-RecipientPermission":
      return `Revoking SendAs on ${op.mailbox} from ${principal}`;
  }
}

/**
 * An operation as a plan line says it, in the imperative and with names and ids, as `pulumi preview`
 * does: "grant FullAccess on billing@contoso.com to Mail OAuth (0d8e…)".
 */
export function planLine(op: Operation, principal: { displayName: string; objectId: string }): string {
  const to = `${principal.displayName} (${principal.objectId})`;
  switch (op.kind) {
    case "New-ServicePrincipal":
      return `register service principal ${op.displayName} (${op.objectId}, AppId ${op.appId}) in Exchange`;
    case "Remove-ServicePrincipal":
      return `remove service principal ${op.displayName} (${op.identity}) from Exchange`;
    case "Add-MailboxPermission":
      return `grant FullAccess on ${op.mailbox} to ${to}`;
    case "Remove-MailboxPermission":
      return `revoke FullAccess on ${op.mailbox} from ${to}`;
    case "Add-RecipientPermission":
      return `grant SendAs on ${op.mailbox} to ${to}`;
    case "Remove-RecipientPermission":
      return `revoke SendAs on ${op.mailbox} from ${to}`;
  }
}

/** The cmdlet and parameters an operation runs (the shim's request). */
export function toCmdlet(op: Operation): {
  cmdlet: OperationKind;
  params: Record<string, string | boolean | string[]>;
} {
  switch (op.kind) {
    case "New-ServicePrincipal":
      // -ObjectId, never the deprecated -ServiceId (New-ServicePrincipal.md).
      return {
        cmdlet: op.kind,
        params: { AppId: op.appId, ObjectId: op.objectId, DisplayName: op.displayName },
      };
    case "Remove-ServicePrincipal":
      return { cmdlet: op.kind, params: { Identity: op.identity, Confirm: false } };
    case "Add-MailboxPermission":
      return {
        cmdlet: op.kind,
        params: { Identity: op.mailbox, User: op.user, AccessRights: ["FullAccess"], InheritanceType: "All" },
      };
    case "Remove-MailboxPermission":
      return {
        cmdlet: op.kind,
        params: {
          Identity: op.mailbox,
          User: op.user,
          AccessRights: ["FullAccess"],
          InheritanceType: "All",
          Confirm: false,
        },
      };
    case "Add-RecipientPermission":
      return {
        cmdlet: op.kind,
        params: { Identity: op.mailbox, Trustee: op.trustee, AccessRights: ["SendAs"], Confirm: false },
      };
    case "Remove-RecipientPermission":
      return {
        cmdlet: op.kind,
        params: { Identity: op.mailbox, Trustee: op.trustee, AccessRights: ["SendAs"], Confirm: false },
      };
  }
}
