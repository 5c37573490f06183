// The Command → driver contract: the ONE place the environment variables are defined.
// components/exchangeMailboxAccess.ts writes them (encodeDriverEnvironment), cli.ts reads them
// (readDriverEnvironment). @pulumi/command adds PULUMI_COMMAND_STDOUT (the previous record).
//
// | variable                              | meaning                                                          |
// |---------------------------------------|------------------------------------------------------------------|
// | EXO_OAUTH_APP_ID                      | our application (client) id — New-ServicePrincipal -AppId         |
// | EXO_OAUTH_SP_OBJECT_ID                | the ENTERPRISE APPLICATION's (service principal's) object id —   |
// |                                       | New-ServicePrincipal -ObjectId; never the app registration's     |
// | EXO_OAUTH_DISPLAY_NAME                | New-ServicePrincipal -DisplayName                                |
// | EXO_OAUTH_ORGANIZATION                | tenant's .onmicrosoft.com domain — Connect-ExchangeOnline -Organization |
// | EXO_OAUTH_MAILBOXES                   | JSON [{"address":"a@contoso.com","sendAs":false}, …]             |
// | EXO_OAUTH_CONNECTION                  | certificate | managedIdentity | accessToken                      |
// | EXO_OAUTH_CONNECT_APP_ID              | certificate: the automation app's id (Connect -AppId)            |
// | EXO_OAUTH_CERTIFICATE                 | certificate: base64 PFX — SECRET (pulumi.secret)                 |
// | EXO_OAUTH_CERTIFICATE_PASSWORD        | certificate: its password, optional — SECRET                     |
// | EXO_OAUTH_MANAGED_IDENTITY_ACCOUNT_ID | managedIdentity: user-assigned identity's id, optional           |
// | EXO_OAUTH_ACCESS_TOKEN_ENV            | accessToken: NAME of the variable holding the token (set by the  |
// |                                       | pipeline, not by Pulumi: the token itself is never in state)     |
// | EXO_OAUTH_PWSH                        | PowerShell executable, default pwsh                              |
// | EXO_OAUTH_RETRY_DEADLINE_SECONDS      | retry budget for transient errors, default 600                   |
// | PULUMI_COMMAND_STDOUT                 | set by @pulumi/command: the previous run's record (record.ts)     |
//
// Secrets travel only here (and from here to pwsh's environment, session.ts SECRET_ENV uses
// the same names), never in a command string, never on stdout.
import type { ExchangeConnectionSettings } from "./session";
import type { DesiredMailbox, DesiredState } from "./plan";

export const DRIVER_ENV = {
  appId: "EXO_OAUTH_APP_ID",
  servicePrincipalObjectId: "EXO_OAUTH_SP_OBJECT_ID",
  displayName: "EXO_OAUTH_DISPLAY_NAME",
  organization: "EXO_OAUTH_ORGANIZATION",
  mailboxes: "EXO_OAUTH_MAILBOXES",
  connection: "EXO_OAUTH_CONNECTION",
  connectAppId: "EXO_OAUTH_CONNECT_APP_ID",
  certificate: "EXO_OAUTH_CERTIFICATE",
  certificatePassword: "EXO_OAUTH_CERTIFICATE_PASSWORD",
  managedIdentityAccountId: "EXO_OAUTH_MANAGED_IDENTITY_ACCOUNT_ID",
  accessTokenEnv: "EXO_OAUTH_ACCESS_TOKEN_ENV",
  pwsh: "EXO_OAUTH_PWSH",
  retryDeadlineSeconds: "EXO_OAUTH_RETRY_DEADLINE_SECONDS",
  previousStdout: "PULUMI_COMMAND_STDOUT",
} as const;

/** The variables whose values are secrets: wrapped in pulumi.secret, scanned for by the tests. */
export const SECRET_DRIVER_ENV: readonly string[] = [DRIVER_ENV.certificate, DRIVER_ENV.certificatePassword];

