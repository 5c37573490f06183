// The stack config corpus: good configs with their normalised StackConfig, and bad configs each
// with the exact issue path(s) and a substring of the message expected there. A bad config lists
// EVERY issue it should produce (the test checks the count too), so noise shows up as a failure.
import type { StackConfig } from "../../../components/config";

export const TENANT = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
export const OWNER = "6c0f3b7e-5a41-4d2e-9f8a-1b2c3d4e5f60";
export const APP_ID = "8d1e5f0a-7b6c-4e3d-a2f1-0c9b8a7d6e5f";
export const MI_ID = "4b9d7c2e-1f0a-4e8d-b6c5-3a2f1e0d9c8b";

/** A fake PFX: DER starts with an ASN.1 SEQUENCE (0x30 0x82 …), so base64 starts "MII". Never in a message. */
export const CERTIFICATE = Buffer.concat([
  Buffer.from([0x30, 0x82, 0x0a, 0x2b, 0x02, 0x01, 0x03]),
  Buffer.from("fake-pkcs12-body-for-tests-only-0123456789abcdef"),
]).toString("base64");
export const PASSWORD = "Pfx-Passw0rd-never-shown";
export const TOKEN =
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSJ9.c2lnbmF0dXJlLW5ldmVyLXNob3du";

type Values = Record<string, unknown>;

/** The smallest good config: everything optional left out. */
export const MINIMAL: Values = {
  tenantId: TENANT,
  organization: "contoso.onmicrosoft.com",
  mailboxes: ["helpdesk@contoso.com"],
  exchange: { connection: "manual" },
};

const with_ = (patch: Values): Values => ({ ...MINIMAL, ...patch });
const without = (key: string): Values =>
  Object.fromEntries(Object.entries(MINIMAL).filter(([k]) => k !== key));
const certExchange = (patch: Values = {}): Values => ({
  connection: "certificate",
  appId: APP_ID,
  certificate: CERTIFICATE,
  ...patch,
});

export interface GoodConfig {
  name: string;
  values: Values;
  secretKeys?: string[];
  stack?: string;
  config: StackConfig;
}

const ALL = ["imap", "pop", "smtp"] as const;
const DEFAULT_SECRET = { rotationDays: 90, graceDays: 14 };

