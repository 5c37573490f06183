// The program reads its own previous outputs (a StackReference to itself) and continues the
// rotation from them: a change of rotation settings replaces no slot; a note says, at preview and
// at update, when it takes effect. What the notes say is checked against what the two runs really
// declare (the ApplicationPassword inputs), not against the schedule's own answer.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { exchangeHazards } from "../components/exchangeMailboxAccess";
import type { StackOutputValues } from "../components/outputs";
import { GraphRulesMock, STACK_REFERENCE_TYPE, TYPES } from "../scripts/offline-tenant/graph/mock";
import { baseConfig, runProgram, tenant, type ProgramRun } from "./support/program-harness";

const NOW = "2026-11-25T06:00:00Z";

/** Runs the program, collecting what it warned and noted. */
async function run(
  opts: Parameters<typeof runProgram>[0],
): Promise<ProgramRun & { warnings: string[]; notes: string[] }> {
  const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
  const info = vi.spyOn(pulumi.log, "info").mockImplementation(() => Promise.resolve());
  try {
    const r = await runProgram({ now: NOW, ...opts });
    return { ...r, warnings: warn.mock.calls.map((c) => c[0]), notes: info.mock.calls.map((c) => c[0]) };
  } finally {
    warn.mockRestore();
    info.mockRestore();
  }
}

/** The secret settings with the tenant's limit set, so the lifetime-policy warning stays out of the way. */
const secret = (s: Record<string, number> = {}) => ({
  secret: { rotationDays: 90, graceDays: 14, maxLifetimeDays: 730, ...s },
});

/** Each slot's ApplicationPassword inputs as a run declared them (all force replacement), but the app's id. */
function slotInputs(r: ProgramRun): Record<string, string> {
  return Object.fromEntries(
    r.mock.ofType(TYPES.applicationPassword).map((p) => {
      const { applicationId: _id, ...inputs } = p.inputs;
      return [p.name.slice(-1), JSON.stringify(inputs)];
    }),
  );
}

afterEach(() => vi.restoreAllMocks());

describe("the program's own previous outputs", () => {
  it("are read through a StackReference named <organization>/<project>/<stack>, and a new stack has none", async () => {
    const r = await run({ config: baseConfig(secret()) });
    const refs = r.mock.ofType(STACK_REFERENCE_TYPE);
    expect(refs.map((x) => x.inputs.name)).toEqual(["organization/exo-oauth/dev"]);
    expect(r.warnings).toEqual([]);
  });

  it("give the next run what it needs to continue: the rotation record and the Exchange connection", async () => {
    const r = await run({ config: baseConfig(secret({ rotationDays: 30, graceDays: 7 })) });
    expect(r.outputs.rotation).toEqual({ rotationDays: 30, graceDays: 7, anchor: "2024-01-01T00:00:00Z" });
    expect(r.outputs.exchangeConnection).toBe("manual");
  });

  it("bring no warning and no note when the settings are unchanged", async () => {
    const first = await run({ config: baseConfig(secret()) });
    const again = await run({ config: baseConfig(secret()), previousOutputs: first.outputs });
    expect(slotInputs(again)).toEqual(slotInputs(first));
    expect(again.warnings).toEqual([]);
    expect(again.notes).toEqual([]);
  });

  it("bring no warning from a stack deployed by a version that did not export `rotation`", async () => {
    const first = await run({ config: baseConfig(secret()) });
    const { rotation: _r, exchangeConnection: _c, ...older } = first.outputs;
    const again = await run({ config: baseConfig(secret({ rotationDays: 30 })), previousOutputs: older });
    expect(again.warnings).toEqual([]);
  });

  it("continue a record written before carried passwords existed (settings only) like their own", async () => {
    const first = await run({ config: baseConfig(secret()) });
    const older = {
      ...first.outputs,
      rotation: { rotationDays: 90, graceDays: 14, anchor: "2024-01-01T00:00:00Z" },
    };
    const again = await run({ config: baseConfig(secret({ graceDays: 15 })), previousOutputs: older });
    expect(slotInputs(again)).toEqual(slotInputs(first));
  });
});

describe("the tenant's credential-lifetime policy, which the program cannot read", () => {
  const WARNING =
    /^exo-oauth:secret\.maxLifetimeDays is not set, and the program cannot read the tenant's credential-lifetime policy \(@pulumi\/azuread 6\.9\.1 has no data source for Graph's app management policies\): client secrets ask Graph for up to 2 × rotationDays \+ graceDays = (\d+) days/;

  it("is named in a warning on the first update when secret.maxLifetimeDays is not set", async () => {
    const r = await run({ config: baseConfig() });
    expect(r.warnings).toHaveLength(1);
    expect(WARNING.exec(r.warnings[0])?.[1]).toBe("194");
  });

  it("and again only when the life asked of Graph grows, not on every run", async () => {
    const first = await run({ config: baseConfig() });
    const same = await run({ config: baseConfig(), previousOutputs: first.outputs });
    expect(same.warnings).toEqual([]);
    const shorter = await run({
      config: baseConfig({ secret: { graceDays: 7 } }),
      previousOutputs: first.outputs,
    });
    expect(shorter.warnings).toEqual([]);
    const longer = await run({
      config: baseConfig({ secret: { rotationDays: 120 } }),
      previousOutputs: first.outputs,
    });
    expect(WARNING.exec(longer.warnings[0])?.[1]).toBe("254");
  });
});

