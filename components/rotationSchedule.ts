// The pure client-secret rotation schedule: clock → generation → the two slots' passwords, and
// the ONE home of the rotation settings' defaults and bounds (the stack config, the component and
// the docs' table all read them from here: docs/configuration.md, "`secret`").
// No Pulumi here, so it is table-tested and replayed over years in test/components/rotation*.test.ts.
//
// Why two slots: a Pulumi replace is create-before-delete *in the same update*, so a single
// rotating ApplicationPassword deletes the secret consumers still hold (docs/pulumi-lifecycle.md,
// "ApplicationPassword"). Two slots rotating in alternate periods keep the previous secret for one
// more period after the next one is published.
import { MAX_SECRET_LIFETIME_DAYS } from "./microsoft";

export type Slot = "a" | "b";
export const SLOTS: readonly Slot[] = ["a", "b"];

export const DAY_MS = 86_400_000;
/** The default fixed anchor: generation 0 starts here. Changing it later rotates both slots. */
export const DEFAULT_ROTATION_ANCHOR = new Date("2024-01-01T00:00:00Z");

/** P (`exo-oauth:secret.rotationDays`): a new secret is published every P days. Whole days. */
export const ROTATION_DAYS = { default: 90, min: 7, max: 365 } as const;

/**
 * G (`exo-oauth:secret.graceDays`): each password lives 2P + G days from the start of its
 * generation. Whole days, at least `min`, at most P (see rotationLimitProblems).
 *
 * Why at least 1: a slot's password is replaced by the first `pulumi up` of the period two
 * generations later, i.e. at or after start + 2P; it expires at start + 2P + G. With G ≥ 1 day and
 * `pulumi up` at least daily, the schedule always deletes a secret before it expires, and the
 * previous secret stays usable P − (lateness of the rotation run) + G days after the next publish,
 * so a rotation run up to a day late still leaves consumers a whole period. With G = 0 a secret
 * would expire while still in its slot for as long as that run is late.
 */
export const GRACE_DAYS = { default: 14, min: 1 } as const;

export interface RotationScheduleArgs {
  /** The instant the schedule is evaluated at (the `pulumi up`'s clock). */
  now: Date;
  /** Start of generation 0; whole seconds. Default {@link DEFAULT_ROTATION_ANCHOR}. */
  anchor?: Date;
  /** P: a new secret is published every P days. */
  rotationDays: number;
  /** G: extra life beyond two periods, so the previous secret outlives the next publish. */
  graceDays: number;
  /**
   * Passwords made under earlier settings that a slot keeps until its next rotation
   * (rotationTransition.ts): a slot whose generation equals its carried one declares the carried
   * startsAt/endDate, unless that endDate has passed. The newest carried generation is published
   * while the clock's generation is older.
   */
  carried?: Partial<Record<Slot, SlotPlan>>;
}

export interface SlotPlan {
  /** The generation this slot's password belongs to (may be negative before the anchor). */
  generation: number;
  /** Start of that generation, RFC3339 whole seconds. */
  startsAt: string;
  /** The password's `endDate`: start of its generation + 2P + G, RFC3339 whole seconds. */
  endDate: string;
  /** Planned under earlier settings and kept as it is (RotationScheduleArgs.carried). */
  carried?: boolean;
}

export interface RotationPlan {
  /** g = floor((now − anchor) / P). */
  generation: number;
  /** The slot holding generation g: its secret is the one published. */
  published: Slot;
  /** Slot a holds the newest even generation ≤ g, slot b the newest odd one. */
  slots: Record<Slot, SlotPlan>;
  /** start(g + 1): the first instant at which a `pulumi up` publishes a new secret. */
  nextRotationAt: string;
  /** The published password's endDate. */
  publishedExpiresAt: string;
  /** The anchor the plan was made with, RFC3339 whole seconds. */
  anchor: string;
}

/**
 * `exo-oauth:secret.maxLifetimeDays`: the longest life Graph lets this stack give a client secret, in
 * whole days — the tenant's credential-lifetime policy when it has one (docs/configuration.md,
 * "`secret`"). Unset = Microsoft's cap, MAX_SECRET_LIFETIME_DAYS (730). At least 2 × ROTATION_DAYS.min
 * + GRACE_DAYS.min (15): no shorter limit leaves room for a valid schedule.
 */
export const SECRET_LIFETIME_DAYS = {
  default: MAX_SECRET_LIFETIME_DAYS,
  min: 2 * ROTATION_DAYS.min + GRACE_DAYS.min,
  max: MAX_SECRET_LIFETIME_DAYS,
} as const;

