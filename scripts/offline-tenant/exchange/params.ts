// Parameter binding as PowerShell does it for the allow-listed cmdlets: names match
// case-insensitively, unknown names, wrong types, empty mandatory values and missing
// mandatory parameters fail with PowerShell's own errors. Only the parameters the project
// could plausibly use are modelled; the rest of each cmdlet's surface is refused like a typo.
import {
  cannotConvert,
  duplicateParameter,
  emptyArgument,
  missingMandatory,
  unknownParameter,
} from "./errors";

type ParamType =
  | { t: "string" }
  | { t: "switch" }
  | { t: "bool" }
  | { t: "enum"; values: readonly string[]; dotnet: string }
  | { t: "enumArray"; values: readonly string[]; dotnet: string }
  | { t: "stringArray" }
  | { t: "resultSize" };

interface ParamSpec {
  type: ParamType;
  mandatory?: boolean;
}
export interface CmdletSpec {
  params: Record<string, ParamSpec>;
  kind: "read" | "write";
  /** ConfirmImpact high: needs -Confirm:$false under -NonInteractive. */
  confirms?: boolean;
  /** At least one of these must be given (parameter sets). */
  oneOf?: string[];
}

const str: ParamSpec = { type: { t: "string" } };
const mandatoryStr: ParamSpec = { type: { t: "string" }, mandatory: true };
const sw: ParamSpec = { type: { t: "switch" } };
const resultSize: ParamSpec = { type: { t: "resultSize" } };
export const MAILBOX_RIGHTS = [
  "ChangeOwner",
  "ChangePermission",
  "DeleteItem",
  "ExternalAccount",
  "FullAccess",
  "ReadPermission",
] as const;
const INHERITANCE = ["None", "All", "Descendents", "SelfAndChildren", "Children"] as const;
const mailboxRights = (mandatory: boolean): ParamSpec => ({
  type: {
    t: "enumArray",
    values: MAILBOX_RIGHTS,
    dotnet: "Microsoft.Exchange.Management.RecipientTasks.MailboxRights[]",
  },
  mandatory,
});
const inheritance: ParamSpec = {
  type: {
    t: "enum",
    values: INHERITANCE,
    dotnet: "System.DirectoryServices.ActiveDirectorySecurityInheritance",
  },
};
const recipientRights = (mandatory: boolean): ParamSpec => ({
  type: {
    t: "enumArray",
    values: ["SendAs"],
    dotnet: "Microsoft.Exchange.Management.RecipientTasks.RecipientAccessRight[]",
  },
  mandatory,
});
const shouldProcess = { Confirm: sw, WhatIf: sw };

const RECIPIENT_PERMISSION_WRITE: CmdletSpec = {
  kind: "write",
  confirms: true,
  params: {
    Identity: mandatoryStr,
    Trustee: mandatoryStr,
    AccessRights: recipientRights(true),
    ...shouldProcess,
  },
};

