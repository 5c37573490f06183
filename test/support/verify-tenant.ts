// An offline tenant for the verify tests: a state file, one application with a secret (and
// optionally a certificate), its consented roles, and the Exchange side (service principal
// registered, mailboxes granted) written the way the Exchange simulator records them.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROTOCOL_ROLE } from "../../components/microsoft";
import {
  registerApplication,
  type RegisteredApplication,
} from "../../scripts/offline-tenant/entra/entra-app";
import {
  newSid,
  newTenantState,
  updateState,
  writeState,
  type TenantState,
} from "../../scripts/offline-tenant/state";
import type { ClientCertificate } from "../../scripts/offline-tenant/tls";

export interface TestTenant {
  dir: string;
  statePath: string;
  tenantId: string;
  app: RegisteredApplication;
  /** The client secret's value (tests scan output for it). */
  secret: string;
  update<T>(fn: (s: TenantState) => T): T;
  cleanup(): void;
}

export interface TestTenantOptions {
  mailboxes?: string[];
  roles?: string[];
  /** Register the SP in Exchange and grant FullAccess on these mailboxes (default: all). */
  granted?: string[];
  certificate?: ClientCertificate;
  secretEndDate?: Date;
}

/** Registers the Exchange service principal (New-ServicePrincipal) for the app's SP. */
export function registerInExchange(state: TenantState, spObjectId: string, appId: string): string {
  const existing = state.exchange.servicePrincipals.find((s) => s.Identity === spObjectId);
  if (existing) return existing.Sid;
  const sid = newSid(state.tenantId, 1000 + state.exchange.servicePrincipals.length);
  state.exchange.servicePrincipals.push({
    AppId: appId,
    ObjectId: spObjectId,
    Identity: spObjectId,
    DisplayName: "exo-oauth-offline",
    Name: spObjectId,
    Sid: sid,
  });
  return sid;
}

/** Add-MailboxPermission -AccessRights FullAccess for the SP (matched by UserSid). */
export function grantMailbox(state: TenantState, address: string, spObjectId: string, appId: string): void {
  const sid = registerInExchange(state, spObjectId, appId);
  const mailbox = state.exchange.mailboxes.find((m) => m.address === address);
  if (!mailbox) throw new Error(`test tenant: no mailbox ${address}`);
  if (mailbox.permissions.some((p) => p.UserSid === sid)) return;
  mailbox.permissions.push({
    Identity: address.split("@")[0],
    User: `S-1-5-21-${spObjectId}`,
    UserSid: sid,
    AccessRights: ["FullAccess"],
    IsInherited: false,
    Deny: false,
    InheritanceType: "All",
  });
}

export function createTestTenant(opts: TestTenantOptions = {}): TestTenant {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-verify-"));
  const statePath = join(dir, "tenant.json");
  const mailboxes = opts.mailboxes ?? ["helpdesk@contoso.com"];
  const state = newTenantState({ mailboxes });
  const secret = `${randomBytes(3).toString("hex")}~${randomBytes(24).toString("base64url")}`;
  const app = registerApplication(state, {
    secret,
    roles: opts.roles ?? Object.values(PROTOCOL_ROLE),
    ...(opts.secretEndDate ? { secretEndDate: opts.secretEndDate } : {}),
    ...(opts.certificate ? { certificate: opts.certificate } : {}),
  });
  for (const m of opts.granted ?? mailboxes)
    grantMailbox(state, m, app.servicePrincipal.objectId, app.application.clientId);
  writeState(statePath, state);
  return {
    dir,
    statePath,
    tenantId: state.tenantId,
    app,
    secret,
    update: (fn) => updateState(statePath, fn),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
