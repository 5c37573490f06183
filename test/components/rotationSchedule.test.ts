// The pure rotation schedule, table-tested. Expected strings were computed independently
// (Python datetime: anchor + k·P days) and are written out literally.
import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  formatRotationProblems,
  GRACE_DAYS,
  rfc3339,
  ROTATION_DAYS,
  rotationLimitProblems,
  rotationPlan,
  rotationSettingsProblems,
  slotPasswordInputs,
  type RotationProblem,
} from "../../components/rotationSchedule";

type Row = {
  now: string;
  P: number;
  G: number;
  anchor?: string;
  generation: number;
  published: "a" | "b";
  a: [number, string, string];
  b: [number, string, string];
  next: string;
};

const rows: Row[] = [
  {
    now: "2024-01-01T00:00:00Z",
    P: 90,
    G: 14,
    generation: 0,
    published: "a",
    a: [0, "2024-01-01T00:00:00Z", "2024-07-13T00:00:00Z"],
    b: [-1, "2023-10-03T00:00:00Z", "2024-04-14T00:00:00Z"],
    next: "2024-03-31T00:00:00Z",
  },
  {
    now: "2024-03-30T23:59:59Z",
    P: 90,
    G: 14,
    generation: 0,
    published: "a",
    a: [0, "2024-01-01T00:00:00Z", "2024-07-13T00:00:00Z"],
    b: [-1, "2023-10-03T00:00:00Z", "2024-04-14T00:00:00Z"],
    next: "2024-03-31T00:00:00Z",
  },
  {
    now: "2024-03-31T00:00:00Z",
    P: 90,
    G: 14,
    generation: 1,
    published: "b",
    a: [0, "2024-01-01T00:00:00Z", "2024-07-13T00:00:00Z"],
    b: [1, "2024-03-31T00:00:00Z", "2024-10-11T00:00:00Z"],
    next: "2024-06-29T00:00:00Z",
  },
  {
    now: "2026-11-25T04:20:00Z",
    P: 90,
    G: 14,
    generation: 11,
    published: "b",
    a: [10, "2026-06-19T00:00:00Z", "2026-12-30T00:00:00Z"],
    b: [11, "2026-09-17T00:00:00Z", "2027-03-30T00:00:00Z"],
    next: "2026-12-16T00:00:00Z",
  },
  {
    now: "2023-12-31T23:59:59Z",
    P: 90,
    G: 14,
    generation: -1,
    published: "b",
    a: [-2, "2023-07-05T00:00:00Z", "2024-01-15T00:00:00Z"],
    b: [-1, "2023-10-03T00:00:00Z", "2024-04-14T00:00:00Z"],
    next: "2024-01-01T00:00:00Z",
  },
  {
    now: "2020-06-15T12:00:00Z",
    P: 90,
    G: 14,
    generation: -15,
    published: "b",
    a: [-16, "2020-01-22T00:00:00Z", "2020-08-03T00:00:00Z"],
    b: [-15, "2020-04-21T00:00:00Z", "2020-11-01T00:00:00Z"],
    next: "2020-07-20T00:00:00Z",
  },
  {
    now: "2026-11-25T04:20:00Z",
    P: 7,
    G: 1,
    generation: 151,
    published: "b",
    a: [150, "2026-11-16T00:00:00Z", "2026-12-01T00:00:00Z"],
    b: [151, "2026-11-23T00:00:00Z", "2026-12-08T00:00:00Z"],
    next: "2026-11-30T00:00:00Z",
  },
  {
    now: "2026-11-25T04:20:00Z",
    // The longest period the minimum grace allows: 2 × 364 + 1 = 729 ≤ 730.
    P: 364,
    G: 1,
    generation: 2,
    published: "a",
    a: [2, "2025-12-29T00:00:00Z", "2027-12-28T00:00:00Z"],
    b: [1, "2024-12-30T00:00:00Z", "2026-12-29T00:00:00Z"],
    next: "2026-12-28T00:00:00Z",
  },
  {
    now: "2026-11-25T04:20:00Z",
    P: 360,
    G: 10,
    generation: 2,
    published: "a",
    a: [2, "2025-12-21T00:00:00Z", "2027-12-21T00:00:00Z"],
    b: [1, "2024-12-26T00:00:00Z", "2026-12-26T00:00:00Z"],
    next: "2026-12-16T00:00:00Z",
  },
  {
    now: "2025-02-28T00:00:00Z",
    P: 30,
    G: 7,
    generation: 14,
    published: "a",
    a: [14, "2025-02-24T00:00:00Z", "2025-05-02T00:00:00Z"],
    b: [13, "2025-01-25T00:00:00Z", "2025-04-02T00:00:00Z"],
    next: "2025-03-26T00:00:00Z",
  },
  {
    now: "2026-11-25T04:20:00Z",
    P: 90,
    G: 14,
    anchor: "2025-06-01T12:00:00Z",
    generation: 6,
    published: "a",
    a: [6, "2026-11-23T12:00:00Z", "2027-06-05T12:00:00Z"],
    b: [5, "2026-08-25T12:00:00Z", "2027-03-07T12:00:00Z"],
    next: "2027-02-21T12:00:00Z",
  },
  {
    now: "2026-11-25T04:20:00Z",
    P: 90,
    G: 14,
    anchor: "2030-01-01T00:00:00Z",
    generation: -13,
    published: "b",
    a: [-14, "2026-07-21T00:00:00Z", "2027-01-31T00:00:00Z"],
    b: [-13, "2026-10-19T00:00:00Z", "2027-05-01T00:00:00Z"],
    next: "2027-01-17T00:00:00Z",
  },
];

