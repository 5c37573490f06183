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
import {
  assertExchangeServicePrincipal,
  readExchangeServicePrincipal,
} from "./components/exchangeServicePrincipal";
import { MailApplication } from "./components/mailApplication";
import { OUTLOOK_SCOPE, tokenEndpoint } from "./components/microsoft";
import type { StackOutputs } from "./components/outputs";
import { lifetimePolicyNotices, readPreviousOutputs, rotationNotices } from "./components/previousOutputs";
import { RotatingClientSecret } from "./components/rotatingClientSecret";
import { consentLister } from "./components/providerSignIn";
import { assertDirectoryIsOrganization, assertSignedInTenant } from "./components/tenantGuard";

export = async (): Promise<StackOutputs> => {
  // Everything that can be wrong with the inputs fails here, before anything is touched.
  const config = loadStackConfig();
  const now = clockFromEnvironment();
  // The tenant guards (what each proves: components/tenantGuard.ts): the provider is configured for
  // exo-oauth:tenantId, and the directory its token reads is exo-oauth:organization's.
  await assertSignedInTenant(config.tenantId);
  await assertDirectoryIsOrganization(config.organization, config.tenantId);
  // Read once, before declaring: Exchange Online's service principal absent, disabled, or missing or
  // disabling a chosen role fails here, every problem listed with what to do.
  const exchangeServicePrincipal = await readExchangeServicePrincipal();
  assertExchangeServicePrincipal(exchangeServicePrincipal, config.protocols);

  // What the last update exported: the only way to know the settings it planned with (and the
  // protocols whose consents its state holds). Read once, used below and by consent adoption.
  const previousOutputs = readPreviousOutputs();
  // The consents are declared once our service principal's id is known, adopting (import) any that
  // Entra holds but an earlier run's raced create left out of Pulumi's state.
  const mail = await MailApplication.create("mail", {
    displayName: config.application.displayName,
    owners: config.application.owners,
    notes: config.application.notes,
    protocols: config.protocols,
    exchangeServicePrincipal,
    listConsents: consentLister(),
    previousUpdate: previousOutputs,
  });
  const previous = await previousOutputs;

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

  // Shown by `pulumi preview` too: consents Entra holds that the state does not, and the reverse.
  // Last, so that waiting for a consent's id delays no other declaration.
  for (const hazard of await mail.consentWarnings(previous.protocols)) pulumi.log.warn(hazard, mail);

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
