// ExchangeMailboxAccess: the Exchange Online half of the tutorial as ONE @pulumi/command
// Command per stack (each PowerShell connect costs seconds and Exchange throttles, so not one
// per mailbox). Its create and update run the reconcile driver (through the stored entry point,
// components/exchange-step/entry-points.ts), its delete runs removal. With connection "manual" no
// Command is declared: the component only renders the runbook an admin runs by hand.
// The Command ⇄ driver contract is components/exchange-step/ (docs/exchange-step.md).
//
// Lifecycle facts this relies on (docs/pulumi-lifecycle.md):
// - a change to any input but `triggers` runs `update`: desired-state changes flow through the
//   same idempotent reconcile. NO `triggers`: a replace is create-before-delete, so the old
//   delete would revoke what the new create had just granted;
// - delete runs the OLD delete string with the OLD environment, and PULUMI_COMMAND_STDOUT holds
//   the last create/update stdout: the driver prints its record there, removal reads it back;
// - a failing command's error shows the command string and output whatever `logging` says, and
//   streamed logs are not masked: no secret in any command string (secrets travel only in
//   `environment`, wrapped in pulumi.secret), and `logging: "stderr"` streams progress only.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import type { MailboxConfig } from "./config";
import { encodeDriverEnvironment } from "./exchange-step/codec";
import { APPLY_COMMAND, REMOVE_COMMAND } from "./exchange-step/entry-points";
import { DRIVER_ENV, MAILBOXES_ON_STDIN, SECRET_DRIVER_ENV } from "./exchange-step/environment";
import { manualSwitchHazard } from "./exchange-step/manual-switch";
import { parseRecord, recordFromStackOutput, type ManagedRecord } from "./exchange-step/record";
import { renderRunbook } from "./exchange-step/runbook";
import type {
  ExchangeConfig,
  ExchangeConnection,
  ExchangeConnectionSettings,
} from "./exchange-step/settings";
import type { ManagedState } from "./exchange-step/state";
import { argumentProblems } from "./exchange-step/arguments";

export { APPLY_COMMAND, REMOVE_COMMAND };

export interface ExchangeMailboxAccessArgs {
  /**
   * The application's service principal (MailApplication.servicePrincipal). Its `objectId` —
   * the ENTERPRISE APPLICATION's object id — is what New-ServicePrincipal -ObjectId needs;
   * taking the resource itself (not an id string) makes passing the app registration's object
   * id impossible. Its `clientId` is the mail application's AppId.
   */
  servicePrincipal: azuread.ServicePrincipal;
  /** New-ServicePrincipal -DisplayName. Default: the service principal's display name. */
  displayName?: pulumi.Input<string>;
  /** The tenant's initial domain, `<name>.onmicrosoft.com` (Connect-ExchangeOnline -Organization). */
  organization: string;
  /** The mailboxes to grant, with their per-mailbox options (config `exo-oauth:mailboxes`); at least one. */
  mailboxes: MailboxConfig[];
  /** How the driver connects (config `exo-oauth:exchange`); "manual" declares no Command. */
  exchange: ExchangeConfig;
  /** Admin consent: the driver runs after these exist (Exchange checks the app's roles). */
  roleAssignments?: pulumi.Resource[];
  /** Where the driver runs: the project root, where `npm ci` was run. Default "." (see `dir` below). */
  projectDir?: string;
}

export interface CommandEnvironmentInputs {
  clientId: pulumi.Input<string>;
  servicePrincipalObjectId: pulumi.Input<string>;
  displayName: pulumi.Input<string>;
  organization: string;
  mailboxes: MailboxConfig[];
  exchange: Exclude<ExchangeConfig, { connection: "manual" }>;
}

/**
 * The Command's environment (components/exchange-step/codec.ts encodes it), the SECRET_DRIVER_ENV
 * values wrapped in pulumi.secret. Pure apart from wrapping; exported for tests.
 */
export function commandEnvironment(a: CommandEnvironmentInputs): Record<string, pulumi.Input<string>> {
  const connection: ExchangeConnectionSettings = { ...a.exchange, organization: a.organization };
  const plain = encodeDriverEnvironment({
    // The three ids below are Outputs: encoded as placeholders, then replaced.
    desired: {
      appId: "",
      servicePrincipalObjectId: "",
      displayName: "",
      mailboxes: a.mailboxes.map((m) => ({ address: m.address, sendAs: m.sendAs, protocols: m.protocols })),
    },
    connection,
  });
  const env: Record<string, pulumi.Input<string>> = {};
  for (const [name, value] of Object.entries(plain))
    env[name] = (SECRET_DRIVER_ENV as readonly string[]).includes(name) ? pulumi.secret(value) : value;
  env[DRIVER_ENV.appId] = a.clientId;
  env[DRIVER_ENV.servicePrincipalObjectId] = a.servicePrincipalObjectId;
  env[DRIVER_ENV.displayName] = a.displayName;
  // The list itself goes on the Command's stdin (commandStdin): one environment string is capped
  // at 128 KiB on Linux, a few thousand mailboxes (components/exchange-step/environment.ts).
  env[DRIVER_ENV.mailboxes] = MAILBOXES_ON_STDIN;
  return env;
}

