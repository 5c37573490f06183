// exo-oauth: app-only OAuth for Exchange Online IMAP / POP / SMTP, one Microsoft 365 tenant per stack.
// Thin on purpose: validate config, check the signed-in tenant, read the stack's previous outputs,
// compose the components, warn about hazards, export the outputs (components/outputs.ts).
//
// The program is an async function (Pulumi's Node.js runtime awaits a CommonJS module that exports a
// function and uses the resolved object as the stack outputs — @pulumi/pulumi cmd/run/run.js): the tenant
// guard, the Exchange role lookup and the previous outputs need results before any resource is declared.
import * as pulumi from "@pulumi/pulumi";
import { clockFromEnvironment } from "./components/clock";
import { loadStackConfig } from "./components/config";
import { ExchangeMailboxAccess, exchangeHazards } from "./components/exchangeMailboxAccess";
import { MailApplication, readExchangeServicePrincipal } from "./components/mailApplication";
import { OUTLOOK_SCOPE, tokenEndpoint } from "./components/microsoft";
import type { StackOutputs } from "./components/outputs";
import { lifetimePolicyNotices, readPreviousOutputs, rotationNotices } from "./components/previousOutputs";
import { RotatingClientSecret } from "./components/rotatingClientSecret";
import { assertSignedInTenant } from "./components/tenantGuard";

export = async (): Promise<StackOutputs> => {
  // Everything that can be wrong with the inputs fails here, before anything is touched.
  const config = loadStackConfig();
  const now = clockFromEnvironment();
  await assertSignedInTenant(config.tenantId);
  // Read before declaring: a tenant whose Exchange Online SP lacks a chosen role fails here, once.
  const exchangeServicePrincipal = await readExchangeServicePrincipal();

  const mail = new MailApplication("mail", {
    displayName: config.application.displayName,
    owners: config.application.owners,
    notes: config.application.notes,
    protocols: config.protocols,
    exchangeServicePrincipal,
  });
  // What the last update exported: the only way to know the settings it planned with. Read after
  // MailApplication, whose role check fails before anything is registered.
  const previous = await readPreviousOutputs();

  // The last update's rotation record: a settings change carries on from it without replacing the
  // published secret (components/rotationTransition.ts).
  const clientSecret = new RotatingClientSecret("client-secret", {
    applicationId: mail.applicationId,
    rotationDays: config.secret.rotationDays,
    graceDays: config.secret.graceDays,
    maxLifetimeDays: config.secret.maxLifetimeDays,
    previous: previous.rotation,
    previousNextRotationAt: previous.nextRotationAt,
    now: () => now,
  });
  // Shown by `pulumi preview` too: what a settings change does, and when a secret keeps less than
  // graceDays; and, with no secret.maxLifetimeDays, that the tenant's lifetime policy is not read.
  for (const n of [
    ...rotationNotices(previous, clientSecret.change, "client-secret"),
    ...lifetimePolicyNotices(previous, config.secret),
  ])
    pulumi.log[n.level](n.message, clientSecret);

  // Exchange Online: one Command reconciles New-ServicePrincipal and the mailbox grants; it takes
  // the SERVICE PRINCIPAL resource (New-ServicePrincipal -ObjectId is its object id) and runs
  // after admin consent. With connection "manual" no Command: the stack exports the runbook.
  const exchange = new ExchangeMailboxAccess("exchange", {
    servicePrincipal: mail.servicePrincipal,
    displayName: config.application.displayName,
    organization: config.organization,
    mailboxes: config.mailboxes,
    exchange: config.exchange,
    roleAssignments: mail.roleAssignments,
  });
  // Shown by `pulumi preview` too: switching to "manual" deletes the Command, whose delete revokes
  // what its last record lists (docs/exchange-step.md, "Switching to manual").
  for (const hazard of exchangeHazards(previous.exchangeRecord, config.exchange.connection))
    pulumi.log.warn(hazard, exchange);

  return {
    tenantId: config.tenantId,
    clientId: mail.clientId,
    servicePrincipalObjectId: mail.servicePrincipalObjectId,
    clientSecret: pulumi.secret(clientSecret.value),
    clientSecretKeyId: clientSecret.keyId,
    clientSecretExpiresAt: clientSecret.expiresAt,
    nextRotationAt: clientSecret.nextRotationAt,
    tokenEndpoint: tokenEndpoint(config.tenantId),
    scope: OUTLOOK_SCOPE,
    protocols: config.protocols,
    mailboxes: config.mailboxes,
    rotation: clientSecret.record,
    exchangeConnection: config.exchange.connection,
    // What the Exchange step was given besides the ids: `npm run exchange -- <command> --stack` reads them.
    displayName: config.application.displayName,
    organization: config.organization,
    ...(config.exchange.connection === "manual"
      ? { exchangeRunbook: exchange.runbook }
      : { exchangeRecord: exchange.record }),
  };
};
