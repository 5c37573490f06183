// The stack config contract (namespace `exo-oauth`): the zod schema, parseStackConfig() and
// loadStackConfig(). This file is the only reader of stack config. See README "Configure a tenant".
//
// Validation reports every problem at once, each as `exo-oauth:<key path>: <what is wrong and what
// is allowed>`. Structural rules live in the zod schema; rules across fields (duplicates, mailbox
// protocols within the app's, the secret lifetime sum, secret-ness of the Exchange credentials)
// run on the raw values next to it, so they still report when other fields are broken.
// Values under a secret config key, and certificate/password values anywhere, are never echoed.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ExchangeConfig } from "./exchange-step/settings";
import { MAX_SECRET_LIFETIME_DAYS, PROTOCOLS, type Protocol } from "./microsoft";

export interface MailboxConfig {
  /** Normalised to lower case. */
  address: string;
  /**
   * A subset of StackConfig.protocols; the short form means all of them. The logins this mailbox
   * is meant to use (what verify checks): Exchange's FullAccess grant is not per protocol, so it
   * does not keep the application off the app's other protocols on this mailbox (README).
   */
  protocols: Protocol[];
  /** Grant SendAs on the mailbox (Add-RecipientPermission) too. Default false. */
  sendAs: boolean;
}

// The normalised `exchange` is the Exchange step's one settings shape (its `automationAppId` is
// the config key `exo-oauth:exchange.appId`).
export type { ExchangeConfig };

export interface StackConfig {
  tenantId: string;
  organization: string;
  application: { displayName: string; owners: string[]; notes?: string };
  protocols: Protocol[];
  mailboxes: MailboxConfig[];
  secret: { rotationDays: number; graceDays: number };
  exchange: ExchangeConfig;
}

export const CONFIG_NAMESPACE = "exo-oauth";

/** The stack's `exo-oauth:*` config, before validation. */
export interface RawStackConfig {
  stack: string;
  /** Keys without the `exo-oauth:` prefix; objects/arrays JSON-parsed, other values as given. */
  values: Record<string, unknown>;
  /** Keys (without prefix) that Pulumi marks secret. */
  secretKeys: ReadonlySet<string>;
}

/** One problem: `path` like `exo-oauth:mailboxes[1].protocols[0]`. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: StackConfig } | { ok: false; issues: ConfigIssue[] };

export const CONNECTIONS = ["certificate", "managedIdentity", "accessToken", "manual"] as const;
export type Connection = (typeof CONNECTIONS)[number];

export const DEFAULT_ROTATION_DAYS = 90;
export const DEFAULT_GRACE_DAYS = 14;
/** At least a day of overlap: a pipeline on a daily schedule must get to pick up a new secret
 *  before the previous one expires (grace is the previous secret's life after the next publish). */
export const MIN_GRACE_DAYS = 1;
export const DISPLAY_NAME_MAX = 120;

