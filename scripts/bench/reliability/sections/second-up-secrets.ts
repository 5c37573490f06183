// bench:reliability section "second-up scenarios": the client secret across many scheduled
// `pulumi up --refresh` runs of the REAL program on the multi-run engine (harness/secret-timeline.ts),
// in the three day-two cases that used to cost consumers their secret — a settings change, a secret
// deleted by hand, a tenant's lifetime policy. For each: how many runs it takes to converge and how
// many days a consumer is left without a working secret (goal 0). Figures, not a timed test; the
// tests asserting the same behaviour are test/offline-tenant/harness/engine/secret-*.test.ts.
//
//   npx tsx scripts/bench/reliability/sections/second-up-secrets.ts   # this section alone
import { appManagementPolicies } from "../../../offline-tenant/graph/behaviours";
import { deletePassword } from "../../../offline-tenant/graph/hand-edits";
import {
  daily,
  runSecretTimeline,
  secretTimelineTenant,
  type SecretTimeline,
  type SecretTimelineOptions,
} from "../../../offline-tenant/harness/secret-timeline";
import type { GraphBehaviour } from "../../../offline-tenant/graph/behaviours";

/** One figure of a bench:reliability section. */
export interface Figure {
  name: string;
  value: number;
  /** The target, in words (`0`, `≤ 1`). */
  goal: string;
  ok: boolean;
}

export const title = "second-up scenarios: the client secret after day one";

const TENANT_ID = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
const DAY = 86_400_000;

/** A stack config for the offline tenant (manual Exchange step: Entra only). */
function config(secret: Record<string, number>): Record<string, unknown> {
  return {
    tenantId: TENANT_ID,
    organization: "contoso.onmicrosoft.com",
    mailboxes: ["helpdesk@contoso.com"],
    exchange: { connection: "manual" },
    secret,
  };
}

async function timeline(
  opts: Omit<SecretTimelineOptions, "engine" | "statePath"> & { behaviours?: GraphBehaviour[] },
): Promise<SecretTimeline> {
  const t = secretTimelineTenant({ tenantId: TENANT_ID, mailboxes: ["helpdesk@contoso.com"] });
  try {
    const { behaviours, ...rest } = opts;
    return await runSecretTimeline({ engine: t.engine({ behaviours }), statePath: t.statePath, ...rest });
  } finally {
    t.cleanup();
  }
}

const zero = (name: string, value: number): Figure => ({
  name,
  value: round(value),
  goal: "0",
  ok: value === 0,
});
const atMost = (name: string, value: number, max: number): Figure => ({
  name,
  value: round(value),
  goal: `≤ ${max}`,
  ok: value <= max,
});
const atLeast = (name: string, value: number, min: number): Figure => ({
  name,
  value: round(value),
  goal: `≥ ${min}`,
  ok: value >= min,
});
const round = (n: number) => Math.round(n * 100) / 100;

/** A settings change: the scenario's figures, measured from the run that makes it. */
async function settingsChange(
  label: string,
  from: Record<string, number>,
  to: Record<string, number>,
  everyDays: number,
): Promise<Figure[]> {
  const runs = daily("2026-04-01T02:00:00Z", Math.ceil(300 / everyDays), everyDays);
  const change = runs[0] + 10 * DAY;
  const r = await timeline({ runs, refresh: true, config: (at) => config(at < change ? from : to) });
  const first = r.runs.findIndex((x) => x.at >= change);
  const settled = r.runs.slice(first).findIndex((x) => !x.rotation?.carried);
  const bound = Math.ceil((from.rotationDays + 2 * to.rotationDays) / everyDays) + 1;
  return [
    atMost(
      `${label}: runs until the schedule is the plain one again`,
      settled < 0 ? Infinity : settled,
      bound,
    ),
    zero(`${label}: runs that deleted the published secret`, r.publishedDeletedByRun),
    zero(`${label}: outage days, consumers re-reading after each run`, r.outageDays),
    zero(`${label}: outage days, consumers re-reading graceDays after each publish`, r.laggardOutageDays),
    zero(`${label}: failed runs`, r.failedRuns),
  ];
}

