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
import { RFC3339, rotationSettingsProblems, SLOTS } from "./rotationSchedule";
import type { RotationRecord, ScheduleChange } from "./rotationTransition";

/** The outputs the next run compares, as far as they were there and well-formed. */
export interface PreviousOutputs {
  /** The stack has outputs from an earlier update (false on a stack never deployed). */
  deployed: boolean;
  /** The rotation record (settings, schedule anchor, carried passwords) the last update exported. */
  rotation?: RotationRecord;
  /** When the last update said the next rotation was due (`nextRotationAt`), RFC3339. */
  nextRotationAt?: string;
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
  const [tenantId, rotation, nextRotationAt, exchangeConnection, exchangeRecord, protocols] =
    await Promise.all(
      (
        [
          "tenantId",
          "rotation",
          "nextRotationAt",
          "exchangeConnection",
          "exchangeRecord",
          "protocols",
        ] as const
      ).map(value),
    );
  const previous: PreviousOutputs = { deployed: tenantId !== undefined, unreadable: {} };
  if (nextRotationAt !== undefined) {
    if (isTime(nextRotationAt)) previous.nextRotationAt = nextRotationAt as string;
    else previous.unreadable.nextRotationAt = `${JSON.stringify(nextRotationAt)} is not an RFC3339 time`;
  }
  if (rotation !== undefined) {
    const why = rotationRecordProblem(rotation);
    if (why) previous.unreadable.rotation = why;
    else previous.rotation = rotation as RotationRecord;
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
  const problems = rotationSettingsProblems({
    rotationDays: r.rotationDays,
    graceDays: r.graceDays,
    anchor,
  }).map((p) => `${p.about}: ${p.message}`);
  if (typeof r.anchor !== "string") problems.push("anchor: is not an RFC3339 string");
  if (r.scheduleAnchor !== undefined && !isTime(r.scheduleAnchor))
    problems.push(
      `scheduleAnchor: ${JSON.stringify(r.scheduleAnchor)} is not an RFC3339 time in whole seconds`,
    );
  if (r.carried !== undefined) {
    const carried = r.carried as Record<string, unknown>;
    if (typeof carried !== "object" || carried === null || Array.isArray(carried))
      problems.push(`carried: ${JSON.stringify(carried)} is not an object`);
    else
      for (const [slot, c] of Object.entries(carried)) {
        const p = c as Record<string, unknown>;
        const ok =
          (SLOTS as readonly string[]).includes(slot) &&
          typeof p === "object" &&
          p !== null &&
          Number.isInteger(p.generation) &&
          isTime(p.startsAt) &&
          isTime(p.endDate);
        if (!ok)
          problems.push(`carried.${slot}: ${JSON.stringify(c)} is not { generation, startsAt, endDate }`);
      }
  }
  return problems.length ? problems.join("; ") : undefined;
}

const isTime = (v: unknown) => typeof v === "string" && RFC3339.test(v) && !Number.isNaN(Date.parse(v));

/** The config keys of the rotation settings; the anchor is not in config (the program sets it). */
const CONFIG_KEY = { rotationDays: "exo-oauth:secret.rotationDays", graceDays: "exo-oauth:secret.graceDays" };

/** A notice about the rotation for `pulumi.log`: `warn` when consumers may lose a secret, else `info`. */
export interface RotationNotice {
  level: "warn" | "info";
  message: string;
}

/**
 * What a change of rotation settings since the last update does in THIS update and after it
 * (rotationTransition.ts ScheduleChange), as notices shown at preview and at update:
 * a warning when a slot holding the published secret is replaced, or when a secret keeps fewer
 * than graceDays after the next publish; otherwise one note on when the change takes effect.
 * `resourceName` is the RotatingClientSecret's name (its slots are `<name>-a`, `<name>-b`).
 * Empty when nothing changed; a warning when the previous `rotation` output cannot be read.
 */
export function rotationNotices(
  previous: PreviousOutputs,
  change: ScheduleChange | undefined,
  resourceName: string,
): RotationNotice[] {
  if (previous.unreadable.rotation)
    return [
      {
        level: "warn",
        message:
          `Cannot tell whether this update replaces a client secret slot: the stack's previous \`rotation\` ` +
          `output is not readable (${previous.unreadable.rotation}). This update plans both slots from the ` +
          `current settings alone: if they differ from the last update's, both slots are replaced and the ` +
          `secret consumers hold is deleted.`,
      },
    ];
  if (!change) return [];
  const { from, to } = change;
  const changed = (["rotationDays", "graceDays", "anchor"] as const).filter((k) => from[k] !== to[k]);
  const what = `Changing ${changed
    .map((k) =>
      k === "anchor"
        ? `the rotation anchor (set by the program, not by config) from ${from.anchor} to ${to.anchor}`
        : `${CONFIG_KEY[k]} from ${from[k]} to ${to[k]}`,
    )
    .join(" and ")}`;
  const slot = (s: string) => `client secret slot ${s} (${resourceName}-${s})`;
  const day = (iso: string) => iso.slice(0, 10);
  const notices: RotationNotice[] = [];
  if (change.replacedNow.includes(change.published))
    notices.push({
      level: "warn",
      message:
        `${what} replaces ${slot(change.published)}, the published secret, the one consumers hold now: ` +
        `this update deletes it and publishes a new one, so every consumer fails to sign in until it reads ` +
        `the new \`clientSecret\` output.`,
    });
  const short = (n: number) => n + 1e-9 < to.graceDays;
  const days = (n: number) => `${Math.round(n * 10) / 10} days`;
  if (change.replacedNow.includes(change.previous) && short(change.previousGraceDays))
    notices.push({
      level: "warn",
      message:
        `${what} replaces ${slot(change.previous)}, the previous secret, now: consumers that have not yet ` +
        `switched to the published \`clientSecret\` had ${days(change.previousGraceDays)} to do so, fewer ` +
        `than graceDays (${to.graceDays}).`,
    });
  else if (short(change.previousGraceDays))
    notices.push({
      level: "warn",
      message:
        `${what} moves the next rotation to ${change.nextPublishAt}: the previous secret in ` +
        `${slot(change.previous)} stays usable only ${days(change.previousGraceDays)} after the published ` +
        `one was published, fewer than graceDays (${to.graceDays}).`,
    });
  if (short(change.publishedGraceDays))
    notices.push({
      level: "warn",
      message:
        `${what}: the published secret in ${slot(change.published)} was planned under the old settings and ` +
        `stays usable only ${days(change.publishedGraceDays)} after the next secret is published ` +
        `(${change.nextPublishAt}), fewer than graceDays (${to.graceDays}): consumers must read the new ` +
        `\`clientSecret\` within that time.`,
    });
  if (notices.length === 0)
    notices.push({
      level: "info",
      message: `${what}: ${
        change.replacedNow.length === 0
          ? "no client secret is replaced by this update; the current ones keep their end dates. The next rotation is"
          : `this update rotates ${slot(change.previous)} now (the previous secret); the rotation after is`
      } on ${day(change.nextRotationAfter)} (was ${day(change.nextRotationBefore)}), then every ${to.rotationDays} days.`,
    });
  return notices;
}

/**
 * The program cannot read the tenant's credential-lifetime policy: @pulumi/azuread 6.9.1 has no data
 * source for Graph's tenantAppManagementPolicy or appManagementPolicy (docs/configuration.md,
 * "`secret`"). Without `secret.maxLifetimeDays` the config is checked only against Microsoft's cap, so
 * say so where it matters: on a stack's first update, and when the life asked of Graph grows.
 */
export function lifetimePolicyNotices(
  previous: PreviousOutputs,
  secret: { rotationDays: number; graceDays: number; maxLifetimeDays?: number },
): RotationNotice[] {
  if (secret.maxLifetimeDays !== undefined) return [];
  const life = (s: { rotationDays: number; graceDays: number }) => 2 * s.rotationDays + s.graceDays;
  const before = previous.rotation;
  if (previous.deployed && (!before || life(before) >= life(secret))) return [];
  return [
    {
      level: "warn",
      message:
        `exo-oauth:secret.maxLifetimeDays is not set, and the program cannot read the tenant's credential-lifetime ` +
        `policy (@pulumi/azuread 6.9.1 has no data source for Graph's app management policies): client secrets ` +
        `ask Graph for up to 2 × rotationDays + graceDays = ${life(secret)} days. A tenant whose app management ` +
        `policy caps passwordLifetime lower refuses a rotation with "Credential lifetime exceeds the max value ` +
        `allowed as per assigned policy". Set exo-oauth:secret.maxLifetimeDays to the tenant's limit in days ` +
        `(730 when it has none) to have the settings checked against it.`,
    },
  ];
}