const EXAMPLE_GUID = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The tenant's initial domain: one label under onmicrosoft.com (not contoso.mail.onmicrosoft.com).
const ORGANIZATION_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.onmicrosoft\.com$/i;
// Email-shaped, deliberately plain: local part without spaces or specials, a dotted host name.
const ADDRESS_RE =
  /^[^\s@"<>(),;:\\[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Field names whose values are credentials, wherever they appear. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(["certificate", "certificatePassword"]);

// ---------------------------------------------------------------------------------------------
// Messages. `{value}` is replaced by the offending value (or a redaction) when the issue is rendered.

type RawIssue = { code?: string; input?: unknown };
const GUID_SHAPE = `8-4-4-4-12 hex digits, e.g. ${EXAMPLE_GUID}`;

/** "missing: expected <role>" when absent, "{value} is not <what>" otherwise. */
function expected(what: string, role = what) {
  return (iss: RawIssue) =>
    iss.input === undefined ? `missing: expected ${role}` : `{value} is not ${what}`;
}

function looksLikeToken(s: string): boolean {
  return s.length > 64 || s.startsWith("eyJ") || (s.includes(".") && s.length > 20);
}

/** A JWT or a long base64 blob (a certificate, a key) pasted in the wrong place: never echoed. */
function looksLikeCredential(s: string): boolean {
  return /^eyJ[\w-]*\.[\w-]*\./.test(s) || /^[A-Za-z0-9+/_-]{64,}={0,2}$/.test(s.replace(/\s+/g, ""));
}

// ---------------------------------------------------------------------------------------------
// The schema.

const lower = (s: string) => s.toLowerCase();
/** Pulumi hands `--path` values over as numbers/booleans, plain keys as strings: accept both. */
const fromConfigString = (v: unknown) => {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  return v;
};

function guid(role: string) {
  const err = expected(`a GUID (expected ${GUID_SHAPE})`, `${role}, a GUID (${GUID_SHAPE})`);
  return z.string({ error: err }).regex(GUID_RE, { error: err }).transform(lower);
}

function wholeNumber(min: number, max: number, unit: string) {
  const what =
    max === Infinity
      ? `a whole number of ${unit}, at least ${min}`
      : `a whole number of ${unit} from ${min} to ${max}`;
  const err = expected(what);
  return z.preprocess(
    fromConfigString,
    z.number({ error: err }).int({ error: err }).min(min, { error: err }).max(max, { error: err }),
  );
}

const nonBlank = (what: string) => {
  const err = expected(what);
  return z
    .string({ error: err })
    .refine((s) => s.trim().length > 0, { error: () => `empty: expected ${what}` });
};

export const protocolSchema = z.enum(PROTOCOLS, {
  error: expected(`a protocol (allowed: ${PROTOCOLS.join(", ")})`),
});

function protocolList(whatFor: string) {
  return z
    .array(protocolSchema, { error: expected(`a list of protocols, e.g. [imap, smtp]`) })
    .min(1, { error: () => `empty: list at least one protocol ${whatFor}` });
}

export const addressSchema = z
  .string({ error: expected("an email address (e.g. helpdesk@contoso.com)") })
  .regex(ADDRESS_RE, { error: expected("an email address (e.g. helpdesk@contoso.com)") })
  .transform(lower);

const applicationSchema = z.strictObject(
  {
    // Optional: parseStackConfig() defaults it to `exo-oauth-<stack>`.
    displayName: nonBlank(`an application display name (1 to ${DISPLAY_NAME_MAX} characters)`)
      .refine((s) => s.length <= DISPLAY_NAME_MAX, {
        error: (iss) => `is ${String(iss.input).length} characters long: at most ${DISPLAY_NAME_MAX} allowed`,
      })
      .optional(),
    owners: z
      .array(guid("an owner's object id"), {
        error: expected(`a list of owner object ids (GUIDs)`),
      })
      .default([]),
    notes: z.string({ error: expected("free text") }).optional(),
  },
  { error: expected("an object { displayName, owners, notes }") },
);

const mailboxObjectSchema = z.strictObject({
  address: addressSchema,
  protocols: protocolList(
    "for this mailbox, or leave protocols out to use all of exo-oauth:protocols",
  ).optional(),
  sendAs: z.preprocess(fromConfigString, z.boolean({ error: expected("true or false") })).default(false),
});

const mailboxSchema = z.union([addressSchema, mailboxObjectSchema], {
  error: expected("a mailbox: an email address, or { address, protocols, sendAs }"),
});

const secretSchema = z
  .strictObject(
    {
      rotationDays: wholeNumber(7, 365, "days").default(DEFAULT_ROTATION_DAYS),
      graceDays: wholeNumber(MIN_GRACE_DAYS, Infinity, "days").default(DEFAULT_GRACE_DAYS),
    },
    { error: expected("an object { rotationDays, graceDays }") },
  )
  .default({ rotationDays: DEFAULT_ROTATION_DAYS, graceDays: DEFAULT_GRACE_DAYS });

const exchangeCommon = {
  pwsh: nonBlank("the PowerShell 7 executable (name or path), e.g. pwsh").default("pwsh"),
  retryDeadlineSeconds: wholeNumber(30, 3600, "seconds").default(600),
};

const certificateText = "a base64-encoded PFX (e.g. the output of base64 -w0 exchange-app.pfx)";
const exchangeOptions = {
  certificate: z.strictObject({
    connection: z.literal("certificate"),
    appId: guid("the application (client) id Connect-ExchangeOnline signs in as"),
    certificate: z
      .string({ error: expected(certificateText) })
      .transform((s) => s.replace(/\s+/g, ""))
      .refine((s) => s.length > 0, { error: () => `empty: expected ${certificateText}` })
      .refine((s) => s.length === 0 || BASE64_RE.test(s), {
        error: () => `is not valid base64: expected ${certificateText}`,
      })
      // A PFX is DER (PKCS#12): it starts with an ASN.1 SEQUENCE, byte 0x30 ("MI…" in base64).
      .refine((s) => !BASE64_RE.test(s) || s.length === 0 || Buffer.from(s, "base64")[0] === 0x30, {
        error: () => `does not decode to a PFX (PKCS#12) file: expected ${certificateText}`,
      }),
    certificatePassword: z
      .preprocess(
        (v) => (typeof v === "number" ? String(v) : v),
        z.string({ error: () => "is not a string: expected the PFX password" }),
      )
      .refine((s) => s.length > 0, {
        error: () => "empty: leave certificatePassword out for a PFX without a password",
      })
      .optional(),
    ...exchangeCommon,
  }),
  managedIdentity: z.strictObject({
    connection: z.literal("managedIdentity"),
    managedIdentityAccountId: guid(
      "the user-assigned managed identity's application (client) id (leave it out for the system-assigned identity)",
    ).optional(),
    ...exchangeCommon,
  }),
  accessToken: z.strictObject({
    connection: z.literal("accessToken"),
    accessTokenEnv: z
      .string({ error: expected("the name of the environment variable that holds the token") })
      .refine((s) => ENV_NAME_RE.test(s), {
        error: (iss) =>
          typeof iss.input === "string" && looksLikeToken(iss.input)
            ? "looks like an access token, not the name of an environment variable (value not shown): " +
              "put the token in an environment variable, e.g. EXO_ACCESS_TOKEN, and give its name here"
            : "{value} is not an environment variable name (letters, digits and _, not starting with a digit, e.g. EXO_ACCESS_TOKEN)",
      }),
    ...exchangeCommon,
  }),
  manual: z.strictObject({ connection: z.literal("manual") }),
} satisfies Record<Connection, z.ZodObject>;

const CONNECTION_WHAT = `one of ${CONNECTIONS.join(", ")}`;
const exchangeSchema = z.discriminatedUnion(
  "connection",
  [
    exchangeOptions.certificate,
    exchangeOptions.managedIdentity,
    exchangeOptions.accessToken,
    exchangeOptions.manual,
  ],
  {
    error: (iss) => {
      if (iss.code === "invalid_union") {
        const input = iss.input as Record<string, unknown> | undefined;
        return input?.connection === undefined
          ? `missing: expected ${CONNECTION_WHAT}`
          : `{value} is not a connection: expected ${CONNECTION_WHAT}`;
      }
      return iss.input === undefined
        ? `missing: expected an object with connection: ${CONNECTION_WHAT} (use connection: manual to get a runbook instead)`
        : `{value} is not an object: expected { connection: ${CONNECTIONS.join(" | ")}, … }`;
    },
  },
);

/** The structure of the `exo-oauth:*` values (keys without the namespace). Rules across fields:
 *  see crossFieldIssues(). */
export const stackConfigSchema = z.strictObject({
  tenantId: guid("the tenant (directory) id"),
  organization: z
    .string({ error: expected("the tenant's <name>.onmicrosoft.com domain, e.g. contoso.onmicrosoft.com") })
    .regex(ORGANIZATION_RE, {
      error: expected(
        "a <name>.onmicrosoft.com domain (the tenant's initial domain, e.g. contoso.onmicrosoft.com)",
      ),
    })
    .transform(lower),
  application: applicationSchema.optional(),
  protocols: protocolList(`(allowed: ${PROTOCOLS.join(", ")})`).default([...PROTOCOLS]),
  mailboxes: z
    .array(mailboxSchema, {
      error: expected("a list of mailboxes (email addresses or { address, protocols, sendAs })"),
    })
    .min(1, { error: () => "empty: list at least one mailbox" }),
  secret: secretSchema,
  exchange: exchangeSchema,
});

/** Allowed keys of each object in the contract, from the schema itself. */
const TOP_KEYS = Object.keys(stackConfigSchema.shape);
const APPLICATION_KEYS = Object.keys(applicationSchema.shape);
const MAILBOX_KEYS = Object.keys(mailboxObjectSchema.shape);
const SECRET_KEYS = Object.keys(secretSchema.unwrap().shape);
const EXCHANGE_KEYS: Readonly<Record<Connection, string[]>> = {
  certificate: Object.keys(exchangeOptions.certificate.shape),
  managedIdentity: Object.keys(exchangeOptions.managedIdentity.shape),
  accessToken: Object.keys(exchangeOptions.accessToken.shape),
  manual: Object.keys(exchangeOptions.manual.shape),
};

// ---------------------------------------------------------------------------------------------
// Issue paths, values and rendering.

type Path = ReadonlyArray<PropertyKey>;
interface PendingIssue {
  path: Path;
  /** May contain `{value}`: the value at `path`, shown unless it is secret. */
  message: string;
}

export function formatPath(path: Path): string {
  let out = CONFIG_NAMESPACE;
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += i === 0 ? `:${String(seg)}` : `.${String(seg)}`;
  });
  return out;
}

