// The program reads its own previous outputs (a StackReference to itself) and warns, at preview
// and at update, when a change of rotation settings would replace a client secret slot: which
// slot, what consumers see, and how to keep it. The slots named are checked against what the two
// runs really declare (the ApplicationPassword inputs), not against the schedule's own answer.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { exchangeHazards } from "../components/exchangeMailboxAccess";
import type { StackOutputValues } from "../components/outputs";
import { GraphRulesMock, STACK_REFERENCE_TYPE, TYPES } from "../scripts/offline-tenant/graph/mock";
import { baseConfig, runProgram, tenant, type ProgramRun } from "./support/program-harness";

const NOW = "2026-11-25T06:00:00Z";

/** Runs the program, collecting what it warned. */
async function run(opts: Parameters<typeof runProgram>[0]): Promise<ProgramRun & { warnings: string[] }> {
  const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
  try {
    const r = await runProgram({ now: NOW, ...opts });
    return { ...r, warnings: warn.mock.calls.map((c) => c[0]) };
  } finally {
    warn.mockRestore();
  }
}

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
    const r = await run({ config: baseConfig() });
    const refs = r.mock.ofType(STACK_REFERENCE_TYPE);
    expect(refs.map((x) => x.inputs.name)).toEqual(["organization/exo-oauth/dev"]);
    expect(r.warnings).toEqual([]);
  });

  it("give the next run what it needs to compare: the rotation settings and the Exchange connection", async () => {
    const r = await run({ config: baseConfig({ secret: { rotationDays: 30, graceDays: 7 } }) });
    expect(r.outputs.rotation).toEqual({ rotationDays: 30, graceDays: 7, anchor: "2024-01-01T00:00:00Z" });
    expect(r.outputs.exchangeConnection).toBe("manual");
  });

  it("bring no warning when the settings are unchanged", async () => {
    const first = await run({ config: baseConfig() });
    const again = await run({ config: baseConfig(), previousOutputs: first.outputs });
    expect(slotInputs(again)).toEqual(slotInputs(first));
    expect(again.warnings).toEqual([]);
  });

  it("bring no warning from a stack deployed by a version that did not export `rotation`", async () => {
    const first = await run({ config: baseConfig() });
    const { rotation: _r, exchangeConnection: _c, ...older } = first.outputs;
    const again = await run({ config: baseConfig({ secret: { rotationDays: 30 } }), previousOutputs: older });
    expect(again.warnings).toEqual([]);
  });
});

describe("a change of rotation settings that replaces a secret slot", () => {
  const cases: Array<[string, Record<string, number>]> = [
    ["rotationDays 90 → 30", { rotationDays: 30 }],
    ["graceDays 14 → 21", { graceDays: 21 }],
    ["rotationDays 90 → 60 and graceDays 14 → 7", { rotationDays: 60, graceDays: 7 }],
  ];
  it.each(cases)("warns at preview and at update, slot by slot (%s)", async (_name, secret) => {
    const first = await run({ config: baseConfig() });
    const changed = baseConfig({ secret: { rotationDays: 90, graceDays: 14, ...secret } });
    for (const preview of [true, false]) {
      const next = await run({ config: changed, previousOutputs: first.outputs, preview });
      const before = slotInputs(first);
      const after = slotInputs(next);
      const replaced = ["a", "b"].filter((s) => before[s] !== after[s]);
      expect(replaced.length).toBeGreaterThan(0);
      expect(next.warnings.map((w) => /replaces client secret slot (a|b) /.exec(w)?.[1])).toEqual(replaced);
      const published = publishedSlot(first);
      for (const w of next.warnings) {
        for (const [key, value] of Object.entries(secret)) {
          const old = key === "rotationDays" ? 90 : 14;
          expect(w).toContain(`exo-oauth:secret.${key} from ${old} to ${value}`);
          expect(w).toContain(`pulumi config set --path 'exo-oauth:secret.${key}' ${old}`);
        }
        const slot = /slot (a|b) /.exec(w)![1];
        expect(w).toContain(`(client-secret-${slot}, generation `);
        expect(w).toContain(
          slot === published
            ? "the published secret, the one consumers hold now: this update deletes it"
            : "the previous secret: consumers that have not yet switched",
        );
      }
    }
  });

  it("says so when the previous `rotation` output cannot be read, rather than staying silent", async () => {
    const first = await run({ config: baseConfig() });
    const broken = { ...first.outputs, rotation: { rotationDays: "ninety", graceDays: 14, anchor: "x" } };
    const next = await run({
      config: baseConfig(),
      previousOutputs: broken as unknown as StackOutputValues,
    });
    expect(next.warnings).toHaveLength(1);
    expect(next.warnings[0]).toMatch(
      /^Cannot tell whether this update replaces a client secret slot: the stack's previous `rotation` output is not readable \(rotationDays: "ninety" is not a whole number/,
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
      config: baseConfig(),
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
