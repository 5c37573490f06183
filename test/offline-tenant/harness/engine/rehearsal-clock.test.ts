// Day two, kind 4: a rehearsal clock (EXO_OAUTH_NOW) left set in a real pipeline's `pulumi up`, through
// the REAL program on the multi-run engine (the run's `now` is the true time, Graph's; the leftover
// is in the program's environment, without the offline tenant's marker). The program refuses before
// touching anything, naming the variable. On the code before, the run planned at the leftover time:
// one in the past failed deep inside Graph (an end date before the start), one in the future wrote
// secrets that live longer than planned.
import { afterEach, describe, expect, it } from "vitest";
import { OFFLINE_TENANT_ENV } from "../../../../components/clock";
import { GraphRulesMock } from "../../../../scripts/offline-tenant/graph/mock";
import { executeProgram } from "../../../../scripts/offline-tenant/harness/run-program";
import { baseConfig, tenant } from "../../../support/program-harness";
import { changes, DAY_1, manualConfig, world, type World } from "./world";

let w: World;
afterEach(() => w?.cleanup());

const realPipeline = (leftover: string) => ({ EXO_OAUTH_NOW: leftover, [OFFLINE_TENANT_ENV]: undefined });

describe("EXO_OAUTH_NOW left set in a real pipeline's `pulumi up`", () => {
  it.each([
    ["in the past (a rehearsal of last year)", "2025-09-01T00:00:00Z"],
    ["in the future (a rehearsal of next year's rotation)", "2027-03-30T00:00:00Z"],
  ])("%s: the run is refused, naming the variable, and nothing is touched", async (_name, leftover) => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    expect(first.ok).toBe(true);
    const before = w.tenant().entra.passwords;
    const r = await w.engine.up({
      config: manualConfig(),
      now: "2026-04-02T06:00:00Z",
      programEnv: realPipeline(leftover),
    });
    expect(r.ok).toBe(false);
    expect(r.error!.message).toContain(`EXO_OAUTH_NOW is set to "${leftover}" in a \`pulumi up\``);
    expect(r.error!.message).toContain("unset EXO_OAUTH_NOW");
    expect(r.calls).toEqual([]);
    expect(changes(r)).toEqual([]);
    expect(w.tenant().entra.passwords).toEqual(before);
    // The next run at the true time is an ordinary one: nothing to repair.
    const next = await w.engine.up({ config: manualConfig(), now: "2026-04-02T06:00:00Z" });
    expect(next.ok).toBe(true);
    expect(changes(next)).toEqual([]);
  });
});

describe("EXO_OAUTH_NOW where it is meant to be used", () => {
  it("`pulumi preview` plans at the rehearsal's time", async () => {
    const mock = new GraphRulesMock({ state: tenant() });
    const run = await executeProgram({
      mocks: mock,
      config: baseConfig({ secret: { rotationDays: 90, graceDays: 14, maxLifetimeDays: 730 } }),
      preview: true,
      env: realPipeline("2027-03-30T00:00:00Z"),
    });
    expect(run.outputs.nextRotationAt).toBe("2027-06-14T00:00:00Z");
  });

  it("the offline tenant (its harness sets EXO_OAUTH_OFFLINE_TENANT) runs `pulumi up` at the rehearsal's time", async () => {
    w = world();
    const r = await w.engine.up({ config: manualConfig(), now: "2027-03-30T00:00:00Z" });
    expect(r.ok).toBe(true);
    expect(r.outputs.nextRotationAt).toBe("2027-06-14T00:00:00Z");
  });
});
