// `pulumi up` and `pulumi destroy` on the world's engine, reported as a PulumiItem: the plan the
// engine prints (docs/multi-run-engine.md, "What a run returns"), the outputs that changed and the
// Exchange step's own progress lines (the driver's stderr, which `pulumi up` shows).
import type { RunResult } from "../harness/engine/engine";
import type { PulumiItem } from "./items";
import type { World } from "./world";

const DRIVER_PREFIX = /^exo-oauth exchange: /;
/** What a first run's report shows of its outputs (all of them are new). */
const FIRST_RUN_OUTPUTS = [
  "clientId",
  "servicePrincipalObjectId",
  "clientSecret",
  "clientSecretExpiresAt",
  "nextRotationAt",
];

function showOutput(v: unknown): string {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text.length > 60 ? `(${Array.isArray(v) ? `${v.length} items` : "changed"})` : text;
}

/** The plan without its Outputs block (every output, mostly unchanged: outputsChanged says what moved). */
function planLines(plan: string): string[] {
  const lines = plan.trimEnd().split("\n");
  const out: string[] = [];
  let inOutputs = false;
  for (const line of lines) {
    if (line === "Outputs:") inOutputs = true;
    else if (inOutputs && line.startsWith("    ")) continue;
    else inOutputs = false;
    if (!inOutputs) out.push(line);
  }
  return out;
}

export function pulumiItem(
  command: PulumiItem["command"],
  at: string,
  result: RunResult,
  before: Record<string, unknown>,
): PulumiItem {
  const secret = new Set(result.secretOutputs);
  const first = Object.keys(before).length === 0;
  const outputsChanged =
    command === "up" && result.ok
      ? Object.keys(result.outputs)
          .filter((k) =>
            first
              ? FIRST_RUN_OUTPUTS.includes(k)
              : JSON.stringify(result.outputs[k]) !== JSON.stringify(before[k]),
          )
          .map((name) => ({ name, value: secret.has(name) ? "[secret]" : showOutput(result.outputs[name]) }))
      : [];
  return {
    type: "pulumi",
    command,
    at,
    ok: result.ok,
    ...(result.error ? { error: result.error.message.split("\n")[0] } : {}),
    plan: planLines(result.plan),
    changes: result.steps
      .filter((s) => s.op !== "same" && s.op !== "read")
      .map((s) => ({
        op: s.op,
        type: s.type.split(":").pop()!,
        name: s.name,
        ...(s.keys?.length ? { keys: s.keys } : {}),
      })),
    summary: result.plan.match(/^Resources: (.*)$/m)?.[1] ?? "",
    outputsChanged,
    exchange: result.commandRuns.map((r) => ({
      script: r.script,
      exitCode: r.code,
      lines: r.stderr
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => l.replace(DRIVER_PREFIX, "")),
    })),
  };
}

/** `pulumi up` with the given config at the world's clock. */
export async function up(
  world: World,
  values: Record<string, unknown>,
): Promise<{ item: PulumiItem; result: RunResult }> {
  const at = world.clock?.iso() ?? new Date().toISOString();
  const before = world.outputs;
  const result = await world.engine.up({ config: values, ...(world.clock ? { now: at } : {}) });
  world.noteSecrets();
  if (result.ok) world.outputs = result.outputs;
  return { item: pulumiItem("up", at, result, before), result };
}

/** `pulumi destroy`. */
export async function destroy(world: World): Promise<{ item: PulumiItem; result: RunResult }> {
  const at = world.clock?.iso() ?? new Date().toISOString();
  const result = await world.engine.destroy();
  if (result.ok) world.outputs = {};
  return { item: pulumiItem("destroy", at, result, {}), result };
}
