// The Exchange step's settings checked as a whole, with the rules of ./rules.ts: the same checks
// for the driver's decoder (values from the Command's environment), the component (its
// arguments) and the session (what it is handed). Each caller names the fields its own way
// (an environment variable, an argument path, a config key) with renderProblem
// (docs/exchange-step.md, "Validation"). Pure.
import { didYouMean } from "../choices";
import { addressKey } from "../identifiers";
import { recordOfMailboxes, recordTooLarge } from "./record";
import {
  ACCESS_TOKEN_ENV_RULE,
  AUTOMATION_APP_ID_RULE,
  CERTIFICATE_RULE,
  DISPLAY_NAME_RULE,
  DRIVER_CONNECTIONS,
  EMPTY_MAILBOXES_PROBLEM,
  MAIL_APP_ID_RULE,
  MAILBOX_ADDRESS_RULE,
  MANAGED_IDENTITY_ACCOUNT_ID_RULE,
  ORGANIZATION_RULE,
  PWSH_RULE,
  RETRY_DEADLINE_RULE,
  SERVICE_PRINCIPAL_OBJECT_ID_RULE,
  VALUE_PLACEHOLDER,
  fillValue,
  problemWith,
  showValue,
  type ValueRule,
} from "./rules";

/** A settings field, by its name in ExchangeConnectionSettings / DesiredState. */
export type SettingsField =
  | "organization"
  | "connection"
  | "automationAppId"
  | "certificate"
  | "certificatePassword"
  | "managedIdentityAccountId"
  | "accessTokenEnv"
  | "pwsh"
  | "retryDeadlineSeconds"
  | "appId"
  | "servicePrincipalObjectId"
  | "displayName"
  | "mailboxes";

/** Fields whose values are never shown in a message. */
export const SECRET_FIELDS: ReadonlySet<SettingsField> = new Set(["certificate", "certificatePassword"]);

/** One problem, before the caller names the field. */
export interface SettingsProblem {
  field: SettingsField;
  /** For mailboxes: the list index, and the item's key (address, sendAs). */
  index?: number;
  key?: string;
  /** May hold VALUE_PLACEHOLDER, and FIRST_PLACEHOLDER when `first` is set. */
  message: string;
  value: unknown;
  /** For a repeated mailbox: the index of its first listing. */
  first?: number;
}

/** Stands for the name of a repeated mailbox's first listing (renderProblem fills it in). */
export const FIRST_PLACEHOLDER = "{first}";

/** How much of the certificate to check: its presence (the driver), or its encoding too (config). */
export type CertificateCheck = "present" | "encoding";

/** The connecting settings, as loose values (the decoder passes raw text). */
export interface ConnectionInput {
  organization?: unknown;
  connection?: unknown;
  automationAppId?: unknown;
  certificate?: unknown;
  certificatePassword?: unknown;
  managedIdentityAccountId?: unknown;
  accessTokenEnv?: unknown;
  pwsh?: unknown;
  retryDeadlineSeconds?: unknown;
}

function check(
  out: SettingsProblem[],
  field: SettingsField,
  rule: ValueRule,
  value: unknown,
  optional = false,
) {
  if (optional && value === undefined) return;
  const message = problemWith(rule, value);
  if (message) out.push({ field, message, value });
}

/**
 * Problems of the connecting settings (ExchangeConnectionSettings). `connection` must be one the
 * driver runs; "manual" gets its own problem (nothing to connect).
 */
export function connectionProblems(c: ConnectionInput, certificate: CertificateCheck): SettingsProblem[] {
  const out: SettingsProblem[] = [];
  check(out, "organization", ORGANIZATION_RULE, c.organization);
  check(out, "pwsh", PWSH_RULE, c.pwsh);
  check(out, "retryDeadlineSeconds", RETRY_DEADLINE_RULE, c.retryDeadlineSeconds);
  switch (c.connection) {
    case "certificate":
      check(out, "automationAppId", AUTOMATION_APP_ID_RULE, c.automationAppId);
      if (certificate === "encoding") check(out, "certificate", CERTIFICATE_RULE, c.certificate);
      else if (typeof c.certificate !== "string" || c.certificate.trim() === "")
        out.push({
          field: "certificate",
          message: `${c.certificate === undefined ? "missing" : "empty"}: expected ${CERTIFICATE_RULE.expected}`,
          value: undefined,
        });
      if (c.certificatePassword !== undefined && typeof c.certificatePassword !== "string")
        out.push({
          field: "certificatePassword",
          message: "is not a string: expected the PFX password",
          value: undefined,
        });
      break;
    case "managedIdentity":
      check(
        out,
        "managedIdentityAccountId",
        MANAGED_IDENTITY_ACCOUNT_ID_RULE,
        c.managedIdentityAccountId,
        true,
      );
      break;
    case "accessToken":
      check(out, "accessTokenEnv", ACCESS_TOKEN_ENV_RULE, c.accessTokenEnv);
      break;
    case "manual":
      out.push({
        field: "connection",
        message:
          `${VALUE_PLACEHOLDER} runs nothing: with connection "manual" an admin runs the runbook ` +
          "(`npm run exchange -- runbook`); the driver runs one of " +
          DRIVER_CONNECTIONS.join(", "),
        value: c.connection,
      });
      break;
    default:
      out.push({
        field: "connection",
        message:
          c.connection === undefined
            ? `missing: expected one of ${DRIVER_CONNECTIONS.join(", ")}`
            : `${VALUE_PLACEHOLDER} is not a connection the driver runs: expected one of ${DRIVER_CONNECTIONS.join(", ")}` +
              (typeof c.connection === "string" ? didYouMean(c.connection, DRIVER_CONNECTIONS) : ""),
        value: c.connection,
      });
  }
  return out;
}