function valueAt(values: unknown, path: Path): unknown {
  let v = values;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg as string];
  }
  return v;
}

function isSecretPath(path: Path, secretKeys: ReadonlySet<string>): boolean {
  return (
    (path.length > 0 && secretKeys.has(String(path[0]))) || path.some((seg) => SECRET_FIELDS.has(String(seg)))
  );
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null (an empty value)";
  if (typeof v === "string" && looksLikeCredential(v))
    return "(a value that looks like a credential, not shown)";
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const json = JSON.stringify(v);
  if (json.length <= 60) return json;
  return Array.isArray(v) ? `a list of ${v.length} items` : "an object";
}

/** Credential values in the raw config (certificate, password, a token given as accessTokenEnv),
 *  scrubbed from every message as a last line of defence; `{value}` already hides them. */
function secretStrings(raw: RawStackConfig): string[] {
  const out: string[] = [];
  const walk = (v: unknown, hidden: boolean, field: string) => {
    if (typeof v === "string" || typeof v === "number") {
      const s = String(v);
      if ((hidden || (field === "accessTokenEnv" && looksLikeToken(s))) && s.length >= 6) out.push(s);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, hidden, field));
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(x, hidden || SECRET_FIELDS.has(k), k);
  };
  walk(raw.values, false, "");
  return out.sort((a, b) => b.length - a.length);
}

