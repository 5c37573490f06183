// Exchange Online's behaviour for the allow-listed cmdlets, over the `exchange` part of the
// offline tenant state. Pure over (state, bound params): the caller loads and saves state.
// Facts: docs/microsoft-contract.md, "Exchange Online" and "Object shapes"; what is inferred says so.
import { createHash } from "node:crypto";
import type {
  ExchangeMailbox,
  ExchangeServicePrincipal,
  MailboxPermissionRow,
  RecipientPermissionRow,
  TenantState,
} from "../state";
import { newSid } from "../state";
import {
  alreadyExists,
  ambiguous,
  nonInteractivePrompt,
  objectNotFound,
  referencedNotFound,
  spNotFound,
} from "./errors";
import { CMDLETS, type Bound } from "./params";

export interface CmdletOutcome {
  result: Record<string, unknown>[];
  warnings: string[];
  /** True when state changed and must be saved. */
  wrote: boolean;
}

type Handler = (state: TenantState, p: Bound, cmdlet: string) => CmdletOutcome;

const ok = (
  result: Record<string, unknown>[] = [],
  warnings: string[] = [],
  wrote = false,
): CmdletOutcome => ({
  result,
  warnings,
  wrote,
});

/** Run one bound cmdlet. Throws SimError with Exchange's error. */
export function runCmdlet(state: TenantState, cmdlet: string, p: Bound): CmdletOutcome {
  if (CMDLETS[cmdlet].confirms && p.Confirm !== false) throw nonInteractivePrompt(cmdlet);
  if (p.WhatIf === true) return ok();
  return HANDLERS[cmdlet](state, p, cmdlet);
}

// ---- shapes ----

