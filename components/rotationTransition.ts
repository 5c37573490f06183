// How the rotation schedule carries on across a change of its settings (rotationDays, graceDays, the
// anchor), so that no change deletes the secret consumers hold (docs/operations.md, "After a
// settings change"). Pure, like rotationSchedule.ts; the program reads the last update's record
// through its own stack outputs (previousOutputs.ts) and exports the next one (the `rotation`
// output).
//
// Every ApplicationPassword input forces a new resource (docs/pulumi-lifecycle.md,
// "@pulumi/azuread 6.9.1"), so planning both slots afresh from new settings replaces both in one
// update and deletes the published secret. Instead:
//
// - each slot KEEPS the password it holds (its generation, startsAt and endDate are carried in the
//   record) until that slot's own next rotation; new settings apply to every password made after;
// - the next rotation T replaces the PREVIOUS secret's slot, never the published one, and is the
//   first boundary of the requested grid (anchor + k·P′) that is at least graceDays (G′) + 1 day
//   after the published secret was published, so the previous secret keeps G′ days after that
//   publish even when a daily run is late;
// - T is at most the published secret's endDate − G′ − 1 day, so the published secret, once
//   previous, still has G′ days of life after the run that publishes next; when no grid boundary
//   fits that window, T is that latest instant (off the grid: the schedule then runs every P′ days
//   from T);
// - T + P′ is at least G′ after this update (T is after now − P′: the update that makes the change
//   replaces at most one slot, and the secret it may publish keeps G′ days before the next rotation);
// - generations keep counting: the schedule's anchor becomes T − (g + 1)·P′, so slot parity holds
//   and every later run is the plain clock schedule again (rotationSchedule.ts).
//
// When the settings allow no T that keeps both promises (a graceDays raised far beyond what the
// old secrets live), the published secret's promise wins and ScheduleChange says what is left.
import {
  DAY_MS,
  DEFAULT_ROTATION_ANCHOR,
  rfc3339,
  rotationPlan,
  slotPasswordInputs,
  SLOTS,
  type RotationPlan,
  type RotationSettings,
  type Slot,
  type SlotPlan,
} from "./rotationSchedule";

/** A password made under earlier settings, kept as it is until its slot's next rotation. */
export interface CarriedPassword {
  generation: number;
  /** The instant its generation started (when it was published, or due to be), RFC3339. */
  startsAt: string;
  /** Its `endDate`, RFC3339. */
  endDate: string;
}

/**
 * The `rotation` stack output: the settings the schedule was asked for, and what the next run
 * needs to continue it. A stack deployed before carried passwords existed exported only the
 * three settings, which reads as a plain clock schedule from `anchor`.
 */
export interface RotationRecord extends RotationSettings {
  /**
   * Start of generation 0 of the schedule actually followed, RFC3339 whole seconds, when a settings
   * change moved it off `anchor` (absent: `anchor`).
   */
  scheduleAnchor?: string;
  /** Passwords planned under earlier settings, by slot, while a slot still holds one. */
  carried?: Partial<Record<Slot, CarriedPassword>>;
}

/** What a change of settings does to the schedule, measured on the plan (for notices and tests). */
export interface ScheduleChange {
  from: RotationSettings;
  to: RotationSettings;
  /** The slot holding the published secret before the change, and the previous secret's slot. */
  published: Slot;
  previous: Slot;
  /** The next rotation before the change, and after this update (its `nextRotationAt`). */
  nextRotationBefore: string;
  nextRotationAfter: string;
  /** When the first secret under the new settings is published: this update's clock when it rotates now. */
  nextPublishAt: string;
  /** Slots this update replaces (their inputs differ from what the last update declared). */
  replacedNow: Slot[];
  /**
   * Days the previous secret stays usable after the published one's publish (until it is
   * replaced or expires), and days the published secret stays usable after the next publish.
   */
  previousGraceDays: number;
  publishedGraceDays: number;
  /** T lies on the requested grid (anchor + k·rotationDays). */
  onGrid: boolean;
}

export interface ContinueRotationArgs {
  now: Date;
  /** The settings asked for now (config and the component's anchor). */
  settings: RotationSettings;
  /** The last update's record (undefined: a new stack, or the record could not be read). */
  previous?: RotationRecord;
  /**
   * The last update's `nextRotationAt` output: the passwords in state are those of the period
   * before it, even when a boundary has passed since (that rotation has not run yet).
   */
  previousNextRotationAt?: string;
}

export interface ContinuedRotation {
  plan: RotationPlan;
  /** What to export as the `rotation` output. */
  record: RotationRecord;
  /** Set when the settings differ from the previous record's. */
  change?: ScheduleChange;
}