function render(issue: PendingIssue, raw: RawStackConfig, scrub: string[]): ConfigIssue {
  let message = issue.message;
  if (message.includes("{value}")) {
    const shown = isSecretPath(issue.path, raw.secretKeys)
      ? "(secret value, not shown)"
      : show(valueAt(raw.values, issue.path));
    message = message.split("{value}").join(shown);
  }
  for (const s of scrub) message = message.split(s).join("(secret value, not shown)");
  return { path: formatPath(issue.path), message };
}

function suggest(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of allowed) {
    const d = editDistance(k, name.toLowerCase());
    if (d <= Math.max(2, Math.floor(name.length / 4)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function unknownKeyIssue(parent: Path, key: string, values: Record<string, unknown>): PendingIssue {
  const path = [...parent, key];
  if (parent.length === 0) {
    const allowed = TOP_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`);
    const hint = suggest(key, TOP_KEYS);
    return {
      path,
      message: `unknown config key${hint ? ` (did you mean ${CONFIG_NAMESPACE}:${hint}?)` : ""}; allowed keys: ${allowed.join(", ")}`,
    };
  }
  if (parent[0] === "exchange") {
    const connection = (valueAt(values, ["exchange", "connection"]) as Connection) ?? "manual";
    const allowed = EXCHANGE_KEYS[connection] ?? [];
    const usedBy = CONNECTIONS.filter((c) => EXCHANGE_KEYS[c].includes(key));
    const hint = usedBy.length > 0 ? undefined : suggest(key, allowed);
    const why =
      usedBy.length > 0
        ? `not used with connection "${connection}" (only with ${usedBy.join(", ")})`
        : `unknown key${hint ? ` (did you mean ${hint}?)` : ""}`;
    return { path, message: `${why}; allowed keys with connection "${connection}": ${allowed.join(", ")}` };
  }
  let allowed: string[];
  let where: string;
  if (parent[0] === "application") [allowed, where] = [APPLICATION_KEYS, "an application"];
  else if (parent[0] === "secret") [allowed, where] = [SECRET_KEYS, "secret"];
  else if (parent[0] === "mailboxes") [allowed, where] = [MAILBOX_KEYS, "a mailbox"];
  else [allowed, where] = [[], formatPath(parent)];
  const hint = suggest(key, allowed);
  return {
    path,
    message: `unknown key${hint ? ` (did you mean ${hint}?)` : ""}; allowed keys for ${where}: ${allowed.join(", ")}`,
  };
}

/** zod issues → pending issues: unknown keys one per key, unions resolved to the branch that fits. */
function fromZod(
  issues: readonly z.core.$ZodIssue[],
  prefix: Path,
  values: Record<string, unknown>,
): PendingIssue[] {
  const out: PendingIssue[] = [];
  for (const iss of issues) {
    const path = [...prefix, ...iss.path];
    if (iss.code === "unrecognized_keys") {
      for (const key of iss.keys) out.push(unknownKeyIssue(path, key, values));
    } else if (iss.code === "invalid_union" && iss.errors.length > 0) {
      // A plain union (mailbox: string | object): report the branch whose type fits the value.
      const fitting = iss.errors.filter(
        (branch) => !branch.some((b) => b.path.length === 0 && b.code === "invalid_type"),
      );
      if (fitting.length === 1) out.push(...fromZod(fitting[0], path, values));
      else out.push({ path, message: iss.message });
    } else {
      out.push({ path, message: iss.message });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rules across fields, on the raw values (each part re-validated on its own, so a broken
// neighbour does not hide them).

const asArray = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function duplicateIssues(
  list: unknown[] | undefined,
  at: Path,
  key: (item: unknown) => string | undefined,
  itemPath: (i: number) => Path,
  what: string,
): PendingIssue[] {
  const out: PendingIssue[] = [];
  const seen = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else
      out.push({
        path: itemPath(i),
        message: `{value} repeats ${formatPath([...at, first])}${what}; list each once`,
      });
  });
  return out;
}

function crossFieldIssues(raw: RawStackConfig): PendingIssue[] {
  const { values, secretKeys } = raw;
  const out: PendingIssue[] = [];
  const validProtocol = (v: unknown) => (protocolSchema.safeParse(v).success ? (v as string) : undefined);

  // Protocols: no duplicates; mailbox protocols within the app's.
  const appProtocols = asArray(values.protocols);
  out.push(...duplicateIssues(appProtocols, ["protocols"], validProtocol, (i) => ["protocols", i], ""));
  const appSet = values.protocols === undefined ? new Set<string>(PROTOCOLS) : undefined;
  const parsedApp = protocolList("").safeParse(values.protocols);
  const allowed = appSet ?? (parsedApp.success ? new Set<string>(parsedApp.data) : undefined);

  // Owners: no duplicates.
  const owners = asArray(asObject(values.application)?.owners);
  out.push(
    ...duplicateIssues(
      owners,
      ["application", "owners"],
      (v) => (typeof v === "string" && GUID_RE.test(v) ? v.toLowerCase() : undefined),
      (i) => ["application", "owners", i],
      "",
    ),
  );

  // Mailboxes: one entry per address, in any letter case; protocols within the app's, once each.
  const mailboxes = asArray(values.mailboxes);
  const addressOf = (entry: unknown) => {
    const a = typeof entry === "string" ? entry : asObject(entry)?.address;
    const parsed = addressSchema.safeParse(a);
    return parsed.success ? parsed.data : undefined;
  };
  out.push(
    ...duplicateIssues(
      mailboxes,
      ["mailboxes"],
      addressOf,
      (i) => (typeof mailboxes?.[i] === "string" ? ["mailboxes", i] : ["mailboxes", i, "address"]),
      " (addresses are not case-sensitive)",
    ),
  );
  (mailboxes ?? []).forEach((entry, i) => {
    const list = asArray(asObject(entry)?.protocols);
    if (!list) return;
    const at: Path = ["mailboxes", i, "protocols"];
    out.push(...duplicateIssues(list, at, validProtocol, (j) => [...at, j], ""));
    if (!allowed) return; // exo-oauth:protocols is broken itself and reported as such
    list.forEach((p, j) => {
      const v = validProtocol(p);
      if (v !== undefined && !allowed.has(v))
        out.push({
          path: [...at, j],
          message:
            `{value} is not one of the application's protocols (${formatPath(["protocols"])}: ` +
            `${[...allowed].join(", ")}); add it there or remove it here`,
        });
    });
  });

  // Secret lifetime: each password lives two periods plus grace, within Microsoft's cap.
  const secret = values.secret === undefined ? {} : asObject(values.secret);
  if (secret) {
    const rotation = secretSchema.unwrap().shape.rotationDays.safeParse(secret.rotationDays);
    const grace = secretSchema.unwrap().shape.graceDays.safeParse(secret.graceDays);
    if (rotation.success && grace.success) {
      const [p, g] = [rotation.data, grace.data];
      if (g > p) {
        // The previous secret's slot is reused one period after the next publish, so an
        // overlap longer than the period cannot be kept (components/rotationSchedule.ts).
        out.push({
          path: ["secret", "graceDays"],
          message: `${g} is longer than rotationDays (${p}): the previous secret is replaced one period after the next publish, so graceDays must be at most rotationDays`,
        });
      }
      const total = 2 * p + g;
      if (total > MAX_SECRET_LIFETIME_DAYS) {
        const maxRotation = Math.floor((MAX_SECRET_LIFETIME_DAYS - g) / 2);
        const maxGrace = MAX_SECRET_LIFETIME_DAYS - 2 * p;
        const fixes = [`rotationDays to at most ${maxRotation}`];
        if (maxGrace >= MIN_GRACE_DAYS) fixes.push(`graceDays to at most ${maxGrace}`);
        out.push({
          path: ["secret"],
          message:
            `each client secret lives 2 × rotationDays + graceDays = 2 × ${p} + ${g} = ${total} days, ` +
            `over Microsoft's ${MAX_SECRET_LIFETIME_DAYS}-day limit on a client secret's lifetime; ` +
            `lower ${fixes.join(" or ")}`,
        });
      }
    }
  }

  // Exchange credentials: only ever in a secret config key.
  const exchange = asObject(values.exchange);
  if (exchange && !secretKeys.has("exchange")) {
    for (const field of ["certificate", "certificatePassword"])
      if (exchange[field] !== undefined)
        out.push({
          path: ["exchange", field],
          message:
            `is in plain text: ${formatPath(["exchange"])} must be a Pulumi secret when it holds a ${field === "certificate" ? "certificate" : "password"}; ` +
            `set it with pulumi config set --path --secret ${formatPath(["exchange", field])} ` +
            (field === "certificate" ? `"$(base64 -w0 exchange-app.pfx)"` : `'<password>'`),
        });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The parser and the loader.

/** Validate and normalise the stack's `exo-oauth:*` config; every problem at once. Pure. */
export function parseStackConfig(raw: RawStackConfig): ParseResult {
  const parsed = stackConfigSchema.safeParse(raw.values);
  const pending = [
    ...(parsed.success ? [] : fromZod(parsed.error.issues, [], raw.values)),
    ...crossFieldIssues(raw),
  ];
  if (pending.length > 0 || !parsed.success) {
    const scrub = secretStrings(raw);
    // Contract order: by top-level key, then by list item; within that, as found.
    const rank = (p: Path): [number, number] => {
      const top = TOP_KEYS.indexOf(String(p[0]));
      return [top < 0 ? TOP_KEYS.length : top, typeof p[1] === "number" ? p[1] : -1];
    };
    const seen = new Set<string>();
    const issues = pending
      .map((issue, index) => ({ issue, index, rank: rank(issue.path) }))
      .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.index - b.index)
      .map(({ issue }) => render(issue, raw, scrub))
      .filter((i) => {
        const k = `${i.path}\u0000${i.message}`;
        return seen.has(k) ? false : (seen.add(k), true);
      });
    return { ok: false, issues };
  }
  const d = parsed.data;
  const canonical = (list: readonly Protocol[]) => PROTOCOLS.filter((p) => list.includes(p));
  const protocols = canonical(d.protocols);
  const application: StackConfig["application"] = {
    displayName: d.application?.displayName ?? `${CONFIG_NAMESPACE}-${raw.stack}`,
    owners: d.application?.owners ?? [],
  };
  if (d.application?.notes !== undefined) application.notes = d.application.notes;
  return {
    ok: true,
    config: {
      tenantId: d.tenantId,
      organization: d.organization,
      application,
      protocols,
      mailboxes: d.mailboxes.map((m) =>
        typeof m === "string"
          ? { address: m, protocols, sendAs: false }
          : {
              address: m.address,
              protocols: m.protocols ? canonical(m.protocols) : protocols,
              sendAs: m.sendAs,
            },
      ),
      secret: d.secret,
      exchange: normaliseExchange(d.exchange),
    },
  };
}

