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
  ACCESS_TOKEN_ENV_RULE,
  AUTOMATION_APP_ID_RULE,
  CERTIFICATE_RULE,
  DISPLAY_NAME_MAX,
  DISPLAY_NAME_RULE,
  guidRule,
  MAILBOX_ADDRESS_RULE,
  MANAGED_IDENTITY_ACCOUNT_ID_RULE,
  missingProblem,
  notAllowedProblem,
  numberFrom,
  ORGANIZATION_RULE,
  problemWith,
  PWSH_RULE,
  RETRY_DEADLINE_RULE,
  type ValueRule,
} from "../exchange-step/rules";
import { normaliseAddress } from "../identifiers";
import { recordOfMailboxes, recordTooLarge } from "../exchange-step/record";
import { PROTOCOLS } from "../microsoft";
import { GRACE_DAYS, ROTATION_DAYS, SECRET_LIFETIME_DAYS } from "../rotationSchedule";
import { matchChoice, didYouMean } from "../choices";
import { expected, type RawIssue } from "./messages";

/** The longest application display name the stack accepts (components/exchange-step/rules.ts). */
export { DISPLAY_NAME_MAX };

/** Pulumi hands `--path` values over as numbers/booleans, plain keys as strings: accept both. */
const fromConfigString = (v: unknown) => {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  return v;
};

/**
 * A field checked by one of the rules the config shares with the Exchange driver
 * (components/exchange-step/rules.ts), so both refuse the same values in the same words; then
 * normalised. `{value}` in a rule's message is filled in when the issue is rendered (issues.ts).
 */
