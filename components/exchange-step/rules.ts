// The validation rules of the Exchange step, in ONE place: the stack config, the component and the
// driver's decoder test each value with these rules and word each problem with these messages, so
// a value one part accepts is never refused by another, and a refusal reads the same wherever it
// is found (docs/exchange-step.md, "Validation"). Shapes come from components/identifiers.ts,
// bounds from ./settings.ts. Pure: no Pulumi, no Node APIs beyond Buffer.
//
// A rule's message may hold VALUE_PLACEHOLDER: the caller replaces it with the value as it may be
// shown (showValue), or with a redaction when the value is secret. Messages never hold the value
// themselves.
import { addressProblem, GUID_SHAPE, isEnvName, isGuid, isInitialDomain, nameProblem } from "../identifiers";
import { printableJson } from "../printable";
import { DEFAULT_PWSH, EXCHANGE_CONNECTIONS, RETRY_DEADLINE_SECONDS } from "./settings";

/** Stands for the offending value in a message, until the caller fills it in (fillValue). */
export const VALUE_PLACEHOLDER = "{value}";

/** One value's rule: what it is for, what is allowed, and the check. */
export interface ValueRule {
  /** What the value is, as "missing: expected <expected>" says it. */
  readonly expected: string;
  /** What is allowed, as "<value> is not <allowed>" says it. */
  readonly allowed: string;
  /** undefined when the value is allowed; else the problem, possibly holding VALUE_PLACEHOLDER. */
  check(value: unknown): string | undefined;
}

/** "missing: expected <expected>". */
export function missingProblem(rule: ValueRule): string {
  return `missing: expected ${rule.expected}`;
}

/** "{value} is not <allowed>". */
export function notAllowedProblem(rule: ValueRule): string {
  return `${VALUE_PLACEHOLDER} is not ${rule.allowed}`;
}

/** The problem with a value that may be absent (undefined: callers read an empty environment variable as absent). */
export function problemWith(rule: ValueRule, value: unknown): string | undefined {
  if (value === undefined) return missingProblem(rule);
  return rule.check(value);
}

/** The message with VALUE_PLACEHOLDER replaced by `shown`. */
export function fillValue(message: string, shown: string): string {
  return message.split(VALUE_PLACEHOLDER).join(shown);
}

/**
 * A string matching `test` once trimmed, else notAllowedProblem. An invisible character anywhere
 * (components/identifiers.ts nameProblem) is refused by name first, trimmed or not: what reaches
 * PowerShell or a terminal is what was checked.
 */
function shapeRule(expected: string, allowed: string, test: (s: string) => boolean): ValueRule {
  const rule: ValueRule = {
    expected,
    allowed,
    check(v) {
      if (typeof v !== "string") return notAllowedProblem(rule);
      const hidden = nameProblem(v);
      if (hidden) return `${notAllowedProblem(rule)}: ${hidden}`;
      return test(v.trim()) ? undefined : notAllowedProblem(rule);
    },
  };
  return rule;
}

/** A GUID that is `role` (an Entra object or application id). */
export function guidRule(role: string): ValueRule {
  return shapeRule(`${role}, a GUID (${GUID_SHAPE})`, `a GUID (expected ${GUID_SHAPE})`, isGuid);
}

/** `exo-oauth:exchange.appId`: the AUTOMATION application Connect-ExchangeOnline signs in as. */
export const AUTOMATION_APP_ID_RULE = guidRule(
  "the application (client) id Connect-ExchangeOnline signs in as",
);

/** `exo-oauth:exchange.managedIdentityAccountId`. */
export const MANAGED_IDENTITY_ACCOUNT_ID_RULE = guidRule(
  "the user-assigned managed identity's application (client) id (leave it out for the system-assigned identity)",
);

/** The MAIL application's client id (New-ServicePrincipal -AppId). */
export const MAIL_APP_ID_RULE = guidRule("the mail application's (client) id");

/** The ENTERPRISE APPLICATION's object id (New-ServicePrincipal -ObjectId), never the app registration's. */
export const SERVICE_PRINCIPAL_OBJECT_ID_RULE = guidRule(
  "the enterprise application's (service principal's) object id",
);

/** `exo-oauth:organization`: the tenant's initial domain (Connect-ExchangeOnline -Organization). */
export const ORGANIZATION_RULE = shapeRule(
  "the tenant's <name>.onmicrosoft.com domain, e.g. contoso.onmicrosoft.com",
  "a <name>.onmicrosoft.com domain (the tenant's initial domain, e.g. contoso.onmicrosoft.com)",
  isInitialDomain,
);

/**
 * A mailbox's primary SMTP address: components/identifiers.ts addressProblem (no invisible
 * characters, RFC 5321 lengths, NFKC, no Latin look-alikes from other scripts).
 */