describe("the rotation schedule", () => {
  it.each(rows)(
    "at $now with P=$P G=$G anchor=$anchor is generation $generation, published from slot $published",
    (r) => {
      const plan = rotationPlan({
        now: new Date(r.now),
        rotationDays: r.P,
        graceDays: r.G,
        anchor: r.anchor ? new Date(r.anchor) : undefined,
      });
      expect(plan).toEqual({
        generation: r.generation,
        published: r.published,
        slots: {
          a: { generation: r.a[0], startsAt: r.a[1], endDate: r.a[2] },
          b: { generation: r.b[0], startsAt: r.b[1], endDate: r.b[2] },
        },
        nextRotationAt: r.next,
        publishedExpiresAt: (r.published === "a" ? r.a : r.b)[2],
        anchor: r.anchor ?? "2024-01-01T00:00:00Z",
      });
    },
  );

  it.each(rows)("keeps slot a even and slot b odd, the published one newest ($now, P=$P)", (r) => {
    const plan = rotationPlan({
      now: new Date(r.now),
      rotationDays: r.P,
      graceDays: r.G,
      anchor: r.anchor ? new Date(r.anchor) : undefined,
    });
    expect(Math.abs(plan.slots.a.generation % 2)).toBe(0);
    expect(Math.abs(plan.slots.b.generation % 2)).toBe(1);
    expect(plan.slots[plan.published].generation).toBe(plan.generation);
    const other = plan.published === "a" ? "b" : "a";
    expect(plan.slots[other].generation).toBe(plan.generation - 1);
  });

  it("moves to the next generation exactly at the boundary, not a millisecond before", () => {
    const boundary = Date.parse("2024-03-31T00:00:00Z");
    const at = (ms: number) =>
      rotationPlan({ now: new Date(ms), rotationDays: 90, graceDays: 14 }).generation;
    expect([at(boundary - 1), at(boundary), at(boundary + 1)]).toEqual([0, 1, 1]);
  });

  it("writes every date as RFC3339 in whole seconds without a fraction, even for a now with milliseconds", () => {
    const plan = rotationPlan({ now: new Date("2026-11-25T04:20:33.987Z"), rotationDays: 90, graceDays: 14 });
    const dates = [
      plan.nextRotationAt,
      plan.publishedExpiresAt,
      plan.slots.a.startsAt,
      plan.slots.a.endDate,
      plan.slots.b.startsAt,
      plan.slots.b.endDate,
    ];
    for (const d of dates) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(rfc3339(Date.parse("2026-03-31T00:00:00.999Z"))).toBe("2026-03-31T00:00:00Z");
  });

  it("gives identical endDate strings for every instant of a period (a second preview shows no change)", () => {
    const start = Date.parse("2026-09-17T00:00:00Z");
    const first = rotationPlan({ now: new Date(start), rotationDays: 90, graceDays: 14 });
    for (let ms = start; ms < start + 90 * DAY_MS; ms += 7 * 3_600_000 + 13_000) {
      const again = rotationPlan({ now: new Date(ms), rotationDays: 90, graceDays: 14 });
      expect(again.slots).toEqual(first.slots);
      expect(slotPasswordInputs(again, "a", "x")).toEqual(slotPasswordInputs(first, "a", "x"));
      expect(slotPasswordInputs(again, "b", "x")).toEqual(slotPasswordInputs(first, "b", "x"));
    }
  });

  it("declares slot inputs that name the slot and generation and carry the generation", () => {
    const plan = rotationPlan({ now: new Date("2026-11-25T04:20:00Z"), rotationDays: 90, graceDays: 14 });
    expect(slotPasswordInputs(plan, "a", "exo-oauth")).toEqual({
      displayName: "exo-oauth slot a generation 10",
      endDate: "2026-12-30T00:00:00Z",
      rotateWhenChanged: { generation: "10" },
    });
    expect(slotPasswordInputs(plan, "b", "exo-oauth")).toEqual({
      displayName: "exo-oauth slot b generation 11",
      endDate: "2027-03-30T00:00:00Z",
      rotateWhenChanged: { generation: "11" },
    });
  });
});

