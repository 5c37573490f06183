// What a run did, as data (steps, provider calls) and as text that reads like `pulumi up`:
//
//   Updating (organization/exo-oauth/dev)
//    ~ Application          mail-application     update [displayName]
//    +- ApplicationPassword client-secret-a      replace [displayName, endDate, rotateWhenChanged]
//    - AppRoleAssignment    mail-consent-pop     delete
//   Outputs:
//       clientSecret: [secret]
//   Resources: 1 updated, 1 replaced, 1 deleted, 8 unchanged
//
// Values are never printed except non-secret stack outputs; a secret output prints as [secret].
import { isSecretValue } from "../../graph/wire";

export type StepOp = "same" | "create" | "update" | "replace" | "delete" | "import" | "read" | "refresh";

export interface Step {
  op: StepOp;
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** update/replace: the changed input keys; refresh: the keys the read changed. */
  keys?: string[];
  /** refresh: "gone" (404, dropped from state) or "changed". */
  refresh?: "gone" | "changed";
  /** replace: whether the old instance was deleted before the new one was created. */
  deleteBeforeReplace?: boolean;
  status: "ok" | "failed";
  error?: string;
}

/** One call into a provider, in the order the engine made them. */
export interface ProviderCall {
  op: "create" | "read" | "update" | "delete";
  type: string;
  name: string;
  id?: string;
  /** For replace: which instance ("new" created, "old" deleted). */
  instance?: "new" | "old";
}

const SYMBOL: Record<StepOp, string> = {
  same: " ",
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  import: "=",
  read: ">",
  refresh: "~",
};
const PAST: Partial<Record<StepOp, string>> = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
  import: "imported",
  same: "unchanged",
};

/** `azuread:index/applicationPassword:ApplicationPassword` → `ApplicationPassword`. */
export function shortType(type: string): string {
  return type.split(":").pop()!;
}

/** Counts by op, in Pulumi's words ("3 created, 1 replaced, 5 unchanged"); zero counts left out. */
export function summarize(steps: Step[]): { counts: Record<string, number>; text: string } {
  const counts: Record<string, number> = {};
  for (const s of steps) {
    const word = s.status === "ok" ? PAST[s.op] : undefined;
    if (word) counts[word] = (counts[word] ?? 0) + 1;
  }
  const order = ["created", "updated", "replaced", "deleted", "imported", "unchanged"];
  const text = order
    .filter((w) => counts[w])
    .map((w) => `${counts[w]} ${w}`)
    .join(", ");
  return { counts, text: text || "no resources" };
}

function showValue(v: unknown): string {
  if (isSecretValue(v)) return "[secret]";
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if (typeof v === "object" && v !== null)
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${showValue(x)}`)
      .join(", ")} }`;
  if (typeof v === "string" && (v.length > 100 || v.includes("\n")))
    return `${JSON.stringify(v.split("\n")[0].slice(0, 60))}… (${v.length} characters)`;
  return JSON.stringify(v) ?? "undefined";
}

export function printPlan(run: {
  title: string;
  steps: Step[];
  /** Wire form: secret outputs wrapped. */
  outputs?: Record<string, unknown>;
  error?: Error;
}): string {
  const lines = [run.title];
  const shown = run.steps.filter((s) => s.op !== "same");
  const width = Math.max(0, ...shown.map((s) => shortType(s.type).length));
  const nameWidth = Math.max(0, ...shown.map((s) => s.name.length));
  for (const s of shown) {
    const what =
      s.op === "refresh"
        ? `refresh: ${s.refresh === "gone" ? "gone (404), removed from state" : `read back [${(s.keys ?? []).join(", ")}]`}`
        : s.op;
    const keys = s.keys?.length && s.op !== "refresh" ? ` [${s.keys.join(", ")}]` : "";
    const failed = s.status === "failed" ? ` failed: ${s.error?.split("\n")[0] ?? ""}` : "";
    lines.push(
      ` ${SYMBOL[s.op].padEnd(2)} ${shortType(s.type).padEnd(width)} ${s.name.padEnd(nameWidth)} ${what}${keys}${failed}`.trimEnd(),
    );
  }
  if (run.outputs && Object.keys(run.outputs).length) {
    lines.push("Outputs:");
    for (const [k, v] of Object.entries(run.outputs)) lines.push(`    ${k}: ${showValue(v)}`);
  }
  lines.push(`Resources: ${summarize(run.steps).text}`);
  if (run.error) lines.push(`error: ${run.error.message.split("\n")[0]}`);
  return lines.join("\n") + "\n";
}