describe("a change of rotation settings", () => {
  const cases: Array<[string, Record<string, number>, string]> = [
    ["rotationDays 90 → 30", { rotationDays: 30 }, "exo-oauth:secret.rotationDays from 90 to 30"],
    ["graceDays 14 → 21", { graceDays: 21 }, "exo-oauth:secret.graceDays from 14 to 21"],
    [
      "rotationDays 90 → 60 and graceDays 14 → 7",
      { rotationDays: 60, graceDays: 7 },
      "exo-oauth:secret.rotationDays from 90 to 60 and exo-oauth:secret.graceDays from 14 to 7",
    ],
  ];
  it.each(cases)(
    "keeps the published secret's slot, and says what it does and when it takes effect, at preview and at update (%s)",
    async (_n, s, what) => {
      const first = await run({ config: baseConfig(secret()) });
      const published = publishedSlot(first);
      const previous = published === "a" ? "b" : "a";
      for (const preview of [true, false]) {
        const next = await run({ config: baseConfig(secret(s)), previousOutputs: first.outputs, preview });
        const before = slotInputs(first);
        const after = slotInputs(next);
        expect(after[published]).toBe(before[published]);
        expect(next.warnings).toEqual([]);
        expect(next.notes).toHaveLength(1);
        const rotatesNow = after[previous] !== before[previous];
        expect(next.notes[0]).toContain(
          `Changing ${what}: ${
            rotatesNow
              ? `this update rotates client secret slot ${previous} (client-secret-${previous}) now (the previous secret); the rotation after is`
              : "no client secret is replaced by this update; the current ones keep their end dates. The next rotation is"
          } on ${String(next.outputs.nextRotationAt).slice(0, 10)} (was 2026-12-16), then every ${s.rotationDays ?? 90} days.`,
        );
      }
    },
  );

  it("says so when the previous `rotation` output cannot be read, rather than staying silent", async () => {
    const first = await run({ config: baseConfig(secret()) });
    const broken = { ...first.outputs, rotation: { rotationDays: "ninety", graceDays: 14, anchor: "x" } };
    const next = await run({
      config: baseConfig(secret()),
      previousOutputs: broken as unknown as StackOutputValues,
    });
    expect(next.warnings).toHaveLength(1);
    expect(next.warnings[0]).toMatch(
      /^Cannot tell whether this update replaces a client secret slot: the stack's previous `rotation` output is not readable \(rotationDays: "ninety" is not a whole number.*\)\. This update plans both slots from the current settings alone/,
    );
  });
});

describe("switching the Exchange step to manual", () => {
  const RECORD = readFileSync(join(__dirname, "fixtures/exchange-step-v1/record.txt"), "utf8").trim();

  for (const preview of [true, false])
    it(`warns ${preview ? "at preview" : "at update"}, naming every grant the Command's delete will revoke`, async () => {
      const first = await run({ config: baseConfig() });
      // What a deployment with a Command exported (the v1 record a deployed stack holds).
      const previous = {
        ...first.outputs,
        exchangeConnection: "accessToken",
        exchangeRecord: JSON.parse(RECORD) as unknown,
      };
      const next = await run({
        config: baseConfig(),
        previousOutputs: previous as StackOutputValues,
        preview,
      });
      expect(next.warnings).toHaveLength(1);
      expect(next.warnings[0]).toContain('exo-oauth:exchange.connection is now "manual"');
      expect(next.warnings[0]).toContain("FullAccess on billing@contoso.com, helpdesk@contoso.com");
      expect(next.warnings[0]).toContain("SendAs on billing@contoso.com");
      expect(next.warnings[0]).toContain(
        "the Exchange service principal 33333333-3333-4333-8333-333333333333",
      );
    });

  it("says nothing when the mode stays, or the stack had no Command", async () => {
    expect(exchangeHazards(JSON.parse(RECORD), "accessToken")).toEqual([]);
    expect(exchangeHazards(JSON.parse(RECORD), "certificate")).toEqual([]);
    const first = await run({ config: baseConfig() });
    const wasManual = await run({ config: baseConfig(), previousOutputs: first.outputs });
    expect(wasManual.warnings).toEqual([]);
  });

  it("says it cannot tell, instead of guessing, when the previous record is unreadable", async () => {
    const next = await run({
      config: baseConfig(secret()),
      previousOutputs: {
        exchangeRecord: { schema: "exo-oauth/exchange-record@9" },
      } as unknown as Partial<StackOutputValues>,
    });
    expect(next.warnings).toHaveLength(1);
    expect(next.warnings[0]).toMatch(
      /^Cannot tell whether switching exo-oauth:exchange.connection to "manual" revokes grants: .*@9/,
    );
  });
});

describe("the StackReference in the Graph-rules mock", () => {
  it("refuses a name that is not <organization>/<project>/<stack>, as Pulumi Cloud does", () => {
    const mock = new GraphRulesMock({ state: tenant() });
    const read = (name: string) =>
      mock.newResource({ type: STACK_REFERENCE_TYPE, name: "ref", inputs: { name }, custom: true, id: name });
    expect(() => read("dev")).toThrow(/"dev" is not <organization>\/<project>\/<stack>/);
    expect(read("organization/exo-oauth/dev").state).toEqual({
      name: "organization/exo-oauth/dev",
      outputs: {},
      secretOutputNames: [],
    });
  });
});

/** The slot a run published: the password whose key id the run exported. */
function publishedSlot(r: ProgramRun): string {
  const p = r.mock
    .ofType(TYPES.applicationPassword)
    .find((x) => x.outputs.keyId === r.outputs.clientSecretKeyId);
  return p!.name.slice(-1);
}
