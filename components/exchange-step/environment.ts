// The Command → driver contract: the ONE table of the environment variables the Exchange Command
// hands the driver (docs/exchange-step.md, "Environment"). components/exchangeMailboxAccess.ts
// writes them and the driver reads them, both through ./codec.ts; @pulumi/command adds
// PULUMI_COMMAND_STDOUT (the previous record). Every name is stored in deployed stacks' state:
// never rename one. Secrets travel only here (and from here to pwsh's environment, ./shim.ts),
// never in a command string, never on stdout. Pure.
import { DEFAULT_PWSH, RETRY_DEADLINE_SECONDS, type ExchangeConnection } from "./settings";

/**
 * The value of EXO_OAUTH_MAILBOXES that says "the list is on standard input" (the Command's
 * `stdin`): Linux caps ONE environment string at 128 KiB (MAX_ARG_STRLEN), which a JSON list of a
 * few thousand mailboxes passes ("Argument list too long"); stdin has no such cap. The component
 * writes the list there; environments from before (the list itself in the variable) stay readable.
 */
export const MAILBOXES_ON_STDIN = "stdin";

/** Variable names by the settings field they carry. */
export const DRIVER_ENV = {
  appId: "EXO_OAUTH_APP_ID",
  servicePrincipalObjectId: "EXO_OAUTH_SP_OBJECT_ID",
  displayName: "EXO_OAUTH_DISPLAY_NAME",
  organization: "EXO_OAUTH_ORGANIZATION",
  mailboxes: "EXO_OAUTH_MAILBOXES",
  connection: "EXO_OAUTH_CONNECTION",
  automationAppId: "EXO_OAUTH_CONNECT_APP_ID",
  certificate: "EXO_OAUTH_CERTIFICATE",
  certificatePassword: "EXO_OAUTH_CERTIFICATE_PASSWORD",
  managedIdentityAccountId: "EXO_OAUTH_MANAGED_IDENTITY_ACCOUNT_ID",
  accessTokenEnv: "EXO_OAUTH_ACCESS_TOKEN_ENV",
  pwsh: "EXO_OAUTH_PWSH",
  retryDeadlineSeconds: "EXO_OAUTH_RETRY_DEADLINE_SECONDS",
  previousStdout: "PULUMI_COMMAND_STDOUT",
} as const;

export type DriverEnvField = keyof typeof DRIVER_ENV;
export type DriverEnvName = (typeof DRIVER_ENV)[DriverEnvField];

/** One row of the table. */
export interface EnvironmentVariable {
  name: DriverEnvName;
  meaning: string;
  /** Wrapped in pulumi.secret by the component; never shown in a message. */
  secret: boolean;
  /** What an unset or empty variable means; undefined = required. */
  default?: string;
  /** Where the value comes from: a stack config key, a resource output, or the provider. */
  source: string;
  /** The connection modes that read it; undefined = every mode. */
  modes?: readonly Exclude<ExchangeConnection, "manual">[];
}

/** The table, in the order docs/exchange-step.md lists it. */
export const ENVIRONMENT: Readonly<Record<DriverEnvField, Omit<EnvironmentVariable, "name">>> = {
  appId: {
    meaning: "the MAIL application's (client) id: New-ServicePrincipal -AppId",
    secret: false,
    source: "the application registration's client id (MailApplication)",
  },
  servicePrincipalObjectId: {
    meaning:
      "the ENTERPRISE APPLICATION's (service principal's) object id: New-ServicePrincipal -ObjectId; never the app registration's",
    secret: false,
    source: "the service principal's object id (MailApplication)",
  },
  displayName: {
    meaning: "New-ServicePrincipal -DisplayName",
    secret: false,
    source: "exo-oauth:application.displayName",
  },
  organization: {
    meaning: "the tenant's initial domain, `<name>.onmicrosoft.com`: Connect-ExchangeOnline -Organization",
    secret: false,
    source: "exo-oauth:organization",
  },
  mailboxes: {
    meaning:
      'JSON [{"address":"a@contoso.com","sendAs":false,"protocols":["imap","smtp"]}, …]: the mailboxes to grant, and the protocols whose switches the driver reads (protocols optional); or `stdin`: that JSON list is on standard input (the Command\'s stdin)',
    secret: false,
    source: "exo-oauth:mailboxes",
  },
  connection: {
    meaning: "how the driver signs in: certificate, managedIdentity or accessToken",
    secret: false,
    source: "exo-oauth:exchange.connection",
  },
  automationAppId: {
    meaning: "the AUTOMATION application's (client) id: Connect-ExchangeOnline -AppId",
    secret: false,
    source: "exo-oauth:exchange.appId",
    modes: ["certificate"],
  },
  certificate: {
    meaning: "the automation application's certificate, base64 PFX",
    secret: true,
    source: "exo-oauth:exchange.certificate",
    modes: ["certificate"],
  },
  certificatePassword: {
    meaning: "the PFX's password",
    secret: true,
    default: "no password",
    source: "exo-oauth:exchange.certificatePassword",
    modes: ["certificate"],
  },
  managedIdentityAccountId: {
    meaning:
      "a user-assigned managed identity's (client) id: Connect-ExchangeOnline -ManagedIdentityAccountId",
    secret: false,
    default: "the system-assigned identity",
    source: "exo-oauth:exchange.managedIdentityAccountId",
    modes: ["managedIdentity"],
  },
  accessTokenEnv: {
    meaning:
      "the NAME of the variable holding the access token (set by the pipeline, not by Pulumi: the token is never in state)",
    secret: false,
    source: "exo-oauth:exchange.accessTokenEnv",
    modes: ["accessToken"],
  },
  pwsh: {
    meaning: "the PowerShell 7 executable (name or path)",
    secret: false,
    default: DEFAULT_PWSH,
    source: "exo-oauth:exchange.pwsh",
  },
  retryDeadlineSeconds: {
    meaning: `the run's budget for retries and read-after-write checks, seconds (${RETRY_DEADLINE_SECONDS.min} to ${RETRY_DEADLINE_SECONDS.max})`,
    secret: false,
    default: String(RETRY_DEADLINE_SECONDS.default),
    source: "exo-oauth:exchange.retryDeadlineSeconds",
  },
  previousStdout: {
    meaning: "the previous create/update's stdout: the record of what the step manages",
    secret: false,
    default: "nothing managed yet",
    source: "@pulumi/command (addPreviousOutputInEnv)",
  },
};

/** The rows with their names. */
export function environmentTable(): EnvironmentVariable[] {
  return (Object.keys(DRIVER_ENV) as DriverEnvField[]).map((field) => ({
    name: DRIVER_ENV[field],
    ...ENVIRONMENT[field],
  }));
}

/** The variables whose values are secrets: wrapped in pulumi.secret, scanned for by the tests. */
export const SECRET_DRIVER_ENV: readonly DriverEnvName[] = environmentTable()
  .filter((v) => v.secret)
  .map((v) => v.name);

/**
 * How a user sets a setting, in messages: the stack config key and, for a hand run, the variable
 * (`exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run)`); the variable alone when no key sets it.
 */
export function settingKnob(field: DriverEnvField): string {
  const { source } = ENVIRONMENT[field];
  return source.startsWith("exo-oauth:")
    ? `${source} (${DRIVER_ENV[field]} for a hand run)`
    : DRIVER_ENV[field];
}
