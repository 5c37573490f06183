// The program's clock. Rotation depends on "now"; EXO_OAUTH_NOW (an ISO 8601 time) overrides it so a
// rotation can be rehearsed (`EXO_OAUTH_NOW=2027-03-01T00:00:00Z pulumi preview`).
import * as pulumi from "@pulumi/pulumi";

export const NOW_ENV = "EXO_OAUTH_NOW";

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The time from EXO_OAUTH_NOW when set (invalid → a clear error), else the system clock. */
export function clockFromEnvironment(
  env: Record<string, string | undefined> = process.env,
  systemNow = new Date(),
): Date {
  const raw = env[NOW_ENV];
  if (raw === undefined || raw === "") return systemNow;
  const text = raw.trim();
  const t = ISO_8601.test(text) && isCalendarDate(text.slice(0, 10)) ? Date.parse(text) : NaN;
  if (Number.isNaN(t))
    throw new pulumi.RunError(
      `${NOW_ENV} "${raw}" is not an ISO 8601 time; use a date or a UTC time such as 2027-03-01 or 2027-03-01T09:30:00Z`,
    );
  return new Date(t);
}

/** Date.parse rolls 2027-02-30 over to March 2nd; a real calendar date round-trips. */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