export const MAILBOX_ADDRESS_RULE: ValueRule = {
  expected: "an email address (e.g. helpdesk@contoso.com)",
  allowed: "an email address (e.g. helpdesk@contoso.com)",
  check(v) {
    if (typeof v !== "string") return notAllowedProblem(MAILBOX_ADDRESS_RULE);
    const problem = addressProblem(v);
    if (!problem) return undefined;
    return problem.kind === "shape"
      ? notAllowedProblem(MAILBOX_ADDRESS_RULE)
      : `${VALUE_PLACEHOLDER} is not an email address: ${problem.reason}`;
  },
};

/**
 * The application's (and its service principal's) display name: 1 to DISPLAY_NAME_MAX
 * characters, none of them invisible (components/identifiers.ts nameProblem). Quotes, `$` and
 * backticks are allowed: the runbook quotes the name (./runbook.ts psQuote).
 */
export const DISPLAY_NAME_MAX = 120;
export const DISPLAY_NAME_RULE: ValueRule = {
  expected: `an application display name (1 to ${DISPLAY_NAME_MAX} characters)`,
  allowed: `an application display name (1 to ${DISPLAY_NAME_MAX} characters, no invisible characters)`,
  check(v) {
    if (typeof v !== "string") return notAllowedProblem(DISPLAY_NAME_RULE);
    const hidden = nameProblem(v);
    if (hidden) return `${VALUE_PLACEHOLDER} is not an application display name: ${hidden}`;
    if (v.trim() === "") return `empty: expected ${DISPLAY_NAME_RULE.expected}`;
    if (v.length > DISPLAY_NAME_MAX)
      return `is ${v.length} characters long: at most ${DISPLAY_NAME_MAX} allowed`;
    return undefined;
  },
};

/** `exo-oauth:exchange.pwsh`: a name or path; blank is refused (absent means DEFAULT_PWSH). */
export const PWSH_RULE: ValueRule = {
  expected: `the PowerShell 7 executable (name or path), e.g. ${DEFAULT_PWSH}`,
  allowed: `the PowerShell 7 executable (name or path), e.g. ${DEFAULT_PWSH}`,
  check: (v) =>
    typeof v !== "string"
      ? notAllowedProblem(PWSH_RULE)
      : v.trim() === ""
        ? `empty: expected ${PWSH_RULE.expected}`
        : undefined,
};

/** "a whole number of seconds from 30 to 3600". */
export function wholeNumberAllowed(min: number, max: number, unit: string): string {
  return max === Infinity
    ? `a whole number of ${unit}, at least ${min}`
    : `a whole number of ${unit} from ${min} to ${max}`;
}

/** A number, or its decimal text as Pulumi config and environment variables carry it. */
export function numberFrom(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/** `exo-oauth:exchange.retryDeadlineSeconds`: the run's budget, RETRY_DEADLINE_SECONDS bounds. */
export const RETRY_DEADLINE_RULE: ValueRule & { readonly min: number; readonly max: number } = {
  min: RETRY_DEADLINE_SECONDS.min,
  max: RETRY_DEADLINE_SECONDS.max,
  expected: wholeNumberAllowed(RETRY_DEADLINE_SECONDS.min, RETRY_DEADLINE_SECONDS.max, "seconds"),
  allowed: wholeNumberAllowed(RETRY_DEADLINE_SECONDS.min, RETRY_DEADLINE_SECONDS.max, "seconds"),
  check(v) {
    const n = numberFrom(v);
    const { min, max } = RETRY_DEADLINE_SECONDS;
    return n !== undefined && Number.isInteger(n) && n >= min && n <= max
      ? undefined
      : notAllowedProblem(RETRY_DEADLINE_RULE);
  },
};

/** Looks like a token pasted where a variable's NAME belongs (never echoed). */
export function looksLikeToken(s: string): boolean {
  return s.length > 64 || s.startsWith("eyJ") || (s.includes(".") && s.length > 20);
}

/** A JWT or a long base64 blob (a certificate, a key) pasted in the wrong place: never echoed. */
export function looksLikeCredential(s: string): boolean {
  return /^eyJ[\w-]*\.[\w-]*\./.test(s) || /^[A-Za-z0-9+/_-]{64,}={0,2}$/.test(s.replace(/\s+/g, ""));
}

/**
 * Variables that clearly hold something other than an Exchange access token: the system's own
 * (PATH, HOME …), other tools' credentials (ARM_*, PULUMI_*, AZURE_CLIENT_SECRET …) and this
 * contract's other variables. Naming one as accessTokenEnv would hand its value to PowerShell as a
 * token (docs/security.md, "What pwsh sees"). Compared case-insensitively.
 */
export const NOT_TOKEN_VARIABLES: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "SHELL",
  "PWD",
  "TMP",
  "TEMP",
  "TMPDIR",
  "LANG",
  "TERM",
  "PSMODULEPATH",
  "NODE_OPTIONS",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_ID",
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "AZURE_USERNAME",
  "AZURE_PASSWORD",
];
/** Prefixes of variables that are never the token (other tools' settings and credentials, this contract's). */
export const NOT_TOKEN_PREFIXES: readonly string[] = [
  "ARM_",
  "PULUMI_",
  "AWS_",
  "DOTNET_",
  "LC_",
  "NPM_",
  "EXO_SIM_",
];

