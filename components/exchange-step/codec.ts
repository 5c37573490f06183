// ONE encode (settings → the Command's environment) and ONE decode (environment → the same
// settings), over the table in ./environment.ts (docs/exchange-step.md, "Environment"). The
// decoder applies the rules the stack config applies (./validate.ts) and reports every problem
// at once, each naming the variable, the config key it comes from, and what is allowed.
// Pure: no Pulumi, no Node APIs.
import { matchChoice } from "../choices";
import { firstInvisible, normaliseAddress } from "../identifiers";
import { PROTOCOLS, type Protocol } from "../microsoft";
import { DRIVER_ENV, ENVIRONMENT, type DriverEnvField } from "./environment";
import { numberFrom, ORGANIZATION_RULE, problemWith, showValue } from "./rules";
import {
  DEFAULT_PWSH,
  EXCHANGE_CONNECTIONS,
  RETRY_DEADLINE_SECONDS,
  type ExchangeConnectionSettings,
} from "./settings";
import type { DesiredMailbox, DesiredState } from "./state";
import {
  connectionProblems,
  desiredProblems,
  itemSuffix,
  renderProblem,
  type SettingsField,
  type SettingsProblem,
} from "./validate";

/** Everything the Command hands the driver: what to hold, and how to connect. */
export interface DriverSettings {
  desired: DesiredState;
  connection: ExchangeConnectionSettings;
}