export const CMDLETS: Record<string, CmdletSpec> = {
  "Get-ServicePrincipal": { kind: "read", params: { Identity: str, Organization: str } },
  "New-ServicePrincipal": {
    kind: "write",
    params: {
      AppId: mandatoryStr,
      ObjectId: str,
      ServiceId: str,
      DisplayName: str,
      Organization: str,
      ...shouldProcess,
    },
    oneOf: ["ObjectId", "ServiceId"],
  },
  "Remove-ServicePrincipal": {
    kind: "write",
    confirms: true,
    params: { Identity: mandatoryStr, ...shouldProcess },
  },
  "Get-MailboxPermission": {
    kind: "read",
    params: { Identity: mandatoryStr, User: str, Owner: sw, ResultSize: resultSize },
  },
  "Add-MailboxPermission": {
    kind: "write",
    params: {
      Identity: mandatoryStr,
      User: mandatoryStr,
      AccessRights: mailboxRights(true),
      InheritanceType: inheritance,
      AutoMapping: { type: { t: "bool" } },
      Deny: sw,
      ...shouldProcess,
    },
  },
  "Remove-MailboxPermission": {
    kind: "write",
    confirms: true,
    params: {
      Identity: mandatoryStr,
      User: mandatoryStr,
      AccessRights: mailboxRights(true),
      InheritanceType: inheritance,
      Deny: sw,
      BypassMasterAccountSid: sw,
      ...shouldProcess,
    },
  },
  "Get-RecipientPermission": {
    kind: "read",
    params: { Identity: str, Trustee: str, AccessRights: recipientRights(false), ResultSize: resultSize },
  },
  // Add- and Remove-RecipientPermission take the same parameters (both confirm).
  "Add-RecipientPermission": RECIPIENT_PERMISSION_WRITE,
  "Remove-RecipientPermission": RECIPIENT_PERMISSION_WRITE,
  "Get-Mailbox": { kind: "read", params: { Identity: str, ResultSize: resultSize } },
  "Get-EXOMailbox": {
    kind: "read",
    params: {
      Identity: str,
      ResultSize: resultSize,
      Properties: { type: { t: "stringArray" } },
      PropertySets: { type: { t: "stringArray" } },
    },
  },
  "Get-CASMailbox": { kind: "read", params: { Identity: str, ResultSize: resultSize } },
  // Get-TransportConfig.md: -Identity (OrganizationIdParameter) only; -DomainController is Exchange Server's.
  "Get-TransportConfig": { kind: "read", params: { Identity: str } },
};

/** The shim adds these itself; sending them again is a binding error. */
const SHIM_COMMON = ["ErrorAction", "WarningAction", "WarningVariable"];

export type Bound = Record<string, string | boolean | string[] | null | undefined>;

/** Bind raw JSON params to a cmdlet: canonical names, validated values; throws PowerShell's errors. */
export function bindParameters(cmdlet: string, raw: unknown): Bound {
  const spec = CMDLETS[cmdlet];
  const bound: Bound = {};
  const given = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(given)) {
    if (SHIM_COMMON.some((c) => c.toLowerCase() === name.toLowerCase()))
      throw duplicateParameter(cmdlet, name);
    const canonical = Object.keys(spec.params).find((p) => p.toLowerCase() === name.toLowerCase());
    if (!canonical) throw unknownParameter(cmdlet, name);
    if (canonical in bound) throw duplicateParameter(cmdlet, canonical);
    bound[canonical] = convert(cmdlet, canonical, spec.params[canonical], value);
  }
  const missing = Object.entries(spec.params)
    .filter(([name, p]) => p.mandatory && !(name in bound))
    .map(([name]) => name);
  if (spec.oneOf && !spec.oneOf.some((n) => n in bound)) missing.push(spec.oneOf[0]);
  if (missing.length) throw missingMandatory(cmdlet, missing);
  return bound;
}

function convert(cmdlet: string, name: string, p: ParamSpec, value: unknown): Bound[string] {
  const t = p.type;
  if (value === null || value === "") {
    if (p.mandatory) throw emptyArgument(cmdlet, name, value === null);
    if (t.t === "string") return value;
  }
  switch (t.t) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number") return String(value);
      throw cannotConvert(cmdlet, name, value, "System.String");
    case "switch":
    case "bool":
      if (typeof value === "boolean") return value;
      throw cannotConvert(
        cmdlet,
        name,
        value,
        t.t === "switch" ? "System.Management.Automation.SwitchParameter" : "System.Boolean",
      );
    case "resultSize":
      if (value === "Unlimited" || (typeof value === "number" && Number.isInteger(value) && value > 0))
        return String(value);
      throw cannotConvert(cmdlet, name, value, "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]");
    case "stringArray": {
      const arr = Array.isArray(value) ? value : [value];
      if (arr.every((v) => typeof v === "string")) return arr as string[];
      throw cannotConvert(cmdlet, name, value, "System.String[]");
    }
    case "enum":
    case "enumArray": {
      const arr = t.t === "enumArray" && Array.isArray(value) ? value : [value];
      const out: string[] = [];
      for (const v of arr) {
        const hit =
          typeof v === "string" ? t.values.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
        if (!hit) throw cannotConvert(cmdlet, name, v, t.dotnet, t.values);
        out.push(hit);
      }
      return t.t === "enum" ? out[0] : out;
    }
  }
}
