// `--stack <name>`: everything a hand run needs, read from the stack through the pulumi CLI, turned
// into exactly the environment the Exchange Command gets (components/exchange-step/codec.ts).
//   desired state   the outputs the last `pulumi up` exported (clientId, servicePrincipalObjectId,
//                   displayName, organization, mailboxes): what the Command was last given. A stack
//                   updated before displayName/organization were outputs: those two from its config.
//   connection      the stack config (`pulumi config --json --show-secrets`), parsed by the program's
//                   own parser (components/config): the only place it lives (secrets are no outputs).
//   previous record the exchangeRecord output (what PULUMI_COMMAND_STDOUT holds for the Command).
//   this machine    EXO_OAUTH_PWSH / EXO_OAUTH_RETRY_DEADLINE_SECONDS from the operator's environment
//                   override the config's, and the accessToken mode's token is read from the variable
//                   the config names, in the operator's environment — as the pipeline provides it.
// Every EXO_OAUTH_* contract variable already in the operator's environment is dropped first, so a
// stale export never mixes into what the stack says.
import { parseStackConfig } from "../../components/config/parse";
import { rawConfigFromCliJson } from "../../components/config/cli-json";
import type { MailboxConfig, StackConfig } from "../../components/config/types";
import { encodeDriverEnvironment } from "../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { recordFromStackOutput, type ManagedRecord } from "../../components/exchange-step/record";
import type { ExchangeConnectionSettings } from "../../components/exchange-step/settings";
import type { DesiredMailbox, DesiredState } from "../../components/exchange-step/state";
import { PROTOCOLS } from "../../components/microsoft";
import { normaliseAddress } from "../../components/identifiers";
import { printable } from "../../components/printable";
import { InputError } from "../cli/errors";
import { pulumiJson, type RunPulumi } from "../cli/pulumi";
import { HAND_RUN_OVERRIDES, INVOCATION } from "./cli-spec";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface StackSource {
  /** The driver's environment: the operator's, less the contract's variables, plus the stack's settings. */
  env: Record<string, string | undefined>;
  desired: DesiredState;
  organization: string;
  /** undefined when the stack runs the Exchange step by hand (connection manual). */
  connection?: ExchangeConnectionSettings;
  /** The exchangeRecord output; null when nothing is recorded. */
  previous: ManagedRecord | null;
  /** What a person should know about where a value came from (stderr). */
  notices: string[];
  /** Values to mask in anything printed: the stack's secrets. */
  secrets: string[];
}

type Outputs = Record<string, unknown>;

/** Reads the stack; `needsConnection` is false for runbook (a manual stack is fine). */
export async function readStackSource(
  stack: string,
  o: { runPulumi: RunPulumi; env: Environment; needsConnection: boolean },
): Promise<StackSource> {
  const named = `stack "${printable(stack)}"`;
  const secrets: string[] = [];
  const configJson = await pulumiJson(o.runPulumi, ["config", "--stack", stack, "--json", "--show-secrets"], {
    env: o.env,
    stack,
    what: `the config of ${named}`,
  });
  let config: StackConfig;
  try {
    const raw = rawConfigFromCliJson(stack, configJson);
    for (const key of raw.secretKeys) secrets.push(...stringsIn(raw.values[key]));
    const parsed = parseStackConfig(raw);
    if (!parsed.ok)
      throw new InputError([
        `The config of ${named} is invalid (pulumi config --stack ${printable(stack)}):`,
        ...parsed.issues.map((i) => `${i.path}: ${i.message}`),
      ]);
    config = parsed.config;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`Reading the config of ${named}: ${(err as Error).message}`);
  }
  const outputs = await pulumiJson(
    o.runPulumi,
    ["stack", "output", "--stack", stack, "--json", "--show-secrets"],
    { env: o.env, stack, what: `the outputs of ${named}`, secrets },
  );
  if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs))
    throw new InputError(
      `Reading the outputs of ${named}: pulumi stack output --json did not print a JSON object`,
    );
  const out = outputs as Outputs;
  secrets.push(...stringsIn(out.clientSecret));

  const notices: string[] = [];
  const { desired, organization } = desiredFrom(out, config, named, notices);
  let previous: ManagedRecord | null;
  try {
    previous = recordFromStackOutput(out.exchangeRecord, `the exchangeRecord output of ${named}`);
  } catch (err) {
    throw new InputError((err as Error).message);
  }

  const base: Record<string, string | undefined> = { ...o.env };
  for (const name of Object.values(DRIVER_ENV)) delete base[name];
  if (config.exchange.connection === "manual") {
    if (o.needsConnection)
      throw new InputError(
        `exo-oauth:exchange.connection is "manual" in ${named}: nothing runs in Exchange for this stack. ` +
          `An admin runs the runbook instead: ${INVOCATION} runbook --stack ${printable(stack)}`,
      );
    return { env: base, desired, organization, previous, notices, secrets };
  }
  const connection: ExchangeConnectionSettings = { ...config.exchange, organization };
  const env = { ...base, ...encodeDriverEnvironment({ desired, connection }) };
  for (const field of HAND_RUN_OVERRIDES) {
    const mine = o.env[DRIVER_ENV[field]]?.trim();
    if (!mine) continue;
    env[DRIVER_ENV[field]] = mine;
    notices.push(
      `${DRIVER_ENV[field]}=${printable(mine)} from your environment overrides the stack's ${field}`,
    );
  }
  if (connection.connection === "accessToken" && o.env[connection.accessTokenEnv])
    secrets.push(o.env[connection.accessTokenEnv]!);
  return { env, desired, organization, connection, previous, notices, secrets };
}