/** An environment as Node hands it over (values may be unset). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Name → value; the component wraps the SECRET_DRIVER_ENV values in pulumi.secret. No validation. */
export function encodeDriverEnvironment(s: DriverSettings): Record<string, string> {
  const c = s.connection;
  const env: Record<string, string> = {
    [DRIVER_ENV.appId]: s.desired.appId,
    [DRIVER_ENV.servicePrincipalObjectId]: s.desired.servicePrincipalObjectId,
    [DRIVER_ENV.displayName]: s.desired.displayName,
    [DRIVER_ENV.organization]: c.organization,
    [DRIVER_ENV.mailboxes]: JSON.stringify(
      s.desired.mailboxes.map((m) => ({
        address: normaliseAddress(m.address),
        sendAs: m.sendAs,
        ...(m.protocols ? { protocols: m.protocols } : {}),
      })),
    ),
    [DRIVER_ENV.connection]: c.connection,
    [DRIVER_ENV.pwsh]: c.pwsh,
    [DRIVER_ENV.retryDeadlineSeconds]: String(c.retryDeadlineSeconds),
  };
  if (c.connection === "certificate") {
    env[DRIVER_ENV.automationAppId] = c.automationAppId;
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

/** "EXO_OAUTH_MAILBOXES[1].address (from exo-oauth:mailboxes)". */
export function variableName(p: SettingsProblem): string {
  const field = p.field as DriverEnvField & SettingsField;
  const source = ENVIRONMENT[field].source;
  return `${DRIVER_ENV[field]}${itemSuffix(p)}${source.startsWith("exo-oauth:") ? ` (from ${source})` : ""}`;
}

/**
 * An empty variable is an absent one (a shell cannot tell them apart); text is trimmed — unless
 * it holds an invisible character (components/identifiers.ts firstInvisible): then the rule gets
 * it as given and refuses it by name, as the stack config refuses the same value, rather than
 * having a trailing newline trimmed away unseen.
 */
function reader(env: Environment) {
  const optional = (field: DriverEnvField) => {
    const raw = env[DRIVER_ENV[field]];
    if (raw === undefined || raw.trim() === "") return undefined;
    return firstInvisible(raw) ? raw : raw.trim();
  };
  return { optional, text: (field: DriverEnvField) => optional(field) ?? "" };
}

/**
 * What `runbook` needs: the desired state, and EXO_OAUTH_ORGANIZATION checked by the config's
 * rule when it is set (the runbook prints it in Connect-ExchangeOnline; unset, the runbook shows
 * a placeholder). No connection settings. Throws DriverEnvironmentError listing every problem.
 */
export function decodeDesiredState(env: Environment): DesiredState {
  const problems: string[] = [];
  const desired = desiredFrom(env, problems);
  const organization = reader(env).optional("organization");
  if (organization !== undefined) {
    const message = problemWith(ORGANIZATION_RULE, organization);
    if (message)
      problems.push(renderProblem({ field: "organization", message, value: organization }, variableName));
  }
  if (problems.length) throw new DriverEnvironmentError(problems);
  return desired;
}

/** The settings the component encoded; throws DriverEnvironmentError listing every problem. */
export function decodeDriverEnvironment(env: Environment): DriverSettings {
  const problems: string[] = [];
  const desired = desiredFrom(env, problems);
  const { optional, text } = reader(env);
  const deadline = optional("retryDeadlineSeconds");
  // Checked as given (a problem shows the value as the stack config would), lower-cased for use.
  const loose = {
    organization: optional("organization"),
    // Any letter case, normalised: the rule the stack config applies (components/choices.ts).
    connection: anyCase(optional("connection"), EXCHANGE_CONNECTIONS),
    pwsh: optional("pwsh") ?? DEFAULT_PWSH,
    // As a number when it is one, so a problem shows it as the stack config would.
    retryDeadlineSeconds:
      deadline === undefined ? RETRY_DEADLINE_SECONDS.default : (numberFrom(deadline) ?? deadline),
    automationAppId: optional("automationAppId"),
    // Secrets are taken as given (not trimmed): a password may end in a space.
    certificate: env[DRIVER_ENV.certificate] || undefined,
    certificatePassword: env[DRIVER_ENV.certificatePassword] || undefined,
    managedIdentityAccountId: optional("managedIdentityAccountId"),
    accessTokenEnv: optional("accessTokenEnv"),
  };
  // The certificate's encoding is checked where it is typed (the stack config): here only its
  // presence, so the v1 environments deployed stacks hold decode as they did.
  problems.push(...connectionProblems(loose, "present").map((p) => renderProblem(p, variableName)));
  if (problems.length) throw new DriverEnvironmentError(problems);

  const common = {
    organization: text("organization").toLowerCase(),
    pwsh: loose.pwsh,
    retryDeadlineSeconds: Number(loose.retryDeadlineSeconds),
  };
  let connection: ExchangeConnectionSettings;
  if (loose.connection === "certificate")
    connection = {
      connection: "certificate",
      automationAppId: text("automationAppId").toLowerCase(),
      certificate: env[DRIVER_ENV.certificate] ?? "",
      ...(loose.certificatePassword ? { certificatePassword: loose.certificatePassword } : {}),
      ...common,
    };
  else if (loose.connection === "managedIdentity")
    connection = {
      connection: "managedIdentity",
      ...(loose.managedIdentityAccountId
        ? { managedIdentityAccountId: loose.managedIdentityAccountId.toLowerCase() }
        : {}),
      ...common,
    };
  else connection = { connection: "accessToken", accessTokenEnv: text("accessTokenEnv"), ...common };
  return { desired, connection };
}

function desiredFrom(env: Environment, problems: string[]): DesiredState {
  const { optional } = reader(env);
  const items = mailboxItems(env[DRIVER_ENV.mailboxes], problems);
  const loose = {
    appId: optional("appId"),
    servicePrincipalObjectId: optional("servicePrincipalObjectId"),
    displayName: optional("displayName"),
  };
  const found = desiredProblems({ ...loose, mailboxes: items ?? [] })
    // A list that is not JSON was reported as such: no "empty list" on top.
    .filter((p) => items !== undefined || p.field !== "mailboxes");
  problems.push(...found.map((p) => renderProblem(p, variableName)));
  return {
    appId: loose.appId?.toLowerCase() ?? "",
    servicePrincipalObjectId: loose.servicePrincipalObjectId?.toLowerCase() ?? "",
    displayName: loose.displayName ?? "",
    mailboxes: (items ?? []).map((m): DesiredMailbox => ({
      address: normaliseAddress(String(m.address)),
      sendAs: m.sendAs === true,
      ...(m.protocols ? { protocols: m.protocols } : {}),
    })),
  };
}

const MAILBOX_KEYS = ["address", "sendAs", "protocols"];

/** The JSON list, or undefined when it is not one (the problem is added). */
function mailboxItems(
  text: string | undefined,
  problems: string[],
): { address?: unknown; sendAs?: unknown; protocols?: Protocol[] }[] | undefined {
  const name = DRIVER_ENV.mailboxes;
  let value: unknown;
  try {
    value = JSON.parse(text ?? "");
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value)) {
    problems.push(
      `${name} (from exo-oauth:mailboxes): must be a JSON array like ["a@contoso.com"] or [{"address":"a@contoso.com","sendAs":false}] ` +
        `(got ${showValue(text)})`,
    );
    return undefined;
  }
  return value.map((item: unknown, i) => {
    // The short form the stack config accepts: an address alone ("helpdesk@contoso.com").
    if (typeof item === "string") return { address: item };
    const o = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !MAILBOX_KEYS.includes(k));
    if (unknown.length)
      problems.push(`${name}[${i}]: unknown keys ${unknown.join(", ")}; allowed: ${MAILBOX_KEYS.join(", ")}`);
    return {
      address: o.address,
      sendAs: o.sendAs,
      protocols: protocolsOf(o.protocols, `${name}[${i}]`, problems),
    };
  });
}

/**
 * A mailbox's `protocols`: absent (an environment from before the field: undefined), or a list of
 * imap, pop, smtp in any letter case (as config accepts them), each once; else a problem naming it.
 */
function protocolsOf(value: unknown, where: string, problems: string[]): Protocol[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  const out: Protocol[] = [];
  for (const [j, p] of list.entries()) {
    const one = typeof p === "string" ? matchChoice(p, PROTOCOLS) : undefined;
    if (one === undefined)
      problems.push(
        `${where}.protocols[${j}] (from exo-oauth:mailboxes): ${showValue(p)} is not a protocol; allowed: ${PROTOCOLS.join(", ")}`,
      );
    else if (!out.includes(one)) out.push(one);
  }
  return out;
}

/** An enumerated value in its one spelling when it names one in any letter case; else as given. */
function anyCase(value: string | undefined, allowed: readonly string[]): string | undefined {
  return value === undefined ? undefined : (matchChoice(value, allowed) ?? value);
}