/** One problem with rotation settings. */
export interface RotationProblem {
  /** The setting it is about, or `lifetime` for the rule on 2 × rotationDays + graceDays. */
  about: "rotationDays" | "graceDays" | "maxLifetimeDays" | "anchor" | "lifetime";
  /** Starts with the offending value or the rule; callers put their own name for the setting before it. */
  message: string;
}

/** The words for a whole number of days within bounds (`max` absent: no upper bound). */
export function wholeDays(min: number, max?: number): string {
  return max === undefined
    ? `a whole number of days, at least ${min}`
    : `a whole number of days from ${min} to ${max}`;
}

/**
 * Checks rotation settings (types, bounds, the rules between them, the anchor); returns every
 * problem, empty when all is well. `maxLifetimeDays` absent = Microsoft's cap.
 */
export function rotationSettingsProblems(s: {
  rotationDays: unknown;
  graceDays: unknown;
  maxLifetimeDays?: unknown;
  anchor?: unknown;
}): RotationProblem[] {
  const problems: RotationProblem[] = [];
  const p = s.rotationDays;
  const g = s.graceDays;
  const m = s.maxLifetimeDays;
  const pOk = isWhole(p) && p >= ROTATION_DAYS.min && p <= ROTATION_DAYS.max;
  if (!pOk)
    problems.push({
      about: "rotationDays",
      message: `${show(p)} is not ${wholeDays(ROTATION_DAYS.min, ROTATION_DAYS.max)}`,
    });
  const gOk = isWhole(g) && g >= GRACE_DAYS.min;
  if (!gOk) problems.push({ about: "graceDays", message: `${show(g)} is not ${wholeDays(GRACE_DAYS.min)}` });
  const mOk =
    m === undefined || (isWhole(m) && m >= SECRET_LIFETIME_DAYS.min && m <= SECRET_LIFETIME_DAYS.max);
  if (!mOk)
    problems.push({
      about: "maxLifetimeDays",
      message: `${show(m)} is not ${wholeDays(SECRET_LIFETIME_DAYS.min, SECRET_LIFETIME_DAYS.max)}`,
    });
  if (pOk && gOk && mOk) problems.push(...rotationLimitProblems(p, g, m as number | undefined));
  if (s.anchor !== undefined) {
    const a = s.anchor;
    if (!(a instanceof Date) || Number.isNaN(a.getTime()) || a.getTime() % 1000 !== 0)
      problems.push({ about: "anchor", message: `${show(a)} is not a valid Date in whole seconds` });
  }
  return problems;
}

/**
 * The rules between valid P and G: G ≤ P, and 2P + G within the limit on a secret's life —
 * `maxLifetimeDays` (the tenant's policy, as configured) or, unset, Microsoft's cap. A broken
 * limit's message proposes settings that fit.
 */
export function rotationLimitProblems(p: number, g: number, maxLifetimeDays?: number): RotationProblem[] {
  const problems: RotationProblem[] = [];
  if (g > p)
    // The previous secret's slot is reused one period after the next publish, so an overlap
    // longer than the period cannot be kept.
    problems.push({
      about: "graceDays",
      message:
        `${g} is longer than rotationDays (${p}): the previous secret is replaced one period after ` +
        `the next publish, so graceDays must be at most rotationDays`,
    });
  const limit = maxLifetimeDays ?? MAX_SECRET_LIFETIME_DAYS;
  const total = 2 * p + g;
  if (total > limit) {
    const whose =
      maxLifetimeDays === undefined
        ? `Microsoft's ${limit}-day limit on a client secret's lifetime`
        : `the ${limit}-day limit of secret.maxLifetimeDays (the tenant's credential-lifetime policy)`;
    problems.push({
      about: "lifetime",
      message:
        `each client secret lives 2 × rotationDays + graceDays = 2 × ${p} + ${g} = ${total} days, ` +
        `over ${whose}; ${fittingSettings(p, g, limit)}`,
    });
  }
  return problems;
}

/** What to lower so that 2P + G ≤ limit: P alone, G alone, or else a pair that fits. */
function fittingSettings(p: number, g: number, limit: number): string {
  const fixes: string[] = [];
  const pAlone = Math.floor((limit - g) / 2);
  if (pAlone >= ROTATION_DAYS.min && pAlone >= g) fixes.push(`rotationDays to at most ${pAlone}`);
  const gAlone = limit - 2 * p;
  if (gAlone >= GRACE_DAYS.min) fixes.push(`graceDays to at most ${gAlone}`);
  if (fixes.length > 0) return `lower ${fixes.join(" or ")}`;
  for (let grace = Math.min(g, limit); grace >= GRACE_DAYS.min; grace--) {
    const period = Math.min(ROTATION_DAYS.max, Math.floor((limit - grace) / 2));
    if (period >= ROTATION_DAYS.min && grace <= period)
      return `lower both, e.g. rotationDays ${period} and graceDays ${grace}`;
  }
  return `no rotationDays and graceDays fit a ${limit}-day limit`;
}