export const DEFAULT_PWSH = "pwsh";
export const DEFAULT_RETRY_DEADLINE_SECONDS = 600;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The same rule as components/config.ts (ADDRESS_RE): what the config accepts, the driver must
// too (o'brien@contoso.com is valid). Quotes are safe: parameters are splatted, the runbook psQuotes.
const ADDRESS =
  /^[^\s@"<>(),;:\\[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const ORGANIZATION = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ConnectionSettings =
  | { connection: "certificate"; connectAppId: string; certificate: string; certificatePassword?: string }
  | { connection: "managedIdentity"; managedIdentityAccountId?: string }
  | { connection: "accessToken"; accessTokenEnv: string };

/** Everything the Command hands the driver (plain values: the component wraps the secrets). */
export interface DriverSettings {
  desired: DesiredState;
  organization: string;
  connection: ConnectionSettings;
  pwsh: string;
  retryDeadlineSeconds: number;
}

/** Plain name → value map. The component wraps SECRET_DRIVER_ENV values in pulumi.secret. */
export function encodeDriverEnvironment(s: DriverSettings): Record<string, string> {
  const env: Record<string, string> = {
    [DRIVER_ENV.appId]: s.desired.appId,
    [DRIVER_ENV.servicePrincipalObjectId]: s.desired.servicePrincipalObjectId,
    [DRIVER_ENV.displayName]: s.desired.displayName,
    [DRIVER_ENV.organization]: s.organization,
    [DRIVER_ENV.mailboxes]: JSON.stringify(
      s.desired.mailboxes.map((m) => ({ address: m.address.toLowerCase(), sendAs: m.sendAs })),
    ),
    [DRIVER_ENV.connection]: s.connection.connection,
    [DRIVER_ENV.pwsh]: s.pwsh,
    [DRIVER_ENV.retryDeadlineSeconds]: String(s.retryDeadlineSeconds),
  };
  const c = s.connection;
  if (c.connection === "certificate") {
    env[DRIVER_ENV.connectAppId] = c.connectAppId;
    env[DRIVER_ENV.certificate] = c.certificate;
    if (c.certificatePassword) env[DRIVER_ENV.certificatePassword] = c.certificatePassword;
  } else if (c.connection === "managedIdentity") {
    if (c.managedIdentityAccountId) env[DRIVER_ENV.managedIdentityAccountId] = c.managedIdentityAccountId;
  } else {
    env[DRIVER_ENV.accessTokenEnv] = c.accessTokenEnv;
  }
  return env;
}

/** Every problem at once, each naming the variable and what is allowed. */
export class DriverEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Reading the Exchange driver's environment:\n  - ${problems.join("\n  - ")}`);
    this.name = "DriverEnvironmentError";
  }
}

/** The desired state alone (what `runbook` needs: no connection settings). */
export function readDesiredState(env: NodeJS.ProcessEnv): DesiredState {
  const problems: string[] = [];
  const desired = desiredFrom(env, problems);
  if (problems.length) throw new DriverEnvironmentError(problems);
  return desired;
}

export function readDriverEnvironment(env: NodeJS.ProcessEnv): DriverSettings {
  const problems: string[] = [];
  const desired = desiredFrom(env, problems);
  const organization = (env[DRIVER_ENV.organization] ?? "").trim();
  if (!ORGANIZATION.test(organization))
    problems.push(
      `${DRIVER_ENV.organization} must be the tenant's domain, e.g. contoso.onmicrosoft.com (got ${show(organization)})`,
    );

  const pwsh = env[DRIVER_ENV.pwsh]?.trim() || DEFAULT_PWSH;
  const deadlineText = env[DRIVER_ENV.retryDeadlineSeconds]?.trim();
  const retryDeadlineSeconds = deadlineText ? Number(deadlineText) : DEFAULT_RETRY_DEADLINE_SECONDS;
  if (!Number.isFinite(retryDeadlineSeconds) || retryDeadlineSeconds < 0)
    problems.push(
      `${DRIVER_ENV.retryDeadlineSeconds} must be a number of seconds ≥ 0 (got ${show(deadlineText)})`,
    );

  let connection: ConnectionSettings | undefined;
  const mode = env[DRIVER_ENV.connection]?.trim();
  if (mode === "certificate") {
    const connectAppId = env[DRIVER_ENV.connectAppId]?.trim() ?? "";
    const certificate = env[DRIVER_ENV.certificate] ?? "";
    if (!GUID.test(connectAppId))
      problems.push(
        `${DRIVER_ENV.connectAppId} must be the automation application's client id, a GUID (got ${show(connectAppId)})`,
      );
    if (!certificate) problems.push(`${DRIVER_ENV.certificate} must hold the base64 PFX (it is empty)`);
    const certificatePassword = env[DRIVER_ENV.certificatePassword] || undefined;
    connection = { connection: "certificate", connectAppId, certificate, certificatePassword };
  } else if (mode === "managedIdentity") {
    const id = env[DRIVER_ENV.managedIdentityAccountId]?.trim() || undefined;
    connection = { connection: "managedIdentity", managedIdentityAccountId: id };
  } else if (mode === "accessToken") {
    const name = env[DRIVER_ENV.accessTokenEnv]?.trim() ?? "";
    // The value might be the token itself, pasted in the wrong place: never echo it.
    if (!ENV_NAME.test(name))
      problems.push(
        `${DRIVER_ENV.accessTokenEnv} must name an environment variable (letters, digits, _; e.g. EXO_ACCESS_TOKEN), not hold the token (value not shown)`,
      );
    connection = { connection: "accessToken", accessTokenEnv: name };
  } else {
    problems.push(
      `${DRIVER_ENV.connection} must be one of certificate, managedIdentity, accessToken (got ${show(mode)}); ` +
        `with connection "manual" nothing runs: use \`npm run exchange -- runbook\``,
    );
  }
  if (problems.length || !connection) throw new DriverEnvironmentError(problems);
  return { desired, organization, connection, pwsh, retryDeadlineSeconds };
}

