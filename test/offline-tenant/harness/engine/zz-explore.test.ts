import { it } from "vitest";
import { daily, runSecretTimeline, secretTimelineTenant } from "../../../../scripts/offline-tenant/harness/secret-timeline";
import { baseConfig, TENANT_ID } from "../../../support/program-harness";
const cfg = (secret: Record<string, number>) => baseConfig({ secret: { maxLifetimeDays: 730, ...secret } });
it.each([
  [{ rotationDays: 7, graceDays: 1 }, { rotationDays: 300, graceDays: 100 }, 1],
  [{ rotationDays: 30, graceDays: 7 }, { rotationDays: 7, graceDays: 7 }, 1],
  [{ rotationDays: 90, graceDays: 14 }, { rotationDays: 60, graceDays: 14 }, 7],
  [{ rotationDays: 90, graceDays: 14 }, { rotationDays: 30, graceDays: 30 }, 7],
])("explore %j → %j every %i", async (a, b, every) => {
  const t = secretTimelineTenant({ tenantId: TENANT_ID, mailboxes: ["helpdesk@contoso.com"] });
  const runs = daily("2026-04-01T02:00:00Z", Math.ceil(400 / every), every);
  const change = runs[3];
  const r = await runSecretTimeline({ engine: t.engine(), statePath: t.statePath, runs, refresh: true, config: (at) => cfg(at < change ? a : b) });
  console.log(JSON.stringify({ a, b, outage: r.outageDays, lag: r.laggardOutageDays, del: r.publishedDeletedByRun, minGrace: r.minPreviousGraceDays, failed: r.failedRuns, errs: r.runs.filter(x=>!x.ok).map(x=>x.error).slice(0,2),
    publishes: r.publishes.map((p) => new Date(p.at).toISOString().slice(0, 10)),
    changeRun: r.runs[3].changes, warn: r.runs[3].warnings, rot: r.runs[3].rotation, last: r.runs.at(-1)!.rotation }));
  t.cleanup();
}, 300000);
