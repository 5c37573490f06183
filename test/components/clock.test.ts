// EXO_OAUTH_NOW: the program's clock override for rehearsing rotation.
import { describe, expect, it } from "vitest";
import { clockFromEnvironment } from "../../components/clock";

const SYSTEM = new Date("2026-11-25T06:00:00Z");

describe("clockFromEnvironment", () => {
  it.each([
    [undefined, SYSTEM.toISOString()],
    ["", SYSTEM.toISOString()],
    ["2027-03-01", "2027-03-01T00:00:00.000Z"],
    ["2027-03-01T09:30:00Z", "2027-03-01T09:30:00.000Z"],
    ["2027-03-01T09:30Z", "2027-03-01T09:30:00.000Z"],
    ["2027-03-01T09:30:00.250+02:00", "2027-03-01T07:30:00.250Z"],
  ])("EXO_OAUTH_NOW=%j → %s", (value, expected) => {
    expect(clockFromEnvironment({ EXO_OAUTH_NOW: value }, SYSTEM).toISOString()).toBe(expected);
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
    expect(() => clockFromEnvironment({ EXO_OAUTH_NOW: value }, SYSTEM)).toThrow(
      `EXO_OAUTH_NOW "${value}" is not an ISO 8601 time; use a date or a UTC time such as 2027-03-01 or 2027-03-01T09:30:00Z`,
    );
  });
});