export const GOOD_CONFIGS: GoodConfig[] = [
  {
    name: "enumerated values in any letter case are normalised (protocols, exchange.connection)",
    values: with_({
      protocols: ["IMAP", "Smtp"],
      mailboxes: [{ address: "helpdesk@contoso.com", protocols: ["SMTP"] }],
      exchange: { connection: "ManagedIdentity" },
    }),
    stack: "dev",
    config: {
      tenantId: TENANT,
      organization: "contoso.onmicrosoft.com",
      application: { displayName: "exo-oauth-dev", owners: [] },
      protocols: ["imap", "smtp"],
      mailboxes: [{ address: "helpdesk@contoso.com", protocols: ["smtp"], sendAs: false }],
      secret: DEFAULT_SECRET,
      exchange: { connection: "managedIdentity", pwsh: "pwsh", retryDeadlineSeconds: 600 },
    },
  },
  {
    name: "the minimal config gets every default",
    values: MINIMAL,
    stack: "dev",
    config: {
      tenantId: TENANT,
      organization: "contoso.onmicrosoft.com",
      application: { displayName: "exo-oauth-dev", owners: [] },
      protocols: [...ALL],
      mailboxes: [{ address: "helpdesk@contoso.com", protocols: [...ALL], sendAs: false }],
      secret: DEFAULT_SECRET,
      exchange: { connection: "manual" },
    },
  },
  {
    name: "a full config is normalised (lower case, canonical protocol order, defaults per mailbox)",
    stack: "tenant-a",
    values: {
      tenantId: TENANT.toUpperCase(),
      organization: "Contoso.OnMicrosoft.com",
      application: {
        displayName: "Mail OAuth - helpdesk",
        owners: [OWNER.toUpperCase()],
        notes: "ticket 42",
      },
      protocols: ["smtp", "imap"],
      mailboxes: [
        "HelpDesk@Contoso.com",
        { address: "billing@contoso.com", protocols: ["imap"], sendAs: true },
        { address: "alerts@contoso.com" },
      ],
      secret: { rotationDays: 30, graceDays: 7 },
      exchange: { connection: "managedIdentity", managedIdentityAccountId: MI_ID, retryDeadlineSeconds: 120 },
    },
    config: {
      tenantId: TENANT,
      organization: "contoso.onmicrosoft.com",
      application: { displayName: "Mail OAuth - helpdesk", owners: [OWNER], notes: "ticket 42" },
      protocols: ["imap", "smtp"],
      mailboxes: [
        { address: "helpdesk@contoso.com", protocols: ["imap", "smtp"], sendAs: false },
        { address: "billing@contoso.com", protocols: ["imap"], sendAs: true },
        { address: "alerts@contoso.com", protocols: ["imap", "smtp"], sendAs: false },
      ],
      secret: { rotationDays: 30, graceDays: 7 },
      exchange: {
        connection: "managedIdentity",
        managedIdentityAccountId: MI_ID,
        pwsh: "pwsh",
        retryDeadlineSeconds: 120,
      },
    },
  },
  {
    name: "a certificate connection in a secret key, with numbers and booleans given as strings",
    secretKeys: ["exchange"],
    stack: "prod",
    values: with_({
      mailboxes: [{ address: "a@contoso.com", sendAs: "true" }],
      secret: { rotationDays: "180", graceDays: "30", maxLifetimeDays: "390" },
      exchange: certExchange({ certificatePassword: PASSWORD, pwsh: "/opt/microsoft/powershell/7/pwsh" }),
    }),
    config: {
      tenantId: TENANT,
      organization: "contoso.onmicrosoft.com",
      application: { displayName: "exo-oauth-prod", owners: [] },
      protocols: [...ALL],
      mailboxes: [{ address: "a@contoso.com", protocols: [...ALL], sendAs: true }],
      secret: { rotationDays: 180, graceDays: 30, maxLifetimeDays: 390 },
      exchange: {
        connection: "certificate",
        automationAppId: APP_ID,
        certificate: CERTIFICATE,
        certificatePassword: PASSWORD,
        pwsh: "/opt/microsoft/powershell/7/pwsh",
        retryDeadlineSeconds: 600,
      },
    },
  },
  {
    name: "an accessToken connection and a single protocol",
    stack: "dev",
    values: with_({
      protocols: ["smtp"],
      mailboxes: ["noreply@contoso.com", { address: "scanner@contoso.com", protocols: ["smtp"] }],
      exchange: { connection: "accessToken", accessTokenEnv: "EXO_ACCESS_TOKEN" },
    }),
    config: {
      tenantId: TENANT,
      organization: "contoso.onmicrosoft.com",
      application: { displayName: "exo-oauth-dev", owners: [] },
      protocols: ["smtp"],
      mailboxes: [
        { address: "noreply@contoso.com", protocols: ["smtp"], sendAs: false },
        { address: "scanner@contoso.com", protocols: ["smtp"], sendAs: false },
      ],
      secret: DEFAULT_SECRET,
      exchange: {
        connection: "accessToken",
        accessTokenEnv: "EXO_ACCESS_TOKEN",
        pwsh: "pwsh",
        retryDeadlineSeconds: 600,
      },
    },
  },
  {
    name: "the longest secret lifetime Microsoft allows (2 × 358 + 14 = 730 days)",
    stack: "dev",
    values: with_({ secret: { rotationDays: 358 }, application: { displayName: "x".repeat(120) } }),
    config: {
      tenantId: TENANT,
      organization: "contoso.onmicrosoft.com",
      application: { displayName: "x".repeat(120), owners: [] },
      protocols: [...ALL],
      mailboxes: [{ address: "helpdesk@contoso.com", protocols: [...ALL], sendAs: false }],
      secret: { rotationDays: 358, graceDays: 14 },
      exchange: { connection: "manual" },
    },
  },
];

export interface BadConfig {
  name: string;
  values: Values;
  secretKeys?: string[];
  /** Every issue expected: exact path, and a substring of its message. */
  issues: Array<{ path: string; message: string }>;
}

const GUID_HINT = "is not a GUID (expected 8-4-4-4-12 hex digits";
const FOUR = "certificate, managedIdentity, accessToken, manual";

