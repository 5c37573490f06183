// ExchangeMailboxAccess: the Exchange Online half of the tutorial as ONE @pulumi/command
// Command per stack (each PowerShell connect costs seconds and Exchange throttles, so not one
// per mailbox). Its create and update run the reconcile driver (scripts/exchange-driver/, through the stored entry scripts/exchange/cli.ts),
// its delete runs removal. With connection "manual" no Command is declared: the component only
// renders the runbook an admin runs by hand.
//
// Lifecycle facts this relies on (pulumi-notes.md, "@pulumi/command 1.2.1"):
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
import type { ExchangeConfig, MailboxConfig } from "./config";
import { DRIVER_ENV, encodeDriverEnvironment, type ConnectionSettings } from "../scripts/exchange-driver/env";
import { parseRecord, type ManagedRecord } from "../scripts/exchange-driver/record";
import { renderRunbook } from "../scripts/exchange-driver/runbook";

export interface ExchangeMailboxAccessArgs {
  /**
   * The application's service principal (MailApplication.servicePrincipal). Its `objectId` —
   * the ENTERPRISE APPLICATION's object id — is what New-ServicePrincipal -ObjectId needs;
   * taking the resource itself (not an id string) makes passing the app registration's object
   * id impossible. Its `clientId` is the AppId.
   */
  servicePrincipal: azuread.ServicePrincipal;
  /** New-ServicePrincipal -DisplayName. Default: the service principal's display name. */
  displayName?: pulumi.Input<string>;
  /** The tenant's .onmicrosoft.com domain (Connect-ExchangeOnline -Organization). */
  organization: string;
  /** The mailboxes to grant, with their per-mailbox options (config `exo-oauth:mailboxes`). */
  mailboxes: MailboxConfig[];
  /** How the driver connects (config `exo-oauth:exchange`); "manual" declares no Command. */
  exchange: ExchangeConfig;
  /** Admin consent: the driver runs after these exist (Exchange checks the app's roles). */
  roleAssignments?: pulumi.Resource[];
  /** Where the driver runs: the project root, where `npm ci` was run. Default "." (see `dir` below). */
  projectDir?: string;
}

/** `tsx` comes from the project's own dependencies (`npx --no` never downloads). */
export const DRIVER_COMMAND = "npx --no tsx scripts/exchange/cli.ts";
export const APPLY_COMMAND = `${DRIVER_COMMAND} apply`;
export const REMOVE_COMMAND = `${DRIVER_COMMAND} remove`;

export interface CommandEnvironmentInputs {
  clientId: pulumi.Input<string>;
  servicePrincipalObjectId: pulumi.Input<string>;
  displayName: pulumi.Input<string>;
  organization: string;
  mailboxes: MailboxConfig[];
  exchange: Exclude<ExchangeConfig, { connection: "manual" }>;
}

/**
 * The Command's environment (the contract in scripts/exchange-driver/env.ts), secrets wrapped in
 * pulumi.secret. Pure apart from wrapping; exported for tests.
 */
export function commandEnvironment(a: CommandEnvironmentInputs): Record<string, pulumi.Input<string>> {
  const connection = connectionSettings(a.exchange);
  const plain = encodeDriverEnvironment({
    // The three ids below are Outputs: encoded with placeholders, then replaced.
    desired: {
      appId: "",
      servicePrincipalObjectId: "",
      displayName: "",
      mailboxes: a.mailboxes.map((m) => ({ address: m.address, sendAs: m.sendAs })),
    },
    organization: a.organization,
    connection,
    pwsh: a.exchange.pwsh,
    retryDeadlineSeconds: a.exchange.retryDeadlineSeconds,
  });
  const env: Record<string, pulumi.Input<string>> = {
    ...plain,
    [DRIVER_ENV.appId]: a.clientId,
    [DRIVER_ENV.servicePrincipalObjectId]: a.servicePrincipalObjectId,
    [DRIVER_ENV.displayName]: a.displayName,
  };
  if (connection.connection === "certificate") {
    env[DRIVER_ENV.certificate] = pulumi.secret(connection.certificate);
    if (connection.certificatePassword)
      env[DRIVER_ENV.certificatePassword] = pulumi.secret(connection.certificatePassword);
  }
  return env;
}

function connectionSettings(x: Exclude<ExchangeConfig, { connection: "manual" }>): ConnectionSettings {
  switch (x.connection) {
    case "certificate":
      return {
        connection: "certificate",
        connectAppId: x.automationAppId,
        certificate: x.certificate,
        ...(x.certificatePassword ? { certificatePassword: x.certificatePassword } : {}),
      };
    case "managedIdentity":
      return {
        connection: "managedIdentity",
        ...(x.managedIdentityAccountId ? { managedIdentityAccountId: x.managedIdentityAccountId } : {}),
      };
    case "accessToken":
      return { connection: "accessToken", accessTokenEnv: x.accessTokenEnv };
  }
}

export class ExchangeMailboxAccess extends pulumi.ComponentResource {
  /** The PowerShell an admin would run by hand (the stack exports it with connection "manual"). */
  readonly runbook: pulumi.Output<string>;
  /** What the driver manages in Exchange, from the Command's stdout; undefined in manual mode. */
  readonly record: pulumi.Output<ManagedRecord | undefined>;
  /** The reconcile Command; undefined in manual mode. */
  readonly command?: command.local.Command;

  constructor(name: string, args: ExchangeMailboxAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exo-oauth:index:ExchangeMailboxAccess", name, {}, opts);
    const sp = args.servicePrincipal;
    if (!azuread.ServicePrincipal.isInstance(sp))
      throw new Error(
        "ExchangeMailboxAccess: servicePrincipal must be the application's azuread.ServicePrincipal " +
          "(New-ServicePrincipal needs the enterprise application's object id, not the app registration's)",
      );
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
          // project's directory (pulumi/pulumi sdk/go/common/resource/plugin/provider_plugin.go:
          // newPlugin(ctx, ctx.Pwd, …)) and @pulumi/command runs in `dir` relative to that
          // (provider/pkg/provider/local/commandOutputs.go). An absolute path would tie state to
          // one checkout: a pipeline cloning to a new path each run would see a diff every time,
          // and `destroy` would fail in a directory that no longer exists.
          dir: args.projectDir ?? ".",
          environment: commandEnvironment({
            clientId: sp.clientId,
            servicePrincipalObjectId: sp.objectId,
            displayName,
            organization: args.organization,
            mailboxes: args.mailboxes,
            exchange: args.exchange,
          }),
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
