// An offline tenant for the verify tests: a state file, one application with a secret (and
// optionally a certificate), its consented roles, and the Exchange side (service principal
// registered, mailboxes granted), made by the one fixture builder (support/tenant.ts).
import { randomBytes } from "node:crypto";
import { PROTOCOL_ROLE } from "../../components/microsoft";
import {
  registerApplication,
  type RegisteredApplication,
} from "../../scripts/offline-tenant/entra/entra-app";
import type { TenantState } from "../../scripts/offline-tenant/state";
import type { ClientCertificate } from "../../scripts/offline-tenant/tls";
import { grantFullAccess, registerInExchange, tenantFixture, tenantState } from "./tenant";

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

/** Registers the app's SP in Exchange and grants FullAccess on `address` (support/tenant.ts). */
export function grantMailbox(state: TenantState, address: string, spObjectId: string, appId: string): void {
  grantFullAccess(state, address, registerInExchange(state, spObjectId, appId), `S-1-5-21-${spObjectId}`);
}

export { registerInExchange };

export function createTestTenant(opts: TestTenantOptions = {}): TestTenant {
  const mailboxes = opts.mailboxes ?? ["helpdesk@contoso.com"];
  const state = tenantState({ mailboxes });
  const secret = `${randomBytes(3).toString("hex")}~${randomBytes(24).toString("base64url")}`;
  const app = registerApplication(state, {
    secret,
    roles: opts.roles ?? Object.values(PROTOCOL_ROLE),
    ...(opts.secretEndDate ? { secretEndDate: opts.secretEndDate } : {}),
    ...(opts.certificate ? { certificate: opts.certificate } : {}),
  });
  for (const m of opts.granted ?? mailboxes)
    grantMailbox(state, m, app.servicePrincipal.objectId, app.application.clientId);
  const t = tenantFixture({ state, prefix: "exo-oauth-verify-" });
  return {
    dir: t.dir,
    statePath: t.statePath,
    tenantId: state.tenantId,
    app,
    secret,
    update: t.update,
    cleanup: t.cleanup,
  };
}
