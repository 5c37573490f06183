// Day two, kind 3: a tenant whose app management policy caps client-secret lifetime (180 days, as
// CISA's ScubaGear baseline proposes), through the REAL program on the multi-run engine, past the
// first rotation. The program cannot read the policy (@pulumi/azuread 6.9.1 has no data source for
// it), so the limit is `secret.maxLifetimeDays`: settings that do not fit are refused before
// anything is touched, with settings that do; settings that fit rotate for a year. Without it the
// first deploy passes and the first rotation fails months later — the program now says so at the
// first deploy. On the code before, `secret.maxLifetimeDays` did not exist and nothing warned.
import { afterEach, describe, expect, it } from "vitest";
import { appManagementPolicies } from "../../../../scripts/offline-tenant/graph/behaviours";
import {
  daily,
  runSecretTimeline,
  secretTimelineTenant,
} from "../../../../scripts/offline-tenant/harness/secret-timeline";
import { baseConfig, TENANT_ID } from "../../../support/program-harness";

const POLICY = appManagementPolicies({ tenantDefault: { maxLifetime: "P180D" } });
const REFUSED =
  /Credential lifetime exceeds the max value allowed as per assigned policy '00000000-0000-0000-0000-000000000000'/;
// 20 days into period 9 (2026-03-21): the first deploy asks 194 − 20 = 174 days, under the cap.
const FIRST = "2026-04-10T02:00:00Z";
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function tenant() {
  const t = secretTimelineTenant({ tenantId: TENANT_ID, mailboxes: ["helpdesk@contoso.com"] });
  cleanup = t.cleanup;
  return t;
}

describe("a tenant that caps client secrets at 180 days", () => {
  it("refuses the defaults with secret.maxLifetimeDays: 180 before touching anything, proposing settings that fit", async () => {
    const t = tenant();
    const r = await t
      .engine({ behaviours: [POLICY] })
      .up({ config: baseConfig({ secret: { maxLifetimeDays: 180 } }), now: FIRST });
    expect(r.ok).toBe(false);
    expect(r.calls).toEqual([]);
    expect(r.error!.message).toContain(
      "exo-oauth:secret: each client secret lives 2 × rotationDays + graceDays = 2 × 90 + 14 = 194 days, " +
        "over the 180-day limit of secret.maxLifetimeDays (the tenant's credential-lifetime policy); " +
        "lower rotationDays to at most 83",
    );
  });

  it("rotates for a year with settings that fit (rotationDays 83, graceDays 14): every rotation passes, no outage", async () => {
    const t = tenant();
    const config = baseConfig({ secret: { rotationDays: 83, graceDays: 14, maxLifetimeDays: 180 } });
    const r = await runSecretTimeline({
      engine: t.engine({ behaviours: [POLICY] }),
      statePath: t.statePath,
      runs: daily(FIRST, 365),
      config: () => config,
      refresh: true,
    });
    expect(r.failedRuns).toBe(0);
    expect(r.publishes.length).toBeGreaterThanOrEqual(5); // the first deploy and four rotations
    expect(r.outageDays).toBe(0);
    expect(r.laggardOutageDays).toBe(0);
    expect(r.runs.flatMap((x) => x.warnings)).toEqual([]);
    for (const k of r.keys.values()) expect(k.endDate - k.createdAt).toBeLessThanOrEqual(180 * 86_400_000);
  });

  it("without secret.maxLifetimeDays: the first deploy passes and warns; Graph refuses the first rotation", async () => {
    const t = tenant();
    const r = await runSecretTimeline({
      engine: t.engine({ behaviours: [POLICY] }),
      statePath: t.statePath,
      runs: daily(FIRST, 80),
      config: () => baseConfig(),
      refresh: true,
    });
    expect(r.runs[0].ok).toBe(true);
    expect(r.runs[0].warnings).toEqual([
      expect.stringMatching(
        /^exo-oauth:secret\.maxLifetimeDays is not set, and the program cannot read the tenant's credential-lifetime policy .*= 194 days/,
      ),
    ]);
    const refused = r.runs.filter((x) => !x.ok);
    expect(new Date(refused[0].at).toISOString()).toBe("2026-06-19T02:00:00.000Z"); // the first rotation
    expect(refused[0].error).toMatch(REFUSED);
    expect(refused[0].error).toMatch(
      /^Creating ApplicationPassword "client-secret-a": Adding password for Application/,
    );
    // The published secret still works meanwhile: the failure is loud, not an outage yet.
    expect(r.outageDays).toBe(0);
  });

  it("after such a refusal, setting the limit and a fitting rotationDays lets the next run rotate, with no outage", async () => {
    const t = tenant();
    const fixAt = Date.parse("2026-06-20T12:00:00Z");
    const r = await runSecretTimeline({
      engine: t.engine({ behaviours: [POLICY] }),
      statePath: t.statePath,
      runs: daily(FIRST, 200),
      config: (at) =>
        at < fixAt
          ? baseConfig()
          : baseConfig({ secret: { rotationDays: 83, graceDays: 14, maxLifetimeDays: 180 } }),
      refresh: true,
    });
    expect(r.runs.filter((x) => !x.ok).map((x) => new Date(x.at).toISOString().slice(0, 10))).toEqual([
      "2026-06-19",
      "2026-06-20",
    ]);
    expect(r.publishedDeletedByRun).toBe(0);
    expect(r.outageDays).toBe(0);
    expect(r.laggardOutageDays).toBe(0);
    expect(r.publishes.filter((p) => p.at > fixAt).length).toBeGreaterThanOrEqual(1);
  });
});
