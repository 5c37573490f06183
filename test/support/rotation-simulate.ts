// A model of what `pulumi up` does to the two slot passwords over time, driven by the same
// schedule functions the component uses (continueRotation, with each run's record handed to the
// next as the `rotation` output is). Pulumi replaces a resource when any input changes (every
// ApplicationPassword input forces replacement), create-before-delete: the new password is
// created and the old one deleted in that same run.
import {
  DAY_MS,
  slotPasswordInputs,
  SLOTS,
  type RotationPlan,
  type Slot,
} from "../../components/rotationSchedule";
import {
  continueRotation,
  requestedSettings,
  type RotationRecord,
  type ScheduleChange,
} from "../../components/rotationTransition";
import { seededRandom } from "../../scripts/offline-tenant/seeded-random";
import { MAX_SECRET_LIFETIME_DAYS } from "../../components/microsoft";

export const HOUR_MS = 3_600_000;

export interface Password {
  keyId: string;
  slot: Slot;
  generation: number;
  inputs: string;
  createdAt: number;
  endDate: number;
  deletedAt?: number;
}

export interface RunResult {
  at: number;
  plan: RotationPlan;
  /** Set on the run whose settings differ from the last run's. */
  change?: ScheduleChange;
  created: Slot[];
  deleted: Slot[];
  publishedKeyId: string;
  publishChanged: boolean;
}

export interface Publish {
  keyId: string;
  at: number;
}

let keySeq = 0;

export class SimulatedStack {
  readonly slots: Partial<Record<Slot, Password>> = {};
  readonly passwords = new Map<string, Password>();
  readonly publishes: Publish[] = [];
  /** What Graph would reject (lifetime over Entra's cap, an endDate in the past). */
  readonly violations: string[] = [];
  lastRun?: RunResult;
  /** The last run's `rotation` output, which the next run continues from. */
  record?: RotationRecord;

  constructor(
    public settings: { rotationDays: number; graceDays: number; anchor?: Date },
    readonly prefix = "client-secret",
    /** Only for negative controls: rewrites the plan, to prove the replay catches a broken rule. */
    readonly mutate: (plan: RotationPlan) => RotationPlan = (plan) => plan,
  ) {}

  /** `pulumi config set` of the rotation settings: the next run plans with them. */
  reconfigure(settings: { rotationDays: number; graceDays: number; anchor?: Date }): void {
    this.settings = settings;
  }

  /** One `pulumi up` at instant `at`. */
  up(at: number): RunResult {
    const next = continueRotation({
      now: new Date(at),
      settings: requestedSettings(this.settings),
      previous: this.record,
      previousNextRotationAt: this.lastRun?.plan.nextRotationAt,
    });
    this.record = next.record;
    const plan = this.mutate(next.plan);
    const created: Slot[] = [];
    const deleted: Slot[] = [];
    for (const slot of SLOTS) {
      const inputs = slotPasswordInputs(plan, slot, this.prefix);
      const key = JSON.stringify(inputs);
      const old = this.slots[slot];
      if (old && old.inputs === key) continue;
      const endDate = Date.parse(inputs.endDate);
      // Graph rejects a secret living longer than Entra's cap; the schedule must never ask for one.
      if (endDate - at > (2 * this.settings.rotationDays + this.settings.graceDays) * DAY_MS) {
        this.violations.push(
          `slot ${slot} asks for ${(endDate - at) / DAY_MS} days of life at ${iso(at)}, over 2P + G`,
        );
      }
      if (endDate - at > MAX_SECRET_LIFETIME_DAYS * DAY_MS) {
        this.violations.push(`slot ${slot} asks for ${(endDate - at) / DAY_MS} days of life at ${iso(at)}`);
      }
      if (endDate <= at) this.violations.push(`slot ${slot} is created already expired at ${iso(at)}`);
      const pw: Password = {
        keyId: `key-${++keySeq}`,
        slot,
        generation: plan.slots[slot].generation,
        inputs: key,
        createdAt: at,
        endDate,
      };
      this.passwords.set(pw.keyId, pw);
      this.slots[slot] = pw;
      created.push(slot);
      if (old) {
        old.deletedAt = at;
        deleted.push(slot);
      }
    }
    const publishedKeyId = this.slots[plan.published]!.keyId;
    const previous = this.publishes.at(-1);
    const publishChanged = previous?.keyId !== publishedKeyId;
    if (publishChanged) this.publishes.push({ keyId: publishedKeyId, at });
    this.lastRun = {
      at,
      plan,
      created,
      deleted,
      publishedKeyId,
      publishChanged,
      ...(next.change ? { change: next.change } : {}),
    };
    return this.lastRun;
  }

  /** Is the password present in the tenant and not expired at `at`? */
  usable(keyId: string, at: number): boolean {
    const pw = this.passwords.get(keyId)!;
    return pw.createdAt <= at && (pw.deletedAt === undefined || at < pw.deletedAt) && at < pw.endDate;
  }

  /** The instant a password stops working: deleted or expired, whichever comes first. */
  endOfUse(keyId: string): number {
    const pw = this.passwords.get(keyId)!;
    return Math.min(pw.deletedAt ?? Infinity, pw.endDate);
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function days(ms: number): number {
  return Math.round((ms / DAY_MS) * 1000) / 1000;
}

/** Rotation boundaries start(k) in [from, to]. */
export function boundaries(from: number, to: number, s: { rotationDays: number; anchor?: Date }): number[] {
  const anchor = (s.anchor ?? new Date("2024-01-01T00:00:00Z")).getTime();
  const P = s.rotationDays * DAY_MS;
  const out: number[] = [];
  for (let k = Math.ceil((from - anchor) / P); anchor + k * P <= to; k++) out.push(anchor + k * P);
  return out;
}

/** Every `step` from `from` to `to` inclusive. */
export function every(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

/** Hourly instants within `hours` either side of each boundary. */
export function aroundBoundaries(bs: number[], hours: number, from: number, to: number): number[] {
  return bs
    .flatMap((b) => every(b - hours * HOUR_MS, b + hours * HOUR_MS, HOUR_MS))
    .filter((t) => t >= from && t <= to);
}

export function sortedUnique(xs: number[]): number[] {
  return [...new Set(xs)].sort((x, y) => x - y);
}

export { seededRandom as prng };
