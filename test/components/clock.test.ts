// EXO_OAUTH_NOW: the program's clock override for rehearsing rotation — with `pulumi preview`, or
// against the offline tenant; refused at a real `pulumi up`.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { clockFromEnvironment, OFFLINE_TENANT_ENV } from "../../components/clock";

const SYSTEM = new Date("2026-11-25T06:00:00Z");
const PREVIEW = { dryRun: true };

describe("clockFromEnvironment", () => {
  it.each([
    [undefined, SYSTEM.toISOString()],
    ["", SYSTEM.toISOString()],
    ["2027-03-01", "2027-03-01T00:00:00.000Z"],
    ["2027-03-01T09:30:00Z", "2027-03-01T09:30:00.000Z"],
    ["2027-03-01T09:30Z", "2027-03-01T09:30:00.000Z"],
    ["2027-03-01T09:30:00.250+02:00", "2027-03-01T07:30:00.250Z"],
  ])("EXO_OAUTH_NOW=%j → %s", (value, expected) => {
    expect(clockFromEnvironment({ EXO_OAUTH_NOW: value }, SYSTEM, PREVIEW).toISOString()).toBe(expected);
  });

  it.each([
    "next tuesday",
    "1767225600",
    "2027-03-01T09:30:00",
    "2027-13-01",
    "2027-02-30T00:00:00Z",
    "2027-03-01T24:30:00Z",
    "01/03/2027",
  ])("rejects EXO_OAUTH_NOW=%j", (value) => {
    expect(() => clockFromEnvironment({ EXO_OAUTH_NOW: value }, SYSTEM, PREVIEW)).toThrow(
      `EXO_OAUTH_NOW "${value}" is not an ISO 8601 time; use a date or a UTC time such as 2027-03-01 or 2027-03-01T09:30:00Z`,
    );
  });
});

describe("EXO_OAUTH_NOW at `pulumi up`", () => {
  it("is refused outside the offline tenant, naming the variable, both times and how to unset it", () => {
    let err: unknown;
    try {
      clockFromEnvironment({ EXO_OAUTH_NOW: "2025-09-01" }, SYSTEM, { dryRun: false });
    } catch (e) {
      err = e;
    }
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toBe(
      'EXO_OAUTH_NOW is set to "2025-09-01" in a `pulumi up`: it moves the program\'s clock for rehearsals with ' +
        "`pulumi preview` only. An update at that time would ask Graph for client secrets planned for " +
        "2025-09-01T00:00:00.000Z (an end date already past, or a life longer than planned) while it is " +
        "2026-11-25T06:00:00.000Z. Unset it and run again: `unset EXO_OAUTH_NOW` " +
        "(PowerShell: `Remove-Item Env:EXO_OAUTH_NOW`); nothing was changed.",
    );
  });

  it("is taken against the offline tenant (its harness sets EXO_OAUTH_OFFLINE_TENANT)", () => {
    const env = { EXO_OAUTH_NOW: "2027-03-01", [OFFLINE_TENANT_ENV]: "scripts/offline-tenant" };
    expect(clockFromEnvironment(env, SYSTEM, { dryRun: false }).toISOString()).toBe(
      "2027-03-01T00:00:00.000Z",
    );
  });

  it("unset, the system clock is used whatever the run", () => {
    expect(clockFromEnvironment({}, SYSTEM, { dryRun: false })).toBe(SYSTEM);
  });

  it("asks the Pulumi runtime whether it is a preview when not told", () => {
    // Outside a program the runtime is not in preview: the rehearsal clock is refused.
    expect(() => clockFromEnvironment({ EXO_OAUTH_NOW: "2027-03-01" }, SYSTEM)).toThrow(/in a `pulumi up`/);
  });
});