const guidFrom = (text: string) => {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
const spDn = (state: TenantState, sp: ExchangeServicePrincipal) =>
  `CN=${sp.ObjectId},OU=${state.organization},OU=Microsoft Exchange Hosted Organizations,DC=NAMPR01A001,DC=PROD,DC=OUTLOOK,DC=COM`;

/** Get-ServicePrincipal's object: stored properties plus the generic ones (reported and inferred: docs/microsoft-contract.md, "Exchange service principal object"). */
function spObject(state: TenantState, sp: ExchangeServicePrincipal): Record<string, unknown> {
  return {
    ...sp,
    RecipientType: "User",
    RecipientTypeDetails: "ServicePrinciple", // sic (reported: docs/microsoft-contract.md, "Exchange service principal object")
    DistinguishedName: spDn(state, sp),
    Guid: guidFrom(`guid:${sp.ObjectId}`),
    ExchangeObjectId: guidFrom(`guid:${sp.ObjectId}`),
  };
}
const mailboxPermissionObject = (row: MailboxPermissionRow) => ({
  ...row,
  IsValid: true,
  ObjectState: "Unchanged",
});
const recipientPermissionObject = (row: RecipientPermissionRow) => ({
  ...row,
  IsValid: true,
  ObjectState: "Unchanged",
});
const alias = (mb: ExchangeMailbox) => mb.address.split("@")[0];
function mailboxObject(mb: ExchangeMailbox): Record<string, unknown> {
  return {
    Identity: alias(mb),
    Name: alias(mb),
    Alias: alias(mb),
    DisplayName: mb.displayName ?? alias(mb),
    PrimarySmtpAddress: mb.address,
    UserPrincipalName: mb.address,
    DistinguishedName: mb.distinguishedName,
    RecipientType: "UserMailbox",
    RecipientTypeDetails: "UserMailbox",
    ExchangeGuid: guidFrom(`mbx:${mb.address}`),
  };
}
const casMailboxObject = (mb: ExchangeMailbox) => ({
  Identity: alias(mb),
  Name: alias(mb),
  PrimarySmtpAddress: mb.address,
  ImapEnabled: mb.ImapEnabled,
  PopEnabled: mb.PopEnabled,
  SmtpClientAuthenticationDisabled: mb.SmtpClientAuthenticationDisabled,
});

// ---- resolution ----

/** A mailbox by address, alias or DN (case-insensitive); unknown → Ex6F9304 (docs/microsoft-contract.md, "Errors"). */
function findMailbox(state: TenantState, cmdlet: string, identity: string): ExchangeMailbox {
  const id = identity.toLowerCase();
  const mb = state.exchange.mailboxes.find(
    (m) => m.address === id || alias(m).toLowerCase() === id || m.distinguishedName.toLowerCase() === id,
  );
  if (!mb) throw objectNotFound(cmdlet, identity);
  return mb;
}

/** Service principals answering to an identity: ObjectId/Identity, AppId, Name, Sid, DisplayName. */
function matchServicePrincipals(state: TenantState, identity: string): ExchangeServicePrincipal[] {
  const id = identity.toLowerCase();
  const exact = state.exchange.servicePrincipals.filter((sp) =>
    [sp.Identity, sp.ObjectId, sp.AppId, sp.Name, sp.Sid].some((v) => v.toLowerCase() === id),
  );
  if (exact.length) return exact;
  return state.exchange.servicePrincipals.filter((sp) => sp.DisplayName.toLowerCase() === id);
}
function findServicePrincipal(state: TenantState, cmdlet: string, identity: string, referenced: boolean) {
  const hits = matchServicePrincipals(state, identity);
  if (hits.length > 1) throw ambiguous(cmdlet, identity);
  if (!hits.length)
    throw referenced ? referencedNotFound(cmdlet, identity) : objectNotFound(cmdlet, identity);
  return hits[0];
}

/** A principal named in -User/-Trustee: a registered SP, or a SID/name already on some row. */
function findPrincipal(state: TenantState, cmdlet: string, name: string): { sid: string; display: string } {
  const sps = matchServicePrincipals(state, name);
  if (sps.length > 1) throw ambiguous(cmdlet, name);
  if (sps.length) return { sid: sps[0].Sid, display: sps[0].DisplayName };
  const n = name.toLowerCase();
  for (const mb of state.exchange.mailboxes) {
    for (const r of mb.permissions)
      if (r.UserSid.toLowerCase() === n || r.User.toLowerCase() === n)
        return { sid: r.UserSid, display: r.User };
    for (const r of mb.recipientPermissions)
      if (r.TrusteeSidString.toLowerCase() === n || r.Trustee.toLowerCase() === n)
        return { sid: r.TrusteeSidString, display: r.Trustee };
  }
  throw referencedNotFound(cmdlet, name);
}

// ---- -ResultSize (docs/microsoft-contract.md, "Listing the tenant's mailboxes") ----

/** Get-Mailbox.md, Get-RecipientPermission.md -ResultSize: "The default value is 1000". */
export const DEFAULT_RESULT_SIZE = 1000;
/** What Exchange warns when it returns fewer results than there are (reported; wording inferred). */
export const MORE_RESULTS_WARNING =
  "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.";

/** At most -ResultSize results (default 1000), with Exchange's warning when some were left out. */
function limited(rows: Record<string, unknown>[], p: Bound): CmdletOutcome {
  const size =
    p.ResultSize === undefined
      ? DEFAULT_RESULT_SIZE
      : p.ResultSize === "Unlimited"
        ? Infinity
        : Number(p.ResultSize);
  return rows.length <= size ? ok(rows) : ok(rows.slice(0, size), [MORE_RESULTS_WARNING]);
}

// ---- warnings (docs/microsoft-contract.md, "Warnings") ----
const alreadyPresent = (dn: string, account: string) =>
  `The appropriate access control entry is already present on the object "${dn}" for account "${account}".`;
const aceMissing = (dn: string, account: string) =>
  `Can't remove the access control entry on the object "${dn}" for account "${account}" because the ACE doesn't exist on the object.`;
const SERVICE_ID_DEPRECATED = "The ServiceId parameter is deprecated. Use the ObjectId parameter instead."; // gist reported, wording inferred

// ---- handlers ----

const HANDLERS: Record<string, Handler> = {
  "Get-ServicePrincipal"(state, p, cmdlet) {
    // The trap (docs/microsoft-contract.md, "Looking up service principals"): -Identity $null or '' binds to nothing and returns every object.
    if (p.Identity === undefined || p.Identity === null || p.Identity === "")
      return ok(state.exchange.servicePrincipals.map((sp) => spObject(state, sp)));
    return ok([spObject(state, findServicePrincipal(state, cmdlet, p.Identity as string, false))]);
  },

  "New-ServicePrincipal"(state, p, cmdlet) {
    const warnings: string[] = [];
    const appId = p.AppId as string;
    let objectId = p.ObjectId as string | undefined;
    if (!objectId && p.ServiceId) {
      objectId = p.ServiceId as string;
      warnings.push(SERVICE_ID_DEPRECATED);
    }
    // Exchange looks the SP up in Entra by object id; the app REGISTRATION's object id is not it (docs/microsoft-contract.md, "Registering the service principal").
    const entra = state.entra.servicePrincipals.find(
      (sp) =>
        sp.objectId.toLowerCase() === objectId!.toLowerCase() &&
        sp.clientId.toLowerCase() === appId.toLowerCase(),
    );
    if (!entra) throw spNotFound(cmdlet, objectId!, appId);
    const dup = state.exchange.servicePrincipals.find(
      (sp) =>
        sp.AppId.toLowerCase() === appId.toLowerCase() ||
        sp.ObjectId.toLowerCase() === entra.objectId.toLowerCase(),
    );
    if (dup) throw alreadyExists(cmdlet, spDn(state, dup));
    const rids = state.exchange.servicePrincipals.map((sp) => Number(sp.Sid.split("-").pop()) || 0);
    const sp: ExchangeServicePrincipal = {
      AppId: entra.clientId,
      ObjectId: entra.objectId,
      Identity: entra.objectId,
      DisplayName: (p.DisplayName as string | undefined) || entra.displayName,
      Name: entra.objectId, // inferred
      Sid: newSid(state.tenantId, Math.max(50_000, ...rids) + 1),
    };
    state.exchange.servicePrincipals.push(sp);
    return ok([spObject(state, sp)], warnings, true);
  },

  "Remove-ServicePrincipal"(state, p, cmdlet) {
    const sp = findServicePrincipal(state, cmdlet, p.Identity as string, false);
    state.exchange.servicePrincipals = state.exchange.servicePrincipals.filter((x) => x !== sp);
    // Like AD: ACEs naming the removed principal stay behind, orphaned, shown by SID (inferred).
    for (const mb of state.exchange.mailboxes) {
      for (const r of mb.permissions) if (r.UserSid === sp.Sid) r.User = sp.Sid;
      for (const r of mb.recipientPermissions) if (r.TrusteeSidString === sp.Sid) r.Trustee = sp.Sid;
    }
    return ok([], [], true);
  },

  "Get-MailboxPermission"(state, p, cmdlet) {
    const mb = findMailbox(state, cmdlet, p.Identity as string);
    let rows = mb.permissions;
    if (p.User) {
      const who = findPrincipal(state, cmdlet, p.User as string);
      rows = rows.filter((r) => r.UserSid === who.sid);
    }
    return ok(rows.map(mailboxPermissionObject));
  },

  "Add-MailboxPermission"(state, p, cmdlet) {
    const mb = findMailbox(state, cmdlet, p.Identity as string);
    const who = findPrincipal(state, cmdlet, p.User as string);
    const rights = p.AccessRights as string[];
    const deny = p.Deny === true;
    const inheritance = (p.InheritanceType as string | undefined) ?? "All";
    const row = mb.permissions.find((r) => r.UserSid === who.sid && !r.IsInherited && r.Deny === deny);
    if (row && rights.every((x) => row.AccessRights.includes(x)))
      return ok([], [alreadyPresent(mb.distinguishedName, who.display)]);
    if (row) {
      row.AccessRights = [...row.AccessRights, ...rights.filter((x) => !row.AccessRights.includes(x))];
      return ok([mailboxPermissionObject(row)], [], true);
    }
    const added: MailboxPermissionRow = {
      Identity: alias(mb),
      User: who.display,
      UserSid: who.sid,
      AccessRights: [...rights],
      IsInherited: false,
      Deny: deny,
      InheritanceType: inheritance,
    };
    mb.permissions.push(added);
    return ok([mailboxPermissionObject(added)], [], true);
  },

  "Remove-MailboxPermission"(state, p, cmdlet) {
    const mb = findMailbox(state, cmdlet, p.Identity as string);
    const who = findPrincipal(state, cmdlet, p.User as string);
    const rights = p.AccessRights as string[];
    const deny = p.Deny === true;
    const row = mb.permissions.find((r) => r.UserSid === who.sid && !r.IsInherited && r.Deny === deny);
    if (!row || !rights.some((x) => row.AccessRights.includes(x)))
      return ok([], [aceMissing(mb.distinguishedName, who.display)]);
    row.AccessRights = row.AccessRights.filter((x) => !rights.includes(x));
    if (!row.AccessRights.length) mb.permissions = mb.permissions.filter((r) => r !== row);
    return ok([], [], true);
  },

  "Get-RecipientPermission"(state, p, cmdlet) {
    const mbs = p.Identity ? [findMailbox(state, cmdlet, p.Identity as string)] : state.exchange.mailboxes;
    let rows = mbs.flatMap((m) => m.recipientPermissions);
    if (p.Trustee) {
      const who = findPrincipal(state, cmdlet, p.Trustee as string);
      rows = rows.filter((r) => r.TrusteeSidString === who.sid);
    }
    if (p.AccessRights)
      rows = rows.filter((r) => (p.AccessRights as string[]).some((x) => r.AccessRights.includes(x)));
    return limited(rows.map(recipientPermissionObject), p);
  },

  "Add-RecipientPermission"(state, p, cmdlet) {
    const mb = findMailbox(state, cmdlet, p.Identity as string);
    const who = findPrincipal(state, cmdlet, p.Trustee as string);
    const row = mb.recipientPermissions.find(
      (r) => r.TrusteeSidString === who.sid && !r.IsInherited && r.AccessControlType === "Allow",
    );
    if (row) return ok([], [alreadyPresent(mb.distinguishedName, who.display)]);
    const added: RecipientPermissionRow = {
      Identity: alias(mb),
      Trustee: who.display,
      TrusteeSidString: who.sid,
      AccessControlType: "Allow",
      AccessRights: ["SendAs"],
      IsInherited: false,
      InheritanceType: "None",
    };
    mb.recipientPermissions.push(added);
    return ok([recipientPermissionObject(added)], [], true);
  },

  "Remove-RecipientPermission"(state, p, cmdlet) {
    const mb = findMailbox(state, cmdlet, p.Identity as string);
    const who = findPrincipal(state, cmdlet, p.Trustee as string);
    const row = mb.recipientPermissions.find(
      (r) => r.TrusteeSidString === who.sid && !r.IsInherited && r.AccessControlType === "Allow",
    );
    if (!row) return ok([], [aceMissing(mb.distinguishedName, who.display)]);
    mb.recipientPermissions = mb.recipientPermissions.filter((r) => r !== row);
    return ok([], [], true);
  },

  "Get-Mailbox"(state, p, cmdlet) {
    const mbs = p.Identity ? [findMailbox(state, cmdlet, p.Identity as string)] : state.exchange.mailboxes;
    return limited(mbs.map(mailboxObject), p);
  },
  "Get-EXOMailbox"(state, p, cmdlet) {
    return HANDLERS["Get-Mailbox"](state, p, cmdlet);
  },
  "Get-CASMailbox"(state, p, cmdlet) {
    const mbs = p.Identity ? [findMailbox(state, cmdlet, p.Identity as string)] : state.exchange.mailboxes;
    return ok(mbs.map(casMailboxObject));
  },
  // The organization's one transport config (Get-TransportConfig.md); SmtpClientAuthenticationDisabled
  // is what a mailbox's $null follows (authenticated-client-smtp-submission).
  "Get-TransportConfig"(state) {
    return ok([
      {
        Identity: "Transport Settings",
        Name: "Transport Settings",
        SmtpClientAuthenticationDisabled: state.exchange.transportConfig.SmtpClientAuthenticationDisabled,
      },
    ]);
  },
};
