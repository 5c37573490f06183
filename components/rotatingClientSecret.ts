// RotatingClientSecret: an application's client secret, rotated on a schedule with no outage.
// Two ApplicationPassword slots rotate in alternate periods (see rotationSchedule.ts); the newest
// is published. The rotation happens on whichever `pulumi up` first runs in a new period: no
// extra provider. A change of the settings is carried over from the last update's record
// (rotationTransition.ts), so it never replaces the published secret. Schedule `pulumi up
// --refresh` at least daily: the refresh is what notices a secret deleted by hand
// (docs/operations.md, "Client secret rotation", "A secret deleted by hand").
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { MAX_SECRET_LIFETIME_DAYS } from "./microsoft";
import {
  DAY_MS,
  formatRotationProblems,
  rotationSettingsProblems,
  slotPasswordInputs,
  SLOTS,
} from "./rotationSchedule";
import type { RotationPlan, Slot } from "./rotationSchedule";
import {
  continueRotation,
  requestedSettings,
  type RotationRecord,
  type ScheduleChange,
} from "./rotationTransition";

export interface RotatingClientSecretArgs {
  /**
   * The application's resource `id`, `/applications/<objectId>` (`azuread.Application.id`) —
   * not its `clientId` nor its bare `objectId`.
   */
  applicationId: pulumi.Input<string>;
  /**
   * P: a new secret is published every P days. Whole days, ROTATION_DAYS.min..max (7..365),
   * rotationSchedule.ts. Stack default ROTATION_DAYS.default (90).
   */
  rotationDays: number;
  /**
   * G: each password lives 2P + G days from the start of its generation, so a secret outlives the
   * run that replaces its slot by up to G days. Whole days, GRACE_DAYS.min (1) to rotationDays,
   * and 2P + G ≤ maxLifetimeDays. Stack default GRACE_DAYS.default (14).
   */
  graceDays: number;
  /**
   * The longest life Graph allows a client secret here, whole days (the tenant's credential-lifetime
   * policy: SECRET_LIFETIME_DAYS, rotationSchedule.ts). Default MAX_SECRET_LIFETIME_DAYS (730).
   * No password is declared that would ask Graph for more from this run's clock.
   */
  maxLifetimeDays?: number;
  /**
   * The last update's `rotation` output (RotationRecord, read with readPreviousOutputs): with it a
   * change of rotationDays, graceDays or anchor is carried over without replacing the published
   * secret. Undefined on a new stack (or when unreadable: the slots are then planned afresh).
   */
  previous?: RotationRecord;
  /** The last update's `nextRotationAt` output (readPreviousOutputs), RFC3339: see ContinueRotationArgs. */
  previousNextRotationAt?: string;
  /** The clock the schedule is evaluated at. Default `() => new Date()`; inject it to rehearse or test. */
  now?: () => Date;
  /**
   * Start of generation 0 of a new stack's schedule, whole seconds. Default 2024-01-01T00:00:00Z.
   * Changing it later is a settings change: it takes effect at the next rotation.
   */
  anchor?: Date;
  /** Prefix of the passwords' display names, e.g. `<prefix> slot a generation 12`. Default: the component's name. */
  displayName?: string;
}

export class RotatingClientSecret extends pulumi.ComponentResource {
  /** The published client secret (the newest slot's), as a Pulumi secret. */
  public readonly value: pulumi.Output<string>;
  /** The published password's key id (the "Secret ID" in the portal — not the secret). */
  public readonly keyId: pulumi.Output<string>;
  /** When the published secret expires, RFC3339. */
  public readonly expiresAt: pulumi.Output<string>;
  /** The first instant at which a `pulumi up` publishes a new secret, RFC3339. */
  public readonly nextRotationAt: pulumi.Output<string>;
  /** The published generation g = floor((now − anchor) / P). */
  public readonly generation: pulumi.Output<number>;
  /** Which slot ("a" or "b") holds the published secret. */
  public readonly publishedSlot: pulumi.Output<Slot>;
  /** The two slot passwords, for wiring and tests. */
  public readonly passwords: Readonly<Record<Slot, azuread.ApplicationPassword>>;
  /** The schedule this update was planned with. */
  public readonly plan: RotationPlan;
  /** What the next run continues from: export it as the `rotation` stack output. */
  public readonly record: RotationRecord;
  /** Set when the settings differ from `previous`: what the change does (for notices). */
  public readonly change?: ScheduleChange;