/** The published secret deleted in the portal at noon; daily `pulumi up --refresh` at 02:00. */
async function handDeleted(): Promise<Figure[]> {
  const editAt = Date.parse("2026-04-05T12:00:00Z");
  const r = await timeline({
    runs: daily("2026-04-01T02:00:00Z", 30),
    refresh: true,
    config: () => config({ rotationDays: 90, graceDays: 14, maxLifetimeDays: 730 }),
    edits: [{ at: editAt, edit: (s, now) => void deletePassword(s, now.published!) }],
  });
  const dead = r.runs.findIndex((x) => x.at > editAt) - 1;
  const healed = r.runs.findIndex((x, i) => i > dead && x.published !== r.runs[dead].published);
  // Never healed within the timeline: Infinity.
  const healedAt = healed < 0 ? Infinity : r.runs[healed].at;
  return [
    atMost(
      "secret deleted by hand: runs until a working secret is published",
      healed < 0 ? Infinity : healed - dead,
      1,
    ),
    atMost(
      "secret deleted by hand: hours from the deletion to the new secret",
      (healedAt - editAt) / 3_600_000,
      24,
    ),
    zero("secret deleted by hand: outage days after the next run", r.outageDays),
    zero("secret deleted by hand: outage days, the other slot's consumers", r.laggardOutageDays),
  ];
}

/** A tenant capping client secrets at 180 days. */
async function lifetimePolicy(): Promise<Figure[]> {
  const policy = appManagementPolicies({ tenantDefault: { maxLifetime: "P180D" } });
  const fitting = await timeline({
    behaviours: [policy],
    runs: daily("2026-04-10T02:00:00Z", 365),
    refresh: true,
    config: () => config({ rotationDays: 83, graceDays: 14, maxLifetimeDays: 180 }),
  });
  // The trap: defaults without the limit, refused at the first rotation; the limit set the next day.
  const fixAt = Date.parse("2026-06-20T12:00:00Z");
  const fixed = await timeline({
    behaviours: [policy],
    runs: daily("2026-04-10T02:00:00Z", 120),
    refresh: true,
    config: (at) =>
      config(
        at < fixAt
          ? { rotationDays: 90, graceDays: 14 }
          : { rotationDays: 83, graceDays: 14, maxLifetimeDays: 180 },
      ),
  });
  const firstAfterFix = fixed.runs.findIndex((x) => x.at >= fixAt);
  const converged = fixed.runs.slice(firstAfterFix).findIndex((x) => x.ok);
  return [
    zero("180-day policy, settings that fit: failed runs in a year", fitting.failedRuns),
    atLeast("180-day policy, settings that fit: rotations in a year", fitting.publishes.length - 1, 4),
    zero("180-day policy, settings that fit: outage days", fitting.outageDays + fitting.laggardOutageDays),
    atMost(
      "180-day policy, after Graph refused a rotation: runs until one succeeds once the limit is set",
      converged + 1,
      1,
    ),
    zero(
      "180-day policy, after Graph refused a rotation: outage days",
      fixed.outageDays + fixed.laggardOutageDays,
    ),
  ];
}

export async function run(): Promise<Figure[]> {
  return [
    ...(await settingsChange(
      "graceDays 14 → 15, daily",
      { rotationDays: 90, graceDays: 14, maxLifetimeDays: 730 },
      { rotationDays: 90, graceDays: 15, maxLifetimeDays: 730 },
      1,
    )),
    ...(await settingsChange(
      "rotationDays 90 → 60, weekly",
      { rotationDays: 90, graceDays: 14, maxLifetimeDays: 730 },
      { rotationDays: 60, graceDays: 14, maxLifetimeDays: 730 },
      7,
    )),
    ...(await handDeleted()),
    ...(await lifetimePolicy()),
  ];
}

export default { title, run };

if (require.main === module)
  void run().then((figures) => {
    console.log(title);
    for (const f of figures) console.log(`${f.ok ? "ok  " : "FAIL"} ${f.name}: ${f.value} (goal ${f.goal})`);
    if (figures.some((f) => !f.ok)) process.exitCode = 1;
  });