export const BAD_CONFIGS: BadConfig[] = [
  // tenantId
  {
    name: "tenantId missing",
    values: without("tenantId"),
    issues: [{ path: "exo-oauth:tenantId", message: "missing: expected the tenant (directory) id, a GUID" }],
  },
  {
    name: "tenantId not a GUID",
    values: with_({ tenantId: "abc" }),
    issues: [{ path: "exo-oauth:tenantId", message: `"abc" ${GUID_HINT}` }],
  },
  {
    name: "tenantId in braces",
    values: with_({ tenantId: `{${TENANT}}` }),
    issues: [{ path: "exo-oauth:tenantId", message: GUID_HINT }],
  },
  {
    name: "tenantId given as the domain",
    values: with_({ tenantId: "contoso.onmicrosoft.com" }),
    issues: [{ path: "exo-oauth:tenantId", message: `"contoso.onmicrosoft.com" ${GUID_HINT}` }],
  },
  // organization
  {
    name: "organization missing",
    values: without("organization"),
    issues: [
      { path: "exo-oauth:organization", message: "missing: expected the tenant's <name>.onmicrosoft.com" },
    ],
  },
  {
    name: "organization a vanity domain",
    values: with_({ organization: "contoso.com" }),
    issues: [
      { path: "exo-oauth:organization", message: '"contoso.com" is not a <name>.onmicrosoft.com domain' },
    ],
  },
  {
    name: "organization the mail routing domain",
    values: with_({ organization: "contoso.mail.onmicrosoft.com" }),
    issues: [{ path: "exo-oauth:organization", message: "is not a <name>.onmicrosoft.com domain" }],
  },
  // application
  {
    name: "application given as a string",
    values: with_({ application: "Mail OAuth" }),
    issues: [
      {
        path: "exo-oauth:application",
        message: '"Mail OAuth" is not an object { displayName, owners, notes }',
      },
    ],
  },
  {
    name: "application displayName blank",
    values: with_({ application: { displayName: "  " } }),
    issues: [
      { path: "exo-oauth:application.displayName", message: "empty: expected an application display name" },
    ],
  },
  {
    name: "application displayName over 120 characters",
    values: with_({ application: { displayName: "x".repeat(121) } }),
    issues: [
      { path: "exo-oauth:application.displayName", message: "is 121 characters long: at most 120 allowed" },
    ],
  },
  {
    name: "application owner not a GUID",
    values: with_({ application: { owners: [OWNER, "admin@contoso.com"] } }),
    issues: [{ path: "exo-oauth:application.owners[1]", message: `"admin@contoso.com" ${GUID_HINT}` }],
  },
  {
    name: "application owners a single string",
    values: with_({ application: { owners: OWNER } }),
    issues: [{ path: "exo-oauth:application.owners", message: "is not a list of owner object ids" }],
  },
  {
    name: "application owner listed twice in different case",
    values: with_({ application: { owners: [OWNER, OWNER.toUpperCase()] } }),
    issues: [{ path: "exo-oauth:application.owners[1]", message: "repeats exo-oauth:application.owners[0]" }],
  },
  {
    name: "application unknown key",
    values: with_({ application: { displayname: "x" } }),
    issues: [
      {
        path: "exo-oauth:application.displayname",
        message:
          "unknown key (did you mean displayName?); allowed keys for an application: displayName, owners, notes",
      },
    ],
  },
  // protocols
  {
    name: "protocols empty",
    values: with_({ protocols: [] }),
    issues: [
      {
        path: "exo-oauth:protocols",
        message: "empty: list at least one protocol (allowed: imap, pop, smtp)",
      },
    ],
  },
  {
    name: "protocols with an unknown protocol",
    values: with_({ protocols: ["imap", "ews"] }),
    issues: [
      { path: "exo-oauth:protocols[1]", message: '"ews" is not a protocol (allowed: imap, pop, smtp)' },
    ],
  },
  {
    name: "protocols with a misspelt protocol, with the closest one suggested",
    values: with_({ protocols: ["imap", "smpt"] }),
    issues: [
      {
        path: "exo-oauth:protocols[1]",
        message: '"smpt" is not a protocol (allowed: imap, pop, smtp) (did you mean smtp?)',
      },
    ],
  },
  {
    name: "protocols listing one twice in different letter cases",
    values: with_({ protocols: ["imap", "IMAP"] }),
    issues: [{ path: "exo-oauth:protocols[1]", message: '"IMAP" repeats exo-oauth:protocols[0]' }],
  },
  {
    name: "a misspelt connection, with the closest one suggested",
    values: with_({ exchange: { connection: "managedIdentiy" } }),
    issues: [
      {
        path: "exo-oauth:exchange.connection",
        message: `"managedIdentiy" is not a connection: expected one of certificate, managedIdentity, accessToken, manual (did you mean managedIdentity?)`,
      },
    ],
  },
  {
    name: "protocols with a duplicate",
    values: with_({ protocols: ["imap", "smtp", "imap"] }),
    issues: [{ path: "exo-oauth:protocols[2]", message: '"imap" repeats exo-oauth:protocols[0]' }],
  },
  {
    name: "protocols a plain string",
    values: with_({ protocols: "imap" }),
    issues: [{ path: "exo-oauth:protocols", message: '"imap" is not a list of protocols' }],
  },
  // mailboxes
  {
    name: "mailboxes missing",
    values: without("mailboxes"),
    issues: [{ path: "exo-oauth:mailboxes", message: "missing: expected a list of mailboxes" }],
  },
  {
    name: "mailboxes empty",
    values: with_({ mailboxes: [] }),
    issues: [{ path: "exo-oauth:mailboxes", message: "empty: list at least one mailbox" }],
  },
  {
    name: "mailboxes a single address, not a list",
    values: with_({ mailboxes: "helpdesk@contoso.com" }),
    issues: [{ path: "exo-oauth:mailboxes", message: '"helpdesk@contoso.com" is not a list of mailboxes' }],
  },
  {
    name: "mailbox address without a domain",
    values: with_({ mailboxes: ["helpdesk"] }),
    issues: [{ path: "exo-oauth:mailboxes[0]", message: '"helpdesk" is not an email address' }],
  },
  {
    name: "mailbox address in display-name form",
    values: with_({ mailboxes: ["Help Desk <helpdesk@contoso.com>"] }),
    issues: [{ path: "exo-oauth:mailboxes[0]", message: "is not an email address" }],
  },
  {
    name: "mailbox a number",
    values: with_({ mailboxes: [42] }),
    issues: [
      {
        path: "exo-oauth:mailboxes[0]",
        message: "42 is not a mailbox: an email address, or { address, protocols, sendAs }",
      },
    ],
  },
  {
    name: "mailbox object without an address",
    values: with_({ mailboxes: ["a@contoso.com", { protocols: ["imap"] }] }),
    issues: [{ path: "exo-oauth:mailboxes[1].address", message: "missing: expected an email address" }],
  },
  {
    name: "mailbox object with a bad address",
    values: with_({ mailboxes: [{ address: "billing@" }] }),
    issues: [{ path: "exo-oauth:mailboxes[0].address", message: '"billing@" is not an email address' }],
  },
  {
    name: "mailboxes repeat an address in another letter case",
    values: with_({ mailboxes: ["helpdesk@contoso.com", "billing@contoso.com", "HelpDesk@Contoso.com"] }),
    issues: [
      {
        path: "exo-oauth:mailboxes[2]",
        message: '"HelpDesk@Contoso.com" repeats exo-oauth:mailboxes[0] (addresses are not case-sensitive)',
      },
    ],
  },
  {
    name: "mailboxes repeat an address across the short and the long form",
    values: with_({ mailboxes: ["billing@contoso.com", { address: "Billing@contoso.com", sendAs: true }] }),
    issues: [{ path: "exo-oauth:mailboxes[1].address", message: "repeats exo-oauth:mailboxes[0]" }],
  },
  {
    name: "mailbox protocol not among the application's protocols",
    values: with_({
      protocols: ["imap", "smtp"],
      mailboxes: ["a@contoso.com", { address: "b@contoso.com", protocols: ["pop"] }],
    }),
    issues: [
      {
        path: "exo-oauth:mailboxes[1].protocols[0]",
        message: `"pop" is not one of the application's protocols (exo-oauth:protocols: imap, smtp); add it there or remove it here`,
      },
    ],
  },
  {
    name: "mailbox protocols empty",
    values: with_({ mailboxes: [{ address: "a@contoso.com", protocols: [] }] }),
    issues: [
      {
        path: "exo-oauth:mailboxes[0].protocols",
        message: "empty: list at least one protocol for this mailbox",
      },
    ],
  },
  {
    name: "mailbox protocols with a duplicate",
    values: with_({ mailboxes: [{ address: "a@contoso.com", protocols: ["smtp", "smtp"] }] }),
    issues: [
      { path: "exo-oauth:mailboxes[0].protocols[1]", message: "repeats exo-oauth:mailboxes[0].protocols[0]" },
    ],
  },
  {
    name: "mailbox sendAs not a boolean",
    values: with_({ mailboxes: [{ address: "a@contoso.com", sendAs: "yes" }] }),
    issues: [{ path: "exo-oauth:mailboxes[0].sendAs", message: '"yes" is not true or false' }],
  },
  {
    name: "mailbox unknown key",
    values: with_({ mailboxes: [{ address: "a@contoso.com", sendas: true }] }),
    issues: [
      {
        path: "exo-oauth:mailboxes[0].sendas",
        message: "unknown key (did you mean sendAs?); allowed keys for a mailbox: address, protocols, sendAs",
      },
    ],
  },
  // secret
  {
    name: "secret rotationDays below 7",
    values: with_({ secret: { rotationDays: 3 } }),
    issues: [
      { path: "exo-oauth:secret.rotationDays", message: "3 is not a whole number of days from 7 to 365" },
    ],
  },
  {
    name: "secret rotationDays above 365",
    values: with_({ secret: { rotationDays: 400 } }),
    issues: [
      { path: "exo-oauth:secret.rotationDays", message: "400 is not a whole number of days from 7 to 365" },
    ],
  },
  {
    name: "secret rotationDays a fraction",
    values: with_({ secret: { rotationDays: 30.5 } }),
    issues: [{ path: "exo-oauth:secret.rotationDays", message: "30.5 is not a whole number of days" }],
  },
  {
    name: "secret rotationDays not a number",
    values: with_({ secret: { rotationDays: "monthly" } }),
    issues: [
      {
        path: "exo-oauth:secret.rotationDays",
        message: '"monthly" is not a whole number of days from 7 to 365',
      },
    ],
  },
  {
    name: "secret graceDays zero",
    values: with_({ secret: { graceDays: 0 } }),
    issues: [{ path: "exo-oauth:secret.graceDays", message: "0 is not a whole number of days, at least 1" }],
  },
  {
    name: "secret graceDays longer than rotationDays",
    values: with_({ secret: { rotationDays: 7 } }),
    issues: [
      {
        path: "exo-oauth:secret.graceDays",
        message:
          "14 is longer than rotationDays (7): the previous secret is replaced one period after the next publish",
      },
    ],
  },
  {
    name: "secret lifetime over Microsoft's 730 days",
    values: with_({ secret: { rotationDays: 365, graceDays: 14 } }),
    issues: [
      {
        path: "exo-oauth:secret",
        message:
          "2 × rotationDays + graceDays = 2 × 365 + 14 = 744 days, over Microsoft's 730-day limit on a client secret's lifetime; lower rotationDays to at most 358",
      },
    ],
  },
  {
    name: "secret lifetime over 730 days with the default graceDays",
    values: with_({ secret: { rotationDays: 360 } }),
    issues: [{ path: "exo-oauth:secret", message: "= 2 × 360 + 14 = 734 days" }],
  },
  {
    name: "secret lifetime over 730 days through a long grace",
    values: with_({ secret: { rotationDays: 300, graceDays: 200 } }),
    issues: [
      {
        path: "exo-oauth:secret",
        message:
          "= 2 × 300 + 200 = 800 days, over Microsoft's 730-day limit on a client secret's lifetime; lower rotationDays to at most 265 or graceDays to at most 130",
      },
    ],
  },
  {
    name: "secret over the tenant's lifetime limit (secret.maxLifetimeDays 180, as CISA's baseline proposes)",
    values: with_({ secret: { maxLifetimeDays: 180 } }),
    issues: [
      {
        path: "exo-oauth:secret",
        message:
          "each client secret lives 2 × rotationDays + graceDays = 2 × 90 + 14 = 194 days, over the 180-day limit of secret.maxLifetimeDays (the tenant's credential-lifetime policy); lower rotationDays to at most 83",
      },
    ],
  },
  {
    name: "secret over a short lifetime limit that needs both settings lowered",
    values: with_({ secret: { maxLifetimeDays: 20 } }),
    issues: [
      {
        path: "exo-oauth:secret",
        message:
          "= 2 × 90 + 14 = 194 days, over the 20-day limit of secret.maxLifetimeDays (the tenant's credential-lifetime policy); lower both, e.g. rotationDays 7 and graceDays 6",
      },
    ],
  },
  {
    name: "secret maxLifetimeDays below the shortest schedule",
    values: with_({ secret: { maxLifetimeDays: 14 } }),
    issues: [
      {
        path: "exo-oauth:secret.maxLifetimeDays",
        message: "14 is not a whole number of days from 15 to 730",
      },
    ],
  },
  {
    name: "secret unknown key",
    values: with_({ secret: { rotateDays: 30 } }),
    issues: [
      {
        path: "exo-oauth:secret.rotateDays",
        message:
          "unknown key (did you mean rotationDays?); allowed keys for secret: rotationDays, graceDays, maxLifetimeDays",
      },
    ],
  },
  // exchange
  {
    name: "exchange missing",
    values: without("exchange"),
    issues: [
      { path: "exo-oauth:exchange", message: `missing: expected an object with connection: one of ${FOUR}` },
    ],
  },
  {
    name: "exchange a plain string",
    values: with_({ exchange: "manual" }),
    issues: [
      {
        path: "exo-oauth:exchange",
        message:
          '"manual" is not an object: expected { connection: certificate | managedIdentity | accessToken | manual',
      },
    ],
  },
  {
    name: "exchange without a connection",
    values: with_({ exchange: { pwsh: "pwsh" } }),
    issues: [{ path: "exo-oauth:exchange.connection", message: `missing: expected one of ${FOUR}` }],
  },
  {
    name: "exchange connection unknown",
    values: with_({ exchange: { connection: "cert" } }),
    issues: [
      {
        path: "exo-oauth:exchange.connection",
        message: `"cert" is not a connection: expected one of ${FOUR}`,
      },
    ],
  },
  {
    name: "certificate connection without appId",
    secretKeys: ["exchange"],
    values: with_({ exchange: { connection: "certificate", certificate: CERTIFICATE } }),
    issues: [
      {
        path: "exo-oauth:exchange.appId",
        message: "missing: expected the application (client) id Connect-ExchangeOnline signs in as, a GUID",
      },
    ],
  },
  {
    name: "certificate connection with appId not a GUID",
    values: with_({ exchange: { connection: "certificate", appId: "my-app", certificate: CERTIFICATE } }),
    secretKeys: ["exchange"],
    issues: [{ path: "exo-oauth:exchange.appId", message: `(secret value, not shown) ${GUID_HINT}` }],
  },
  {
    name: "certificate connection without a certificate",
    secretKeys: ["exchange"],
    values: with_({ exchange: { connection: "certificate", appId: APP_ID } }),
    issues: [{ path: "exo-oauth:exchange.certificate", message: "missing: expected a base64-encoded PFX" }],
  },
  {
    name: "certificate empty",
    secretKeys: ["exchange"],
    values: with_({ exchange: certExchange({ certificate: "" }) }),
    issues: [{ path: "exo-oauth:exchange.certificate", message: "empty: expected a base64-encoded PFX" }],
  },
  {
    name: "certificate not base64",
    secretKeys: ["exchange"],
    values: with_({ exchange: certExchange({ certificate: "-----BEGIN CERTIFICATE-----" }) }),
    issues: [
      {
        path: "exo-oauth:exchange.certificate",
        message: "is not valid base64: expected a base64-encoded PFX",
      },
    ],
  },
  {
    name: "certificate base64 of something that is not a PFX",
    secretKeys: ["exchange"],
    values: with_({
      exchange: certExchange({ certificate: Buffer.from("hello, not a pfx").toString("base64") }),
    }),
    issues: [{ path: "exo-oauth:exchange.certificate", message: "does not decode to a PFX (PKCS#12) file" }],
  },
  {
    name: "certificate in plain text",
    values: with_({ exchange: certExchange() }),
    issues: [
      {
        path: "exo-oauth:exchange.certificate",
        message:
          "is in plain text: exo-oauth:exchange must be a Pulumi secret when it holds a certificate; set it with pulumi config set --path --secret exo-oauth:exchange.certificate",
      },
    ],
  },
  {
    name: "certificate and password in plain text",
    values: with_({ exchange: certExchange({ certificatePassword: PASSWORD }) }),
    issues: [
      { path: "exo-oauth:exchange.certificate", message: "is in plain text" },
      {
        path: "exo-oauth:exchange.certificatePassword",
        message:
          "must be a Pulumi secret when it holds a password; set it with pulumi config set --path --secret exo-oauth:exchange.certificatePassword",
      },
    ],
  },
  {
    name: "certificate password empty",
    secretKeys: ["exchange"],
    values: with_({ exchange: certExchange({ certificatePassword: "" }) }),
    issues: [
      {
        path: "exo-oauth:exchange.certificatePassword",
        message: "empty: leave certificatePassword out for a PFX without a password",
      },
    ],
  },
  {
    name: "managedIdentity connection with an appId",
    values: with_({ exchange: { connection: "managedIdentity", appId: APP_ID } }),
    issues: [
      {
        path: "exo-oauth:exchange.appId",
        message:
          'not used with connection "managedIdentity" (only with certificate); allowed keys with connection "managedIdentity": connection, managedIdentityAccountId, pwsh, retryDeadlineSeconds',
      },
    ],
  },
  {
    name: "managedIdentity account id not a GUID",
    values: with_({ exchange: { connection: "managedIdentity", managedIdentityAccountId: "mi-exo" } }),
    issues: [{ path: "exo-oauth:exchange.managedIdentityAccountId", message: `"mi-exo" ${GUID_HINT}` }],
  },
  {
    name: "accessToken connection without accessTokenEnv",
    values: with_({ exchange: { connection: "accessToken" } }),
    issues: [
      {
        path: "exo-oauth:exchange.accessTokenEnv",
        message: "missing: expected the name of the environment variable that holds the token",
      },
    ],
  },
  {
    name: "accessTokenEnv not a variable name",
    values: with_({ exchange: { connection: "accessToken", accessTokenEnv: "EXO-TOKEN" } }),
    issues: [
      {
        path: "exo-oauth:exchange.accessTokenEnv",
        message: '"EXO-TOKEN" is not an environment variable name',
      },
    ],
  },
  {
    name: "accessTokenEnv holding the token itself",
    values: with_({ exchange: { connection: "accessToken", accessTokenEnv: TOKEN } }),
    issues: [
      {
        path: "exo-oauth:exchange.accessTokenEnv",
        message: "looks like an access token, not the name of an environment variable (value not shown)",
      },
    ],
  },
  {
    name: "manual connection with driver settings",
    values: with_({ exchange: { connection: "manual", pwsh: "pwsh", retryDeadlineSeconds: 600 } }),
    issues: [
      {
        path: "exo-oauth:exchange.pwsh",
        message: 'not used with connection "manual" (only with certificate, managedIdentity, accessToken)',
      },
      {
        path: "exo-oauth:exchange.retryDeadlineSeconds",
        message: 'allowed keys with connection "manual": connection',
      },
    ],
  },
  {
    name: "exchange unknown key",
    values: with_({ exchange: { connection: "accessToken", accessTokenEnv: "T", tokenEnv: "T" } }),
    issues: [
      {
        path: "exo-oauth:exchange.tokenEnv",
        message:
          'unknown key; allowed keys with connection "accessToken": connection, accessTokenEnv, pwsh, retryDeadlineSeconds',
      },
    ],
  },
  {
    name: "retryDeadlineSeconds below 30",
    values: with_({ exchange: { connection: "managedIdentity", retryDeadlineSeconds: 10 } }),
    issues: [
      {
        path: "exo-oauth:exchange.retryDeadlineSeconds",
        message: "10 is not a whole number of seconds from 30 to 3600",
      },
    ],
  },
  {
    name: "pwsh empty",
    values: with_({ exchange: { connection: "managedIdentity", pwsh: "" } }),
    issues: [{ path: "exo-oauth:exchange.pwsh", message: "empty: expected the PowerShell 7 executable" }],
  },
  // top level
  {
    name: "unknown top-level key close to a known one",
    values: with_({ mailbox: "a@contoso.com" }),
    issues: [
      {
        path: "exo-oauth:mailbox",
        message:
          "unknown config key (did you mean exo-oauth:mailboxes?); allowed keys: exo-oauth:tenantId, exo-oauth:organization, exo-oauth:application, exo-oauth:protocols, exo-oauth:mailboxes, exo-oauth:secret, exo-oauth:exchange",
      },
    ],
  },
  {
    name: "unknown top-level key",
    values: with_({ clientSecret: "x" }),
    issues: [
      { path: "exo-oauth:clientSecret", message: "unknown config key; allowed keys: exo-oauth:tenantId" },
    ],
  },
];