  /**
   * Throws a pulumi.RunError (printed without a stack trace) before registering anything when an
   * argument is out of bounds: rotationDays, graceDays, their sum, maxLifetimeDays, anchor, now()
   * or displayName; or when a slot's password would ask Graph for a life over maxLifetimeDays.
   */
  constructor(name: string, args: RotatingClientSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before anything is registered, so a bad argument touches nothing.
    const now = (args.now ?? (() => new Date()))();
    const problems = [formatRotationProblems(rotationSettingsProblems(args))].filter(Boolean);
    if (!(now instanceof Date) || Number.isNaN(now.getTime()))
      problems.push(`now() must return a valid Date, got ${String(now)}`);
    if (args.displayName !== undefined && args.displayName.trim() === "")
      problems.push(`displayName must not be empty`);
    const fail = () =>
      new pulumi.RunError(`Creating RotatingClientSecret ${JSON.stringify(name)}: ${problems.join("; ")}`);
    if (problems.length > 0) throw fail();
    const { plan, record, change } = continueRotation({
      now,
      settings: requestedSettings(args),
      previous: args.previous,
      previousNextRotationAt: args.previousNextRotationAt,
    });
    // Graph refuses a password that lives longer than the tenant's policy allows (counted from its
    // creation): never declare one (docs/configuration.md, "`secret`"). Valid settings keep the
    // schedule's own passwords within it; this catches a record that would not (a tampered or
    // foreign `rotation` output). A carried password exists already: nothing asks Graph for it.
    const limit = args.maxLifetimeDays ?? MAX_SECRET_LIFETIME_DAYS;
    for (const slot of SLOTS.filter((s) => !plan.slots[s].carried)) {
      const asked = (Date.parse(plan.slots[slot].endDate) - now.getTime()) / DAY_MS;
      if (asked > limit)
        problems.push(
          `slot ${slot} (generation ${plan.slots[slot].generation}, endDate ${plan.slots[slot].endDate}) would ` +
            `ask Graph for ${Math.ceil(asked)} days of life, over maxLifetimeDays (${limit})`,
        );
    }
    if (problems.length > 0) throw fail();
    super("exo-oauth:index:RotatingClientSecret", name, {}, opts);

    const prefix = args.displayName ?? name;
    const passwords = {} as Record<Slot, azuread.ApplicationPassword>;
    for (const slot of SLOTS) {
      passwords[slot] = new azuread.ApplicationPassword(
        `${name}-${slot}`,
        { applicationId: args.applicationId, ...slotPasswordInputs(plan, slot, prefix) },
        { parent: this },
      );
    }
    const published = passwords[plan.published];

    this.plan = plan;
    this.record = record;
    if (change) this.change = change;
    this.passwords = passwords;
    // The provider marks `value` secret, but wrap it here too so no code path can publish it in clear.
    this.value = pulumi.secret(published.value);
    this.keyId = published.keyId;
    this.expiresAt = pulumi.output(plan.publishedExpiresAt);
    this.nextRotationAt = pulumi.output(plan.nextRotationAt);
    this.generation = pulumi.output(plan.generation);
    this.publishedSlot = pulumi.output(plan.published);

    this.registerOutputs({
      value: this.value,
      keyId: this.keyId,
      expiresAt: this.expiresAt,
      nextRotationAt: this.nextRotationAt,
      generation: this.generation,
      publishedSlot: this.publishedSlot,
    });
  }
}