/**
 * The Command's stdin: the JSON mailbox list EXO_OAUTH_MAILBOXES would otherwise carry (the codec's
 * encoding), for create, update and delete alike (@pulumi/command 1.2.1 runs delete with the
 * state's inputs, stdin included: provider/pkg/provider/local/commandController.go). Not a secret,
 * so a preview shows which mailboxes change.
 */
export function commandStdin(mailboxes: MailboxConfig[]): string {
  return (
    encodeDriverEnvironment({
      desired: {
        appId: "",
        servicePrincipalObjectId: "",
        displayName: "",
        mailboxes: mailboxes.map((m) => ({ address: m.address, sendAs: m.sendAs, protocols: m.protocols })),
      },
      connection: { connection: "managedIdentity", organization: "", pwsh: "", retryDeadlineSeconds: 0 },
    })[DRIVER_ENV.mailboxes] + "\n"
  );
}

export class ExchangeMailboxAccess extends pulumi.ComponentResource {
  /** The PowerShell an admin would run by hand (the stack exports it with connection "manual"). */
  readonly runbook: pulumi.Output<string>;
  /** What the driver manages in Exchange, from the Command's stdout; undefined in manual mode. */
  readonly record: pulumi.Output<ManagedRecord | undefined>;
  /** The reconcile Command; undefined in manual mode. */
  readonly command?: command.local.Command;

  /** @throws pulumi.RunError listing every problem with `args`, before anything is registered. */
  constructor(name: string, args: ExchangeMailboxAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = argumentProblems(args, azuread.ServicePrincipal.isInstance(args.servicePrincipal));
    if (problems.length)
      throw new pulumi.RunError(`ExchangeMailboxAccess "${name}":\n  - ${problems.join("\n  - ")}`);
    super("exo-oauth:index:ExchangeMailboxAccess", name, {}, opts);
    const sp = args.servicePrincipal;
    const displayName = args.displayName ?? sp.displayName;
    const desiredMailboxes = args.mailboxes.map((m) => ({ address: m.address, sendAs: m.sendAs }));

    this.runbook = pulumi
      .all([sp.clientId, sp.objectId, displayName])
      .apply(([appId, servicePrincipalObjectId, dn]) =>
        renderRunbook(
          { appId, servicePrincipalObjectId, displayName: dn, mailboxes: desiredMailboxes },
          { organization: args.organization },
        ),
      );

    if (args.exchange.connection === "manual") {
      this.record = pulumi.output(undefined as ManagedRecord | undefined);
    } else {
      this.command = new command.local.Command(
        `${name}-command`,
        {
          create: APPLY_COMMAND,
          update: APPLY_COMMAND,
          delete: REMOVE_COMMAND,
          // "." = the project root, wherever this checkout is: the engine starts providers in the
          // project's directory and @pulumi/command runs in `dir` relative to that
          // (docs/pulumi-lifecycle.md). An absolute path would tie state to one checkout: a
          // pipeline cloning to a new path each run would see a diff every time, and `destroy`
          // would fail in a directory that no longer exists.
          dir: args.projectDir ?? ".",
          environment: commandEnvironment({
            clientId: sp.clientId,
            servicePrincipalObjectId: sp.objectId,
            displayName,
            organization: args.organization,
            mailboxes: args.mailboxes,
            exchange: args.exchange,
          }),
          stdin: commandStdin(args.mailboxes),
          // Progress only; stdout is the record (no secrets either, but nothing to watch).
          logging: "stderr",
          // PULUMI_COMMAND_STDOUT carries the previous record to update and delete.
          addPreviousOutputInEnv: true,
        },
        { parent: this, dependsOn: [sp, ...(args.roleAssignments ?? [])] },
      );
      // An output for people and `plan --record`; never worth failing the deployment over.
      this.record = this.command.stdout.apply((out) => {
        try {
          return parseRecord(out) ?? undefined;
        } catch {
          return undefined;
        }
      });
    }

    this.registerOutputs({ runbook: this.runbook, record: this.record });
  }
}

/**
 * The warnings a change of `exo-oauth:exchange.connection` deserves, given the stack's previous
 * `exchangeRecord` output (undefined on a new stack, or one deployed in manual mode): the
 * manual-switch hazard (components/exchange-step/manual-switch.ts), or, when the previous record
 * cannot be read, a warning that says so instead of guessing. Pure; index.ts warns with each.
 */
export function exchangeHazards(previousRecord: unknown, nextConnection: ExchangeConnection): string[] {
  let record: ManagedState | null;
  try {
    record = recordFromStackOutput(previousRecord, "the stack's previous exchangeRecord output");
  } catch (err) {
    return nextConnection === "manual"
      ? [
          `Cannot tell whether switching exo-oauth:exchange.connection to "manual" revokes grants: ` +
            `${(err as Error).message}. Check what the Exchange Command holds (npm run exchange -- plan) before this update.`,
        ]
      : [];
  }
  const hazard = manualSwitchHazard(record, nextConnection);
  return hazard ? [hazard] : [];
}