/** The schedule at `now`, continued from the previous record (see the file's header). */
export function continueRotation(args: ContinueRotationArgs): ContinuedRotation {
  const { now, settings, previous } = args;
  if (!previous) return finish(now, settings, new Date(settings.anchor), {});
  if (sameSettings(previous, settings))
    return finish(now, settings, new Date(previous.scheduleAnchor ?? previous.anchor), previous.carried);
  // What state holds: the last update's plan, not the old schedule's at now (whose rotation is due).
  const due = args.previousNextRotationAt ? Date.parse(args.previousNextRotationAt) - 1000 : NaN;
  const last = planFrom(new Date(Number.isNaN(due) ? now.getTime() : Math.min(now.getTime(), due)), previous);

  const P = settings.rotationDays * DAY_MS;
  const G = settings.graceDays * DAY_MS;
  const X = last.published;
  const Y: Slot = X === "a" ? "b" : "a";
  const publishedAt = Date.parse(last.slots[X].startsAt);
  const xEnd = Date.parse(last.slots[X].endDate);
  const yEnd = Date.parse(last.slots[Y].endDate);
  // The slot published now is replaced at T + P′: at least G′ after this run, which publishes when T
  // has passed (and so after now − P′: this update replaces at most one slot). Whole seconds, so
  // the anchor derived from T is one too.
  const floor = Math.ceil((now.getTime() + G - P) / 1000) * 1000;
  // A day's margin on both promises: with daily runs a rotation lands up to a day after its instant.
  const lo = Math.max(Math.min(publishedAt + G + DAY_MS, yEnd), floor);
  const hi = xEnd - G - DAY_MS;
  const anchor = Date.parse(settings.anchor);
  let T = anchor + Math.ceil((lo - anchor) / P) * P;
  const onGrid = T <= hi;
  if (!onGrid) T = Math.max(Math.floor(hi / 1000) * 1000, floor);
  const scheduleAnchor = new Date(T - (last.generation + 1) * P);
  const carried = { [X]: password(last.slots[X]), [Y]: password(last.slots[Y]) };
  const next = finish(now, settings, scheduleAnchor, carried);

  const inputs = (p: RotationPlan, s: Slot) => JSON.stringify(slotPasswordInputs(p, s, ""));
  // The run that publishes next: this one when T has passed, else the first at or after T.
  const publish = Math.max(T, now.getTime());
  const change: ScheduleChange = {
    from: { rotationDays: previous.rotationDays, graceDays: previous.graceDays, anchor: previous.anchor },
    to: settings,
    published: X,
    previous: Y,
    nextRotationBefore: last.nextRotationAt,
    nextRotationAfter: next.plan.nextRotationAt,
    nextPublishAt: rfc3339(publish),
    replacedNow: SLOTS.filter((s) => inputs(last, s) !== inputs(next.plan, s)),
    previousGraceDays: (Math.min(yEnd, publish) - publishedAt) / DAY_MS,
    publishedGraceDays: (Math.min(xEnd, T + P) - publish) / DAY_MS,
    onGrid,
  };
  return { ...next, change };
}

/** The plan the previous record describes at `now` (what the last update left in state, rotated on time). */
export function planFrom(now: Date, record: RotationRecord): RotationPlan {
  return rotationPlan({
    now,
    rotationDays: record.rotationDays,
    graceDays: record.graceDays,
    anchor: new Date(record.scheduleAnchor ?? record.anchor),
    carried: record.carried,
  });
}

function finish(
  now: Date,
  settings: RotationSettings,
  scheduleAnchor: Date,
  carried: Partial<Record<Slot, CarriedPassword>> | undefined,
): ContinuedRotation {
  const plan = rotationPlan({
    now,
    rotationDays: settings.rotationDays,
    graceDays: settings.graceDays,
    anchor: scheduleAnchor,
    carried,
  });
  // Keep in the record only what the plan still uses and the clock schedule would not give anyway.
  const pure = rotationPlan({ ...settings, now, anchor: scheduleAnchor, carried: undefined });
  const kept = SLOTS.filter(
    (s) =>
      plan.slots[s].carried &&
      JSON.stringify(password(plan.slots[s])) !== JSON.stringify(password(pure.slots[s])),
  );
  const record: RotationRecord = { ...settings };
  const anchor = rfc3339(scheduleAnchor.getTime());
  if (anchor !== settings.anchor) record.scheduleAnchor = anchor;
  if (kept.length) record.carried = Object.fromEntries(kept.map((s) => [s, password(plan.slots[s])]));
  return { plan, record };
}

function password(s: SlotPlan): CarriedPassword {
  return { generation: s.generation, startsAt: s.startsAt, endDate: s.endDate };
}

function sameSettings(a: RotationSettings, b: RotationSettings): boolean {
  return a.rotationDays === b.rotationDays && a.graceDays === b.graceDays && a.anchor === b.anchor;
}

/** The settings a component asks for (the anchor defaults to DEFAULT_ROTATION_ANCHOR). */
export function requestedSettings(s: {
  rotationDays: number;
  graceDays: number;
  anchor?: Date;
}): RotationSettings {
  return {
    rotationDays: s.rotationDays,
    graceDays: s.graceDays,
    anchor: rfc3339((s.anchor ?? DEFAULT_ROTATION_ANCHOR).getTime()),
  };
}
