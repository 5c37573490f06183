// The demo stack: Pulumi.demo.yaml read as the Pulumi CLI hands it to the program (the
// `exo-oauth:*` keys without their namespace), checked with the program's own parser before the
// demo touches anything, and the simulated tenant it is deployed into.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { formatConfigIssues, parseStackConfig, type StackConfig } from "../../../components/config";
import type { OtherPrincipal } from "../exchange/hand-edits";
import { PROJECT_DIR } from "../harness/engine/offline";

export const DEMO_STACK = "demo";
export const DEMO_STACK_FILE = join(PROJECT_DIR, `Pulumi.${DEMO_STACK}.yaml`);
const NAMESPACE = "exo-oauth:";

export interface DemoStack {
  file: string;
  /** The `exo-oauth:*` values, keys without the namespace (what the engine's `config` takes). */
  values: Record<string, unknown>;
  /** The same, parsed and normalised by components/config. */
  config: StackConfig;
}

/** Reads and checks a stack file; throws listing every problem (the program's own messages). */
export function loadDemoStack(file = DEMO_STACK_FILE): DemoStack {
  const doc = load(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined;
  const all = doc?.config ?? {};
  const values = Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(NAMESPACE))
      .map(([k, v]) => [k.slice(NAMESPACE.length), v]),
  );
  const parsed = parseStackConfig({ stack: DEMO_STACK, values, secretKeys: new Set() });
  if (!parsed.ok) throw new Error(`${file}: ${formatConfigIssues(parsed.issues)}`);
  if (all["azuread:tenantId"] !== parsed.config.tenantId)
    throw new Error(`${file}: azuread:tenantId must be exo-oauth:tenantId (${parsed.config.tenantId})`);
  return { file, values, config: parsed.config };
}

/** The mailbox the day-30 change adds: it exists in the simulated tenant from the start. */
export function addedMailbox(stack: DemoStack): string {
  return `reports@${stack.config.mailboxes[0].address.split("@")[1]}`;
}

/** Someone else's group, granted FullAccess and SendAs by hand on one mailbox before day 0. */
export function otherPrincipal(stack: DemoStack): OtherPrincipal {
  const tenant = stack.config.organization.split(".")[0].toUpperCase();
  return { user: `${tenant}\\mail-admins`, sid: "S-1-5-21-2000-3000-4000-1107" };
}

/** The day-30 config: one mailbox added, POP taken off the application (and so off every mailbox). */
export function day30Values(stack: DemoStack): Record<string, unknown> {
  const withoutPop = (list: unknown) => (list as string[]).filter((p) => p !== "pop");
  const mailboxes = (stack.values.mailboxes as unknown[]).map((m) =>
    typeof m === "object" && m !== null && "protocols" in m
      ? { ...m, protocols: withoutPop((m as { protocols: unknown }).protocols) }
      : m,
  );
  return {
    ...stack.values,
    protocols: withoutPop(stack.values.protocols ?? ["imap", "pop", "smtp"]),
    mailboxes: [...mailboxes, addedMailbox(stack)],
  };
}