function ruled<T>(rule: ValueRule, normalise: (v: unknown) => T) {
  return z
    .any()
    .superRefine((v, ctx) => {
      const problem = problemWith(rule, v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((v) => normalise(v));
}

/** As ruled(), for a field that must be a string (a union picks its branch by the type). */
function ruledString<T>(rule: ValueRule, normalise: (v: string) => T) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? missingProblem(rule) : notAllowedProblem(rule)) })
    .superRefine((v, ctx) => {
      const problem = rule.check(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((v) => normalise(v));
}

const text = (v: unknown) => String(v);
const guidValue = (v: unknown) => String(v).trim().toLowerCase();
const guid = (role: string) => ruled(guidRule(role), guidValue);

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

/**
 * An enumerated value in any letter case, normalised to its one spelling (components/choices.ts:
 * the rule every tool applies); anything else keeps its text, so the message can show it.
 */
const anyCase = (allowed: readonly string[]) => (v: unknown) =>
  typeof v === "string" ? (matchChoice(v, allowed) ?? v) : v;

/** "… is not <what> (did you mean imap?)": the closest allowed value, when one is close. */
function notOneOf(what: string, allowed: readonly string[]) {
  return (iss: RawIssue) =>
    iss.input === undefined
      ? `missing: expected ${what}`
      : `{value} is not ${what}${typeof iss.input === "string" ? didYouMean(iss.input, allowed) : ""}`;
}

export const protocolSchema = z.preprocess(
  anyCase(PROTOCOLS),
  z.enum(PROTOCOLS, { error: notOneOf(`a protocol (allowed: ${PROTOCOLS.join(", ")})`, PROTOCOLS) }),
);

export function protocolList(whatFor: string) {
  return z
    .array(protocolSchema, { error: expected(`a list of protocols, e.g. [imap, smtp]`) })
    .min(1, { error: () => `empty: list at least one protocol ${whatFor}` });
}

export const addressSchema = ruledString(MAILBOX_ADDRESS_RULE, normaliseAddress);

export const ownerIdSchema = guid("an owner's object id");

export const applicationSchema = z.strictObject(
  {
    // Optional: parseStackConfig() defaults it to `exo-oauth-<stack>`.
    displayName: ruledString(DISPLAY_NAME_RULE, (v) => v).optional(),
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
  // The tenant's credential-lifetime policy, as the admin knows it (the program cannot read it).
  maxLifetimeDays: wholeNumber(SECRET_LIFETIME_DAYS.min, SECRET_LIFETIME_DAYS.max, "days").optional(),
};

export const secretSchema = z
  .strictObject(secretFields, { error: expected("an object { rotationDays, graceDays, maxLifetimeDays }") })
  .default({ rotationDays: ROTATION_DAYS.default, graceDays: GRACE_DAYS.default });

const exchangeCommon = {
  pwsh: ruled(PWSH_RULE, text).default(DEFAULT_PWSH),
  retryDeadlineSeconds: ruled(RETRY_DEADLINE_RULE, (v) => numberFrom(v) as number).default(
    RETRY_DEADLINE_SECONDS.default,
  ),
};

export const exchangeOptions = {
  certificate: z.strictObject({
    connection: z.literal("certificate"),
    // The config key stays `appId` (deployed stacks have it); parse.ts normalises it into
    // ExchangeConfig's `automationAppId`.
    appId: ruled(AUTOMATION_APP_ID_RULE, guidValue),
    certificate: ruled(CERTIFICATE_RULE, (v) => String(v).replace(/\s+/g, "")),
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
    managedIdentityAccountId: ruled(MANAGED_IDENTITY_ACCOUNT_ID_RULE, guidValue).optional(),
    ...exchangeCommon,
  }),
  accessToken: z.strictObject({
    connection: z.literal("accessToken"),
    accessTokenEnv: ruled(ACCESS_TOKEN_ENV_RULE, text),
    ...exchangeCommon,
  }),
  manual: z.strictObject({ connection: z.literal("manual") }),
} satisfies Record<ExchangeConnection, z.ZodObject>;

const CONNECTION_WHAT = `one of ${EXCHANGE_CONNECTIONS.join(", ")}`;
/** `connection` in any letter case, normalised before the union picks its branch. */
const connectionAnyCase = (v: unknown) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  return { ...o, connection: anyCase(EXCHANGE_CONNECTIONS)(o.connection) };
};

export const exchangeUnion = z.discriminatedUnion(
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
          : `{value} is not a connection: expected ${CONNECTION_WHAT}` +
              (typeof input.connection === "string"
                ? didYouMean(input.connection, EXCHANGE_CONNECTIONS)
                : "");
      }
      return iss.input === undefined
        ? `missing: expected an object with connection: ${CONNECTION_WHAT} (use connection: manual to get a runbook instead)`
        : `{value} is not an object: expected { connection: ${EXCHANGE_CONNECTIONS.join(" | ")}, … }`;
    },
  },
);

export const exchangeSchema = z.preprocess(connectionAnyCase, exchangeUnion);

/** The structure of the `exo-oauth:*` values (keys without the namespace). */
export const stackConfigSchema = z.strictObject({
  tenantId: guid("the tenant (directory) id"),
  organization: ruled(ORGANIZATION_RULE, (v) => String(v).trim().toLowerCase()),
  application: applicationSchema.optional(),
  protocols: protocolList(`(allowed: ${PROTOCOLS.join(", ")})`).default([...PROTOCOLS]),
  mailboxes: z
    .array(mailboxSchema, {
      error: expected("a list of mailboxes (email addresses or { address, protocols, sendAs })"),
    })
    .min(1, { error: () => "empty: list at least one mailbox" })
    // The record of what the stack manages must fit the one environment variable it comes back in
    // (components/exchange-step/record.ts): checked only where the plain record could be too large.
    .superRefine((list, ctx) => {
      if (list.length <= 1_000) return;
      const mailboxes = list.map((m) =>
        typeof m === "string"
          ? { address: m, sendAs: false }
          : {
              address: String((m as { address: unknown }).address),
              sendAs: (m as { sendAs?: unknown }).sendAs === true,
            },
      );
      const message = recordTooLarge(recordOfMailboxes(mailboxes));
      if (message) ctx.addIssue({ code: "custom", message });
    }),
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
