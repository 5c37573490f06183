// Test fixtures for the program: a valid stack config and a tenant. Running the program under
// the Graph-rules mock lives in scripts/offline-tenant/harness/run-program.ts (the offline chain uses it too).
import type { NewTenantOptions, TenantState } from "../../scripts/offline-tenant/state";
import { tenantState } from "./tenant";
export {
  PROJECT,
  resolve,
  runProgram,
  type ProgramRun,
} from "../../scripts/offline-tenant/harness/run-program";
export const TENANT_ID = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";

/** A complete, valid stack config (namespace exo-oauth), keys without the namespace. */
/**
 * The secret settings of a stack that states its tenant's credential-lifetime policy (the test
 * tenants have none: Graph's 730-day default), so the program has no lifetime hazard to warn about.
 */
export const STATED_LIFETIME = { maxLifetimeDays: 730 };

export function baseConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tenantId: TENANT_ID,
    organization: "contoso.onmicrosoft.com",
    application: { displayName: "Mail OAuth - helpdesk", notes: "ticket OPS-1234" },
    protocols: ["imap", "pop", "smtp"],
    mailboxes: ["helpdesk@contoso.com"],
    exchange: { connection: "manual" },
    ...overrides,
  };
}

/** The program's tenant (in memory, for the Graph-rules mock): support/tenant.ts. */
export function tenant(opts: NewTenantOptions = {}): TenantState {
  return tenantState({ tenantId: TENANT_ID, mailboxes: ["helpdesk@contoso.com"], ...opts });
}