function normaliseExchange(e: z.output<typeof exchangeSchema>): ExchangeConfig {
  // Drop keys that were left out, so the config carries no `undefined` members; the config key
  // `appId` is the automation application's: `automationAppId` in the settings shape.
  const { appId, ...rest } = e as z.output<typeof exchangeSchema> & { appId?: string };
  const kept = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return (appId === undefined ? kept : { ...kept, automationAppId: appId }) as ExchangeConfig;
}

export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const n = issues.length;
  return [
    `Invalid stack config for ${CONFIG_NAMESPACE} (${n} problem${n === 1 ? "" : "s"}):`,
    ...issues.map((i) => `  ${i.path}: ${i.message}`),
  ].join("\n");
}

/** A RunError, so `pulumi up` prints the list without a stack trace. */
export class StackConfigError extends pulumi.RunError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(formatConfigIssues(issues));
    this.name = "StackConfigError";
    this.issues = issues;
  }
}

/** Objects and arrays reach the program as JSON text; scalars as plain strings. */
function configValue(text: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      const v: unknown = JSON.parse(t);
      if (v !== null && typeof v === "object") return v;
    } catch {
      // not JSON: validation reports it as the string it is
    }
  }
  return text;
}

/** The stack's `exo-oauth:*` config as Pulumi hands it to the program. */
export function readStackConfig(): RawStackConfig {
  // runtime.isConfigSecret is exported by @pulumi/pulumi (runtime/config.js) but marked @internal,
  // so it is missing from the typings; it reads PULUMI_CONFIG_SECRET_KEYS, which the CLI sets.
  const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean })
    .isConfigSecret;
  if (typeof isConfigSecret !== "function")
    throw new Error(
      "@pulumi/pulumi no longer exports runtime.isConfigSecret: cannot tell which config keys are secrets",
    );
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [key, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    values[name] = configValue(text);
    if (isConfigSecret(key) || isConfigSecret(`${CONFIG_NAMESPACE}:config:${name}`)) secretKeys.add(name);
  }
  return { stack: pulumi.getStack(), values, secretKeys };
}

/** Read and validate the stack config; throws StackConfigError listing every problem. */
export function loadStackConfig(): StackConfig {
  const result = parseStackConfig(readStackConfig());
  if (!result.ok) throw new StackConfigError(result.issues);
  return result.config;
}
