// The pure client-secret rotation schedule: clock → generation → the two slots' passwords.
// No Pulumi here, so it is table-tested and replayed over years in test/components/rotation*.test.ts.
//
// Why two slots: a Pulumi replace is create-before-delete *in the same update*, so a single
// rotating ApplicationPassword deletes the secret consumers still hold (terraform-provider-azuread
// #1549, #1599). Two slots rotating in alternate periods keep the previous secret for one more
// period after the next one is published.
import { MAX_SECRET_LIFETIME_DAYS } from "./microsoft";

export type Slot = "a" | "b";
export const SLOTS: readonly Slot[] = ["a", "b"];

export const DAY_MS = 86_400_000;
/** The default fixed anchor: generation 0 starts here. Changing it later rotates both slots. */
export const DEFAULT_ROTATION_ANCHOR = new Date("2024-01-01T00:00:00Z");
export const MIN_ROTATION_DAYS = 7;
export const MAX_ROTATION_DAYS = 365;

export interface RotationScheduleArgs {
  /** The instant the schedule is evaluated at (the `pulumi up`'s clock). */
  now: Date;
  /** Start of generation 0; whole seconds. Default {@link DEFAULT_ROTATION_ANCHOR}. */
  anchor?: Date;
  /** P: a new secret is published every P days. */
  rotationDays: number;
  /** G: extra life beyond two periods, so the previous secret outlives the next publish. */
  graceDays: number;
}

export interface SlotPlan {
  /** The generation this slot's password belongs to (may be negative before the anchor). */
  generation: number;
  /** Start of that generation, RFC3339 whole seconds. */
  startsAt: string;
  /** The password's `endDate`: start of its generation + 2P + G, RFC3339 whole seconds. */
  endDate: string;
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
}

/**
 * Checks rotation settings; returns one message per problem, each naming the argument and
 * what is allowed (empty when all is well).
 */
export function rotationSettingsProblems(s: {
  rotationDays: unknown;
  graceDays: unknown;
  anchor?: unknown;
}): string[] {
  const problems: string[] = [];
  const p = s.rotationDays;
  const g = s.graceDays;
  const pOk = Number.isInteger(p) && (p as number) >= MIN_ROTATION_DAYS && (p as number) <= MAX_ROTATION_DAYS;
  if (!pOk) {
    problems.push(
      `rotationDays must be a whole number of days from ${MIN_ROTATION_DAYS} to ${MAX_ROTATION_DAYS}, got ${show(p)}`,
    );
  }
  const gOk = Number.isInteger(g) && (g as number) >= 0;
  if (!gOk) {
    problems.push(`graceDays must be a whole number of days, 0 or more, got ${show(g)}`);
  }
  if (pOk && gOk) {
    const P = p as number;
    const G = g as number;
    if (G > P) {
      // The previous secret is replaced one period after the next publish, so an overlap
      // longer than P cannot be kept: a bigger grace would promise what the slots cannot hold.
      problems.push(`graceDays must not exceed rotationDays (${P}), got ${G}`);
    }
    if (2 * P + G > MAX_SECRET_LIFETIME_DAYS) {
      problems.push(
        `2 × rotationDays + graceDays must be at most ${MAX_SECRET_LIFETIME_DAYS} days (Entra's 24-month ` +
          `limit on a client secret), got 2 × ${P} + ${G} = ${2 * P + G}`,
      );
    }
  }
  if (s.anchor !== undefined) {
    const a = s.anchor;
    if (!(a instanceof Date) || Number.isNaN(a.getTime()) || a.getTime() % 1000 !== 0) {
      problems.push(`anchor must be a valid Date in whole seconds, got ${show(a)}`);
    }
  }
  return problems;
}

/** The schedule at `now`. Deterministic: the same inputs give the same strings. */
export function rotationPlan(args: RotationScheduleArgs): RotationPlan {
  const anchor = args.anchor ?? DEFAULT_ROTATION_ANCHOR;
  const problems = rotationSettingsProblems({ ...args, anchor });
  if (!(args.now instanceof Date) || Number.isNaN(args.now.getTime())) {
    problems.push(`now must be a valid Date, got ${show(args.now)}`);
  }
  if (problems.length > 0) {
    throw new Error(`Planning client secret rotation: ${problems.join("; ")}`);
  }
  const periodMs = args.rotationDays * DAY_MS;
  const lifeMs = (2 * args.rotationDays + args.graceDays) * DAY_MS;
  const start = (gen: number) => anchor.getTime() + gen * periodMs;

  const generation = Math.floor((args.now.getTime() - anchor.getTime()) / periodMs);
  const even = isEven(generation);
  const genA = even ? generation : generation - 1;
  const genB = even ? generation - 1 : generation;
  const slot = (gen: number): SlotPlan => ({
    generation: gen,
    startsAt: rfc3339(start(gen)),
    endDate: rfc3339(start(gen) + lifeMs),
  });
  const slots = { a: slot(genA), b: slot(genB) };
  const published: Slot = even ? "a" : "b";
  return {
    generation,
    published,
    slots,
    nextRotationAt: rfc3339(start(generation + 1)),
    publishedExpiresAt: slots[published].endDate,
  };
}

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

function isEven(n: number): boolean {
  return ((n % 2) + 2) % 2 === 0;
}

function show(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "an invalid Date" : v.toISOString();
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}