/** The desired state, as loose values. */
export interface DesiredInput {
  appId?: unknown;
  servicePrincipalObjectId?: unknown;
  displayName?: unknown;
  /** Each item's address and sendAs. */
  mailboxes?: readonly { address?: unknown; sendAs?: unknown }[];
}

/** Problems of the desired state (DesiredState): ids, display name, mailboxes. */
export function desiredProblems(d: DesiredInput): SettingsProblem[] {
  const out: SettingsProblem[] = [];
  check(out, "appId", MAIL_APP_ID_RULE, d.appId);
  check(out, "servicePrincipalObjectId", SERVICE_PRINCIPAL_OBJECT_ID_RULE, d.servicePrincipalObjectId);
  if (
    typeof d.appId === "string" &&
    typeof d.servicePrincipalObjectId === "string" &&
    d.appId.trim() !== "" &&
    d.appId.trim().toLowerCase() === d.servicePrincipalObjectId.trim().toLowerCase()
  )
    out.push({
      field: "servicePrincipalObjectId",
      message:
        "equals the mail application's client id: it must be the enterprise application's (service principal's) object id, not the client id",
      value: d.servicePrincipalObjectId,
    });
  check(out, "displayName", DISPLAY_NAME_RULE, d.displayName);
  out.push(...mailboxProblems(d.mailboxes ?? []));
  return out;
}

/** Each address valid and listed once (in any letter case); sendAs a boolean; at least one. */
export function mailboxProblems(list: readonly { address?: unknown; sendAs?: unknown }[]): SettingsProblem[] {
  const out: SettingsProblem[] = [];
  if (list.length === 0) out.push({ field: "mailboxes", message: EMPTY_MAILBOXES_PROBLEM, value: list });
  const seen = new Map<string, number>();
  list.forEach((m, index) => {
    const problem = problemWith(MAILBOX_ADDRESS_RULE, m.address);
    if (problem) {
      out.push({ field: "mailboxes", index, key: "address", message: problem, value: m.address });
      return;
    }
    if (m.sendAs !== undefined && typeof m.sendAs !== "boolean")
      out.push({
        field: "mailboxes",
        index,
        key: "sendAs",
        message: `${VALUE_PLACEHOLDER} is not true or false`,
        value: m.sendAs,
      });
    const address = addressKey(String(m.address));
    const first = seen.get(address);
    if (first === undefined) seen.set(address, index);
    else
      out.push({
        field: "mailboxes",
        index,
        key: "address",
        message: `${VALUE_PLACEHOLDER} repeats ${FIRST_PLACEHOLDER} (addresses are not case-sensitive); list each once`,
        value: m.address,
        first,
      });
  });
  // The record must fit the one environment variable it comes back in (record.ts): only a list
  // with no other problem, and only when the plain record could be too large (cheap otherwise).
  if (out.length === 0 && list.length > 1_000) {
    const tooLarge = recordTooLarge(
      recordOfMailboxes(list.map((m) => ({ address: String(m.address), sendAs: m.sendAs === true }))),
    );
    if (tooLarge) out.push({ field: "mailboxes", message: tooLarge, value: list.length });
  }
  return out;
}

/**
 * "<name>: <message>", the value filled in (a redaction for SECRET_FIELDS). `name` gets the
 * field, index and key, e.g. "EXO_OAUTH_MAILBOXES[1].address".
 */
export function renderProblem(p: SettingsProblem, name: (p: SettingsProblem) => string): string {
  const shown = SECRET_FIELDS.has(p.field) ? "(secret value, not shown)" : showValue(p.value);
  let message = fillValue(p.message, shown);
  if (p.first !== undefined) message = message.split(FIRST_PLACEHOLDER).join(name({ ...p, index: p.first }));
  return `${name(p)}: ${message}`;
}

/** `[i].key` for list problems, "" otherwise. */
export function itemSuffix(p: SettingsProblem): string {
  return p.index === undefined ? "" : `[${p.index}]${p.key ? `.${p.key}` : ""}`;
}
