// The structure of the `exo-oauth:*` values (keys without the namespace) as a zod schema: types,
// shapes, defaults and bounds of each field on its own. Rules across fields: rules.ts. Shapes come
// from components/identifiers.ts, the Exchange step's defaults and bounds from
// components/exchange-step/settings.ts, rotation's from components/rotationSchedule.ts
// (docs/configuration.md lists them all).
import { z } from "zod";
import {
  DEFAULT_PWSH,
  EXCHANGE_CONNECTIONS,
  RETRY_DEADLINE_SECONDS,
  type ExchangeConnection,
} from "../exchange-step/settings";
import {
  ADDRESS_PATTERN,
  ENV_NAME_PATTERN,
  GUID_PATTERN,
  GUID_SHAPE,
  ORGANIZATION_PATTERN,
} from "../identifiers";
import { PROTOCOLS } from "../microsoft";
import { GRACE_DAYS, ROTATION_DAYS } from "../rotationSchedule";
import { expected, looksLikeToken, SECRET_VALUE_NOT_SHOWN } from "./messages";

/** The longest application display name the stack accepts. */
export const DISPLAY_NAME_MAX = 120;

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

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
  return z.string({ error: err }).regex(GUID_PATTERN, { error: err }).transform(lower);
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

export function protocolList(whatFor: string) {
  return z
    .array(protocolSchema, { error: expected(`a list of protocols, e.g. [imap, smtp]`) })
    .min(1, { error: () => `empty: list at least one protocol ${whatFor}` });
}

export const addressSchema = z
  .string({ error: expected("an email address (e.g. helpdesk@contoso.com)") })
  .regex(ADDRESS_PATTERN, { error: expected("an email address (e.g. helpdesk@contoso.com)") })
  .transform(lower);

export const ownerIdSchema = guid("an owner's object id");

export const applicationSchema = z.strictObject(
  {
    // Optional: parseStackConfig() defaults it to `exo-oauth-<stack>`.
    displayName: nonBlank(`an application display name (1 to ${DISPLAY_NAME_MAX} characters)`)
      .refine((s) => s.length <= DISPLAY_NAME_MAX, {
        error: (iss) => `is ${String(iss.input).length} characters long: at most ${DISPLAY_NAME_MAX} allowed`,
      })
      .optional(),
    owners: z.array(ownerIdSchema, { error: expected(`a list of owner object ids (GUIDs)`) }).default([]),
    notes: z.string({ error: expected("free text") }).optional(),
  },
  { error: expected("an object { displayName, owners, notes }") },
);

export const mailboxObjectSchema = z.strictObject({
  address: addressSchema,
  protocols: protocolList(
    "for this mailbox, or leave protocols out to use all of exo-oauth:protocols",
  ).optional(),
  sendAs: z.preprocess(fromConfigString, z.boolean({ error: expected("true or false") })).default(false),
});

const mailboxSchema = z.union([addressSchema, mailboxObjectSchema], {
  error: expected("a mailbox: an email address, or { address, protocols, sendAs }"),
});

/** Each field on its own; rules.ts checks them against each other (rotationLimitProblems). */
export const secretFields = {
  rotationDays: wholeNumber(ROTATION_DAYS.min, ROTATION_DAYS.max, "days").default(ROTATION_DAYS.default),
  graceDays: wholeNumber(GRACE_DAYS.min, Infinity, "days").default(GRACE_DAYS.default),
};

export const secretSchema = z
  .strictObject(secretFields, { error: expected("an object { rotationDays, graceDays }") })
  .default({ rotationDays: ROTATION_DAYS.default, graceDays: GRACE_DAYS.default });

const exchangeCommon = {
  pwsh: nonBlank("the PowerShell 7 executable (name or path), e.g. pwsh").default(DEFAULT_PWSH),
  retryDeadlineSeconds: wholeNumber(
    RETRY_DEADLINE_SECONDS.min,
    RETRY_DEADLINE_SECONDS.max,
    "seconds",
  ).default(RETRY_DEADLINE_SECONDS.default),
};

const certificateText = "a base64-encoded PFX (e.g. the output of base64 -w0 exchange-app.pfx)";
export const exchangeOptions = {
  certificate: z.strictObject({
    connection: z.literal("certificate"),
    // The config key stays `appId` (deployed stacks have it); parse.ts normalises it into
    // ExchangeConfig's `automationAppId`.
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
      .refine((s) => ENV_NAME_PATTERN.test(s), {
        error: (iss) =>
          typeof iss.input === "string" && looksLikeToken(iss.input)
            ? `${SECRET_VALUE_NOT_SHOWN} looks like an access token, not the name of an environment variable: ` +
              "put the token in an environment variable, e.g. EXO_ACCESS_TOKEN, and give its name here"
            : "{value} is not an environment variable name (letters, digits and _, not starting with a digit, e.g. EXO_ACCESS_TOKEN)",
      }),
    ...exchangeCommon,
  }),
  manual: z.strictObject({ connection: z.literal("manual") }),
} satisfies Record<ExchangeConnection, z.ZodObject>;

const CONNECTION_WHAT = `one of ${EXCHANGE_CONNECTIONS.join(", ")}`;
export const exchangeSchema = z.discriminatedUnion(
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
        : `{value} is not an object: expected { connection: ${EXCHANGE_CONNECTIONS.join(" | ")}, … }`;
    },
  },
);

/** The structure of the `exo-oauth:*` values (keys without the namespace). */
export const stackConfigSchema = z.strictObject({
  tenantId: guid("the tenant (directory) id"),
  organization: z
    .string({ error: expected("the tenant's <name>.onmicrosoft.com domain, e.g. contoso.onmicrosoft.com") })
    .regex(ORGANIZATION_PATTERN, {
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

/** Allowed keys of each object, from the schema itself. */
export const ALLOWED_KEYS = {
  top: Object.keys(stackConfigSchema.shape),
  application: Object.keys(applicationSchema.shape),
  mailbox: Object.keys(mailboxObjectSchema.shape),
  secret: Object.keys(secretFields),
  exchange: {
    certificate: Object.keys(exchangeOptions.certificate.shape),
    managedIdentity: Object.keys(exchangeOptions.managedIdentity.shape),
    accessToken: Object.keys(exchangeOptions.accessToken.shape),
    manual: Object.keys(exchangeOptions.manual.shape),
  } as Readonly<Record<ExchangeConnection, string[]>>,
};