describe("rotation settings validation", () => {
  const bad: Array<[string, Record<string, unknown>, RotationProblem]> = [
    [
      "rotationDays below 7",
      { rotationDays: 6, graceDays: 1 },
      { about: "rotationDays", message: "6 is not a whole number of days from 7 to 365" },
    ],
    [
      "rotationDays above 365",
      { rotationDays: 366, graceDays: 1 },
      { about: "rotationDays", message: "366 is not a whole number of days from 7 to 365" },
    ],
    [
      "fractional rotationDays",
      { rotationDays: 30.5, graceDays: 1 },
      { about: "rotationDays", message: "30.5 is not a whole number of days from 7 to 365" },
    ],
    [
      "rotationDays as a string",
      { rotationDays: "90", graceDays: 14 },
      { about: "rotationDays", message: '"90" is not a whole number of days from 7 to 365' },
    ],
    [
      "graceDays zero (the minimum is one day)",
      { rotationDays: 90, graceDays: 0 },
      { about: "graceDays", message: "0 is not a whole number of days, at least 1" },
    ],
    [
      "negative graceDays",
      { rotationDays: 90, graceDays: -1 },
      { about: "graceDays", message: "-1 is not a whole number of days, at least 1" },
    ],
    [
      "fractional graceDays",
      { rotationDays: 90, graceDays: 1.5 },
      { about: "graceDays", message: "1.5 is not a whole number of days, at least 1" },
    ],
    [
      "NaN graceDays",
      { rotationDays: 90, graceDays: NaN },
      { about: "graceDays", message: "NaN is not a whole number of days, at least 1" },
    ],
    [
      "graceDays over rotationDays",
      { rotationDays: 30, graceDays: 31 },
      {
        about: "graceDays",
        message:
          "31 is longer than rotationDays (30): the previous secret is replaced one period after the next publish, so graceDays must be at most rotationDays",
      },
    ],
    [
      "2P+G over 730",
      { rotationDays: 365, graceDays: 1 },
      {
        about: "lifetime",
        message:
          "each client secret lives 2 × rotationDays + graceDays = 2 × 365 + 1 = 731 days, over Microsoft's 730-day limit on a client secret's lifetime; lower rotationDays to at most 364",
      },
    ],
    [
      "anchor with milliseconds",
      { rotationDays: 90, graceDays: 14, anchor: new Date("2024-01-01T00:00:00.5Z") },
      { about: "anchor", message: "2024-01-01T00:00:00.500Z is not a valid Date in whole seconds" },
    ],
    [
      "invalid anchor",
      { rotationDays: 90, graceDays: 14, anchor: new Date("nope") },
      { about: "anchor", message: "an invalid Date is not a valid Date in whole seconds" },
    ],
  ];
  it.each(bad)("rejects %s", (_label, settings, problem) => {
    expect(rotationSettingsProblems(settings as never)).toEqual([problem]);
    expect(() =>
      rotationPlan({
        now: new Date(),
        ...(settings as unknown as { rotationDays: number; graceDays: number }),
      }),
    ).toThrow(formatRotationProblems([problem]));
  });

  it("names the setting before each problem, and the rule across settings by its own words", () => {
    expect(formatRotationProblems(rotationSettingsProblems({ rotationDays: 3, graceDays: -2 }))).toBe(
      "rotationDays: 3 is not a whole number of days from 7 to 365; graceDays: -2 is not a whole number of days, at least 1",
    );
    expect(formatRotationProblems(rotationLimitProblems(360, 30))).toMatch(/^each client secret lives 2 × /);
  });

  it("offers a lower graceDays as a fix only when one is allowed", () => {
    expect(rotationLimitProblems(360, 20)[0].message).toMatch(
      /lower rotationDays to at most 355 or graceDays to at most 10$/,
    );
    expect(rotationLimitProblems(365, 1)[0].message).toMatch(/lower rotationDays to at most 364$/);
  });

  it.each([
    [7, 1],
    [7, 7],
    [90, 14],
    [360, 10],
    [243, 243],
    [364, 1],
  ])("accepts rotationDays %i with graceDays %i", (P, G) => {
    expect(rotationSettingsProblems({ rotationDays: P, graceDays: G })).toEqual([]);
  });

  it("has one home for the defaults and bounds, the ones the stack config applies", () => {
    expect(ROTATION_DAYS).toEqual({ default: 90, min: 7, max: 365 });
    expect(GRACE_DAYS).toEqual({ default: 14, min: 1 });
    expect(
      rotationSettingsProblems({ rotationDays: ROTATION_DAYS.default, graceDays: GRACE_DAYS.default }),
    ).toEqual([]);
  });

  it("rejects an invalid now", () => {
    expect(() => rotationPlan({ now: new Date("x"), rotationDays: 90, graceDays: 14 })).toThrow(
      "now: an invalid Date is not a valid Date",
    );
  });
});