/** The shape session.ts's openExchangeSession takes. */
export function toSessionSettings(s: DriverSettings): ExchangeConnectionSettings {
  const common = { pwsh: s.pwsh, retryDeadlineSeconds: s.retryDeadlineSeconds, organization: s.organization };
  const c = s.connection;
  switch (c.connection) {
    case "certificate":
      return {
        ...common,
        connection: "certificate",
        automationAppId: c.connectAppId,
        certificate: c.certificate,
        ...(c.certificatePassword ? { certificatePassword: c.certificatePassword } : {}),
      };
    case "managedIdentity":
      return {
        ...common,
        connection: "managedIdentity",
        ...(c.managedIdentityAccountId ? { managedIdentityAccountId: c.managedIdentityAccountId } : {}),
      };
    case "accessToken":
      return { ...common, connection: "accessToken", accessTokenEnv: c.accessTokenEnv };
  }
}

function desiredFrom(env: NodeJS.ProcessEnv, problems: string[]): DesiredState {
  const appId = env[DRIVER_ENV.appId]?.trim() ?? "";
  const servicePrincipalObjectId = env[DRIVER_ENV.servicePrincipalObjectId]?.trim() ?? "";
  const displayName = env[DRIVER_ENV.displayName]?.trim() ?? "";
  if (!GUID.test(appId))
    problems.push(`${DRIVER_ENV.appId} must be the application (client) id, a GUID (got ${show(appId)})`);
  if (!GUID.test(servicePrincipalObjectId))
    problems.push(
      `${DRIVER_ENV.servicePrincipalObjectId} must be the enterprise application's (service principal's) object id, a GUID (got ${show(servicePrincipalObjectId)})`,
    );
  else if (servicePrincipalObjectId.toLowerCase() === appId.toLowerCase())
    problems.push(
      `${DRIVER_ENV.servicePrincipalObjectId} equals ${DRIVER_ENV.appId}: it must be the service principal's object id, not the client id`,
    );
  if (!displayName) problems.push(`${DRIVER_ENV.displayName} must not be empty`);
  return {
    appId,
    servicePrincipalObjectId,
    displayName,
    mailboxes: mailboxesFrom(env[DRIVER_ENV.mailboxes], problems),
  };
}

function mailboxesFrom(text: string | undefined, problems: string[]): DesiredMailbox[] {
  const name = DRIVER_ENV.mailboxes;
  let value: unknown;
  try {
    value = JSON.parse(text ?? "");
  } catch {
    problems.push(
      `${name} must be JSON like [{"address":"a@contoso.com","sendAs":false}] (got ${show(text)})`,
    );
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push(`${name} must be a JSON array of {address, sendAs}`);
    return [];
  }
  const seen = new Set<string>();
  const out: DesiredMailbox[] = [];
  value.forEach((item: unknown, i) => {
    const o = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const address = typeof o.address === "string" ? o.address.trim().toLowerCase() : "";
    if (!ADDRESS.test(address)) {
      problems.push(`${name}[${i}].address must be an email address (got ${show(o.address)})`);
      return;
    }
    if (o.sendAs !== undefined && typeof o.sendAs !== "boolean")
      problems.push(`${name}[${i}].sendAs must be true or false (got ${show(o.sendAs)})`);
    const unknown = Object.keys(o).filter((k) => !["address", "sendAs", "protocols"].includes(k));
    if (unknown.length)
      problems.push(
        `${name}[${i}] has unknown keys ${unknown.join(", ")}; allowed: address, sendAs, protocols`,
      );
    if (seen.has(address)) problems.push(`${name}[${i}].address ${address} is listed twice`);
    seen.add(address);
    out.push({ address, sendAs: o.sendAs === true });
  });
  return out;
}

function show(v: unknown): string {
  if (v === undefined || v === "") return "nothing";
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