/** The desired state as the outputs hold it; config values where an older stack has no output. */
function desiredFrom(
  out: Outputs,
  config: StackConfig,
  named: string,
  notices: string[],
): { desired: DesiredState; organization: string } {
  const text = (k: string) => (typeof out[k] === "string" && out[k] !== "" ? (out[k] as string) : undefined);
  const appId = text("clientId");
  const servicePrincipalObjectId = text("servicePrincipalObjectId");
  if (!appId || !servicePrincipalObjectId) {
    const missing = [
      appId ? "" : "clientId",
      servicePrincipalObjectId ? "" : "servicePrincipalObjectId",
    ].filter(Boolean);
    throw new InputError([
      `${named} has no ${missing.join(" or ")} output: its last \`pulumi up\` did not finish (a first deploy that fails exports no outputs).`,
      `Run \`pulumi up\` again; or run the step without --stack, with ${DRIVER_ENV.appId} and ${DRIVER_ENV.servicePrincipalObjectId} set to the ` +
        `application's client id and its enterprise application's object id (Entra admin center) and the other variables as ` +
        `\`${INVOCATION} remove --help\` lists them (docs/operations.md, "Run the Exchange step by hand").`,
    ]);
  }
  const older: string[] = [];
  const displayName = text("displayName") ?? (older.push("displayName"), config.application.displayName);
  const organization = text("organization") ?? (older.push("organization"), config.organization);
  const deployed = mailboxesFrom(out.mailboxes);
  if (!deployed) older.push("mailboxes");
  const fromConfig = config.mailboxes.map((m) => ({
    address: m.address,
    sendAs: m.sendAs,
    protocols: m.protocols,
  }));
  const mailboxes = deployed ?? fromConfig;
  if (older.length)
    notices.push(
      `${named} has no ${older.join(", ")} output (updated by an older version): taken from its config`,
    );
  const changed = [
    displayName !== config.application.displayName ? "application.displayName" : "",
    organization !== config.organization ? "organization" : "",
    JSON.stringify(mailboxes) !== JSON.stringify(fromConfig) ? "mailboxes" : "",
  ].filter(Boolean);
  if (changed.length)
    notices.push(
      `the config of ${named} differs from what its last \`pulumi up\` deployed (${changed.join(", ")}): ` +
        "this run uses what was deployed, as the Exchange Command holds it; `pulumi up` applies the config",
    );
  return { desired: { appId, servicePrincipalObjectId, displayName, mailboxes }, organization };
}

/**
 * The `mailboxes` output ({ address, sendAs, protocols } per mailbox, as the config normalised it);
 * undefined if absent. protocols is kept when the output has it (older outputs may not).
 */
function mailboxesFrom(v: unknown): DesiredMailbox[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return (v as Partial<MailboxConfig>[])
    .filter((m) => typeof m?.address === "string")
    .map((m) => ({
      address: normaliseAddress(m.address!),
      sendAs: m.sendAs === true,
      ...(Array.isArray(m.protocols)
        ? { protocols: m.protocols.filter((p) => (PROTOCOLS as readonly string[]).includes(p)) }
        : {}),
    }));
}

/** Every string in a value (a secret config key may hold an object of them). */
function stringsIn(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v && typeof v === "object") return Object.values(v).flatMap(stringsIn);
  return [];
}