/** Why the variable `name` cannot be the token's, or undefined. */
export function notTokenVariable(name: string): string | undefined {
  const upper = name.toUpperCase();
  const contract = upper.startsWith("EXO_OAUTH_") && upper !== "EXO_OAUTH_ACCESS_TOKEN";
  const prefix = NOT_TOKEN_PREFIXES.find((p) => upper.startsWith(p));
  if (!NOT_TOKEN_VARIABLES.includes(upper) && !prefix && !contract) return undefined;
  return (
    `names ${name}, ${contract ? "one of the Exchange step's own variables" : prefix ? `a ${prefix}* variable (another tool's setting or credential)` : "a variable that holds something else"}, ` +
    "not one that holds the Exchange access token: put the token in a variable of its own, e.g. EXO_ACCESS_TOKEN, and give its name here"
  );
}

/** `exo-oauth:exchange.accessTokenEnv`: the NAME of the variable that holds the token. */
export const ACCESS_TOKEN_ENV_RULE: ValueRule = {
  expected: "the name of the environment variable that holds the token",
  allowed:
    "an environment variable name (letters, digits and _, not starting with a digit, e.g. EXO_ACCESS_TOKEN)",
  check(v) {
    if (typeof v === "string" && isEnvName(v)) return notTokenVariable(v);
    if (typeof v === "string" && looksLikeToken(v))
      return (
        "looks like an access token, not the name of an environment variable (value not shown): " +
        "put the token in an environment variable, e.g. EXO_ACCESS_TOKEN, and give its name here"
      );
    return notAllowedProblem(ACCESS_TOKEN_ENV_RULE);
  },
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CERTIFICATE_TEXT = "a base64-encoded PFX (e.g. the output of base64 -w0 exchange-app.pfx)";

/**
 * `exo-oauth:exchange.certificate`, where it is typed (the stack config): padded base64 (what
 * .NET's Convert.FromBase64String in the shim accepts) of DER, whose first byte is an ASN.1
 * SEQUENCE (0x30, "MI…"). Whitespace is ignored. Never shows the value.
 */
export const CERTIFICATE_RULE: ValueRule = {
  expected: CERTIFICATE_TEXT,
  allowed: CERTIFICATE_TEXT,
  check(v) {
    if (typeof v !== "string") return `is not a string: expected ${CERTIFICATE_TEXT}`;
    const s = v.replace(/\s+/g, "");
    if (s.length === 0) return `empty: expected ${CERTIFICATE_TEXT}`;
    if (!BASE64.test(s)) return `is not valid base64: expected ${CERTIFICATE_TEXT}`;
    if (Buffer.from(s, "base64")[0] !== 0x30)
      return `does not decode to a PFX (PKCS#12) file: expected ${CERTIFICATE_TEXT}`;
    return undefined;
  },
};

/** The connection modes the driver runs ("manual" runs nothing: the runbook instead). */
export const DRIVER_CONNECTIONS = EXCHANGE_CONNECTIONS.filter((c) => c !== "manual");

/** `exo-oauth:exchange.connection`. */
export const CONNECTION_RULE: ValueRule = {
  expected: `one of ${EXCHANGE_CONNECTIONS.join(", ")}`,
  allowed: `a connection: expected one of ${EXCHANGE_CONNECTIONS.join(", ")}`,
  check: (v) =>
    (EXCHANGE_CONNECTIONS as readonly unknown[]).includes(v) ? undefined : notAllowedProblem(CONNECTION_RULE),
};

/** A mailbox list must name at least one mailbox. */
export const EMPTY_MAILBOXES_PROBLEM = "empty: list at least one mailbox";

/**
 * A value as problems show it: undefined → "nothing"; a credential-looking string → a note, never
 * the value; a string → JSON-quoted, cut at 80 characters, invisible characters written as
 * `\u{hex}` (never raw); numbers and booleans as they are.
 */
export function showValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null (an empty value)";
  if (typeof v === "string" && looksLikeCredential(v))
    return "(a value that looks like a credential, not shown)";
  if (typeof v === "string") return printableJson(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const json = printableJson(v);
  if (json.length <= 60) return json;
  return Array.isArray(v) ? `a list of ${v.length} items` : "an object";
}
