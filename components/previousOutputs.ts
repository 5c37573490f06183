// What the program knew at its last update: its own stack outputs, read back through a
// StackReference to the stack itself, and the hazards a change since then brings
// (docs/pulumi-lifecycle.md, "The stack's own previous outputs").
//
// Facts this relies on (read in the Pulumi CLI's source; see that docs section):
// - the reference's name is `<organization>/<project>/<stack>`; Pulumi Cloud requires that form,
//   and a DIY (self-managed) backend in its project layout accepts it with the organization
//   "organization", which is what getOrganization() returns there;
// - a stack that was never deployed (or has no root stack resource yet) yields no outputs, not
//   an error; during an update the engine reads the last saved snapshot, whose stack outputs are
//   those of the last update that completed (the root stack's outputs are saved at its end);
// - a DIY backend still in the legacy (non-project) layout, which the CLI deprecates and refuses
//   by default, rejects a `/` in stack names: the read fails the update there.
import * as pulumi from "@pulumi/pulumi";
import { EXCHANGE_CONNECTIONS, type ExchangeConnection } from "./exchange-step/settings";
import { PROTOCOLS, type Protocol } from "./microsoft";
import type { StackOutputName } from "./outputs";
import {
  rotationSettingsProblems,
  slotsReplacedBySettingsChange,
  type RotationSettings,
} from "./rotationSchedule";

/** The outputs the next run compares, as far as they were there and well-formed. */
export interface PreviousOutputs {
  /** The stack has outputs from an earlier update (false on a stack never deployed). */
  deployed: boolean;
  rotation?: RotationSettings;
  exchangeConnection?: ExchangeConnection;
  /** The Exchange step's record, as exported (checked by whoever reads it). */
  exchangeRecord?: unknown;
  /** The protocols the last update consented to (its `protocols` output). */
  protocols?: Protocol[];
  /** Outputs that were there but not in the expected shape: name → why. */
  unreadable: Partial<Record<StackOutputName, string>>;
}

/** `<organization>/<project>/<stack>`: the fully qualified name of the stack being updated. */
export function selfStackName(): string {
  let organization: string;
  try {
    // The CLI hands it to the language host (`--organization`), from the backend: the stack's
    // owner on Pulumi Cloud, "organization" on a DIY backend.
    organization = pulumi.getOrganization();
  } catch (err) {
    throw new pulumi.RunError(
      `Reading the stack's previous outputs: the Pulumi CLI did not tell the program its organization ` +
        `(${(err as Error).message}); upgrade the Pulumi CLI`,
    );
  }
  return `${organization}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * Reads the stack's own outputs from its last completed update. Registers one read of a
 * `pulumi:pulumi:StackReference` (named `name`), which appears in previews and in state.
 * Fails, like any resource read, when the backend cannot be read.
 */
export async function readPreviousOutputs(
  name = "previous-outputs",
  opts?: pulumi.CustomResourceOptions,
): Promise<PreviousOutputs> {
  const ref = new pulumi.StackReference(name, { name: selfStackName() }, opts);
  const value = async (output: StackOutputName): Promise<unknown> => {
    const details = await ref.getOutputDetails(output);
    return details.value ?? details.secretValue;
  };
  const [tenantId, rotation, exchangeConnection, exchangeRecord, protocols] = await Promise.all(
    (["tenantId", "rotation", "exchangeConnection", "exchangeRecord", "protocols"] as const).map(value),
  );
  const previous: PreviousOutputs = { deployed: tenantId !== undefined, unreadable: {} };
  if (rotation !== undefined) {
    const why = rotationRecordProblem(rotation);
    if (why) previous.unreadable.rotation = why;
    else previous.rotation = rotation as RotationSettings;
  }
  if (exchangeConnection !== undefined) {
    if ((EXCHANGE_CONNECTIONS as readonly unknown[]).includes(exchangeConnection))
      previous.exchangeConnection = exchangeConnection as ExchangeConnection;
    else previous.unreadable.exchangeConnection = `${JSON.stringify(exchangeConnection)} is not a connection`;
  }
  if (exchangeRecord !== undefined) previous.exchangeRecord = exchangeRecord;
  if (protocols !== undefined) {
    if (Array.isArray(protocols) && protocols.every((p) => (PROTOCOLS as readonly unknown[]).includes(p)))
      previous.protocols = protocols as Protocol[];
    else previous.unreadable.protocols = `${JSON.stringify(protocols)} is not a list of protocols`;
  }
  return previous;
}

function rotationRecordProblem(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return `${JSON.stringify(v)} is not an object`;
  const r = v as Record<string, unknown>;
  const anchor = typeof r.anchor === "string" ? new Date(r.anchor) : r.anchor;
  const problems = rotationSettingsProblems({ rotationDays: r.rotationDays, graceDays: r.graceDays, anchor });
  if (typeof r.anchor !== "string") problems.push({ about: "anchor", message: "is not an RFC3339 string" });
  return problems.length ? problems.map((p) => `${p.about}: ${p.message}`).join("; ") : undefined;
}

/** The config keys of the rotation settings; the anchor is not in config (the program sets it). */
const CONFIG_KEY = { rotationDays: "exo-oauth:secret.rotationDays", graceDays: "exo-oauth:secret.graceDays" };

/**
 * Warnings for a change of rotation settings since the last update that replaces a secret slot
 * in this update (beyond the normal rotation): which slot, what consumers see, and how to keep
 * it. `resourceName` is the RotatingClientSecret's name (its slots are `<name>-a`, `<name>-b`).
 * Empty when nothing is replaced or nothing can be compared (first update, or an update from a
 * version that did not export `rotation`).
 */
export function rotationHazards(
  previous: PreviousOutputs,
  next: RotationSettings,
  now: Date,
  resourceName: string,
): string[] {
  if (previous.unreadable.rotation)
    return [
      `Cannot tell whether this update replaces a client secret slot: the stack's previous \`rotation\` ` +
        `output is not readable (${previous.unreadable.rotation}).`,
    ];
  const before = previous.rotation;
  if (!before) return [];
  const replaced = slotsReplacedBySettingsChange(before, next, now);
  if (replaced.length === 0) return [];
  const changed = (["rotationDays", "graceDays", "anchor"] as const).filter((k) => before[k] !== next[k]);
  const what = changed.map((k) =>
    k === "anchor"
      ? `the rotation anchor (set by the program, not by config) from ${before.anchor} to ${next.anchor}`
      : `${CONFIG_KEY[k]} from ${before[k]} to ${next[k]}`,
  );
  const back = changed
    .filter((k): k is "rotationDays" | "graceDays" => k !== "anchor")
    .map((k) => `pulumi config set --path '${CONFIG_KEY[k]}' ${before[k]}`);
  const keep =
    back.length > 0
      ? ` To keep the current secrets, set the config back before the next \`pulumi up\`: ${back.join("; ")}.`
      : "";
  return replaced.map((r) => {
    const slot = `client secret slot ${r.slot} (${resourceName}-${r.slot}, generation ${r.generation})`;
    const effect = r.published
      ? `the published secret, the one consumers hold now: this update deletes it and publishes a new one, ` +
        `so every consumer fails to sign in until it reads the new \`clientSecret\` output`
      : `the previous secret: consumers that have not yet switched to the published \`clientSecret\` ` +
        `fail to sign in once this update deletes it`;
    return `Changing ${what.join(" and ")} replaces ${slot}, ${effect}.${keep}`;
  });
}
