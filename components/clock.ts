// The program's clock. Rotation depends on "now"; EXO_OAUTH_NOW (an ISO 8601 time) overrides it so a
// rotation can be rehearsed (`EXO_OAUTH_NOW=2027-03-01T00:00:00Z pulumi preview`).
//
// Only for rehearsals: a `pulumi up` with the variable left set plans at the wrong time and writes
// it to Entra — an endDate already past (Graph refuses it, deep inside the update) or one later
// than planned (a secret that lives longer than the schedule and the tenant allow). So the
// override is refused at `pulumi up`, unless the run is against the offline tenant, whose harness
// says so with OFFLINE_TENANT_ENV (docs/operations.md, "Rehearse a rotation").
import * as pulumi from "@pulumi/pulumi";

export const NOW_ENV = "EXO_OAUTH_NOW";
/**
 * Set (non-empty) only by the offline tenant's harness (scripts/offline-tenant/harness/run-program.ts)
 * for programs it runs against its doubles, where the clock is the rehearsal's. Never set it in a
 * pipeline.
 */
export const OFFLINE_TENANT_ENV = "EXO_OAUTH_OFFLINE_TENANT";

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export interface ClockOptions {
  /** The program runs as `pulumi preview` (pulumi.runtime.isDryRun()). Default: asked of the runtime. */
  dryRun?: boolean;
}

/**
 * The time from EXO_OAUTH_NOW when set, else the system clock. Throws a pulumi.RunError naming the
 * variable when its value is not an ISO 8601 time, or when it is set at `pulumi up` outside the
 * offline tenant.
 */
export function clockFromEnvironment(
  env: Record<string, string | undefined> = process.env,
  systemNow = new Date(),
  opts: ClockOptions = {},
): Date {
  const raw = env[NOW_ENV];
  if (raw === undefined || raw === "") return systemNow;
  const text = raw.trim();
  const t = ISO_8601.test(text) && isCalendarDate(text.slice(0, 10)) ? Date.parse(text) : NaN;
  if (Number.isNaN(t))
    throw new pulumi.RunError(
      `${NOW_ENV} "${raw}" is not an ISO 8601 time; use a date or a UTC time such as 2027-03-01 or 2027-03-01T09:30:00Z`,
    );
  const dryRun = opts.dryRun ?? pulumi.runtime.isDryRun();
  if (!dryRun && !env[OFFLINE_TENANT_ENV])
    throw new pulumi.RunError(
      `${NOW_ENV} is set to "${raw}" in a \`pulumi up\`: it moves the program's clock for rehearsals with ` +
        `\`pulumi preview\` only. An update at that time would ask Graph for client secrets planned for ` +
        `${new Date(t).toISOString()} (an end date already past, or a life longer than planned) while it is ` +
        `${systemNow.toISOString()}. Unset it and run again: \`unset ${NOW_ENV}\` ` +
        `(PowerShell: \`Remove-Item Env:${NOW_ENV}\`); nothing was changed.`,
    );
  return new Date(t);
}

/** Date.parse rolls 2027-02-30 over to March 2nd; a real calendar date round-trips. */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