/** `rotationDays: 400 is not …; each client secret lives …`: problems as one line, settings named. */
export function formatRotationProblems(problems: readonly RotationProblem[]): string {
  return problems.map((p) => (p.about === "lifetime" ? p.message : `${p.about}: ${p.message}`)).join("; ");
}

/** The schedule at `now`. Deterministic: the same inputs give the same strings. */
export function rotationPlan(args: RotationScheduleArgs): RotationPlan {
  const anchor = args.anchor ?? DEFAULT_ROTATION_ANCHOR;
  const problems = [formatRotationProblems(rotationSettingsProblems({ ...args, anchor }))].filter(Boolean);
  if (!(args.now instanceof Date) || Number.isNaN(args.now.getTime()))
    problems.push(`now: ${show(args.now)} is not a valid Date`);
  // A programming error (the component and the config validate first), hence a plain Error.
  if (problems.length > 0) throw new Error(`Planning client secret rotation: ${problems.join("; ")}`);
  const periodMs = args.rotationDays * DAY_MS;
  const lifeMs = (2 * args.rotationDays + args.graceDays) * DAY_MS;
  const start = (gen: number) => anchor.getTime() + gen * periodMs;

  const now = args.now.getTime();
  // A carried password counts while it lives: one past its endDate serves no consumer.
  const carried = Object.fromEntries(
    SLOTS.flatMap((s) => {
      const c = args.carried?.[s];
      return c && Date.parse(c.endDate) > now ? [[s, c]] : [];
    }),
  ) as Partial<Record<Slot, SlotPlan>>;
  const newestCarried = Math.max(...Object.values(carried).map((c) => c!.generation));
  const generation = Math.max(Math.floor((now - anchor.getTime()) / periodMs), newestCarried);
  const even = isEven(generation);
  const genA = even ? generation : generation - 1;
  const genB = even ? generation - 1 : generation;
  const slot = (s: Slot, gen: number): SlotPlan => {
    const c = carried[s];
    if (c && c.generation === gen)
      return { generation: gen, startsAt: c.startsAt, endDate: c.endDate, carried: true };
    return { generation: gen, startsAt: rfc3339(start(gen)), endDate: rfc3339(start(gen) + lifeMs) };
  };
  const slots = { a: slot("a", genA), b: slot("b", genB) };
  const published: Slot = even ? "a" : "b";
  return {
    generation,
    published,
    slots,
    nextRotationAt: rfc3339(start(generation + 1)),
    publishedExpiresAt: slots[published].endDate,
    anchor: rfc3339(anchor.getTime()),
  };
}

/** The form rfc3339() writes: UTC, whole seconds, no fraction. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** RFC3339 in UTC with whole seconds and no fraction (`2026-03-31T00:00:00Z`). */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A slot password's display name: says which slot and which generation it is. */
export function slotDisplayName(prefix: string, slot: Slot, generation: number): string {
  return `${prefix} slot ${slot} generation ${generation}`;
}

/**
 * The ApplicationPassword inputs the component declares for one slot. Every input of an
 * ApplicationPassword forces replacement, so these change exactly when the slot's generation does.
 * `startDate` is left unset on purpose: the provider then lets Graph start the credential at
 * creation. Setting it to the generation's start would put it in the past on a first deploy
 * mid-period, and Graph's acceptance of past start dates is not documented; the schedule only
 * needs `endDate`, and the secret must work from the moment it is created and published.
 */
export function slotPasswordInputs(
  plan: RotationPlan,
  slot: Slot,
  prefix: string,
): { displayName: string; endDate: string; rotateWhenChanged: { generation: string } } {
  const s = plan.slots[slot];
  return {
    displayName: slotDisplayName(prefix, slot, s.generation),
    endDate: s.endDate,
    rotateWhenChanged: { generation: String(s.generation) },
  };
}

/** The settings a plan depends on, as the stack exports them (its `rotation` output). */
export interface RotationSettings {
  rotationDays: number;
  graceDays: number;
  /** Start of generation 0, RFC3339 whole seconds. */
  anchor: string;
}

function isEven(n: number): boolean {
  return ((n % 2) + 2) % 2 === 0;
}

function isWhole(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function show(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "an invalid Date" : v.toISOString();
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}
