// The guard against the fake pulumi CLI (the stack's outputs) and the offline tenant (the
// application's live secrets, through the offline Graph front), in process; and as a process.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { runPulumi } from "../../../scripts/cli/pulumi";
import { runCheckExpiry } from "../../../scripts/operator/check-expiry/run";
import { GraphTenant } from "../../../scripts/offline-tenant/graph/tenant";
import { offlineGraphTransport } from "../../../scripts/offline-tenant/graph/rest";
import { errorDocument } from "../../support/cli-documents";
import { runTool } from "../../support/cli-process";
import { fakeProject, type FakeProject } from "../../support/fake-stack";
import { createTestTenant, type TestTenant } from "../../support/verify-tenant";

vi.setConfig({ testTimeout: 60_000 });

const DAY = 86_400_000;
const document = z.strictObject({
  schema: z.literal("exo-oauth/check-expiry@1"),
  ok: z.boolean(),
  exitCode: z.union([z.literal(0), z.literal(1)]),
  startedAt: z.string(),
  finishedAt: z.string(),
  stack: z.string().nullable(),
  clientId: z.string(),
  clientSecretKeyId: z.string(),
  expiresAt: z.string(),
  daysLeft: z.number(),
  minDays: z.number(),
  nextRotationAt: z.string(),
  overdueDays: z.number(),
  live: z.union([
    z.strictObject({ status: z.literal("read"), keyIds: z.array(z.string()) }),
    z.strictObject({ status: z.enum(["no-application", "not-read"]) }),
    z.strictObject({ status: z.literal("unavailable"), reason: z.string() }),
  ]),
  problems: z.array(z.string()),
  notes: z.array(z.string()),
});

let tenant: TestTenant;
let project: FakeProject;
const secretEnd = new Date(Date.now() + 60 * DAY);

beforeAll(() => {
  tenant = createTestTenant({ secretEndDate: secretEnd });
  project = fakeProject();
  const outputs = {
    tenantId: tenant.tenantId,
    clientId: tenant.app.application.clientId,
    clientSecret: tenant.secret,
    clientSecretKeyId: tenant.app.secretKeyId!,
    clientSecretExpiresAt: secretEnd.toISOString(),
    nextRotationAt: new Date(Date.now() + 20 * DAY).toISOString(),
  };
  project.deploy("contoso", outputs);
  project.deploy("gone", { ...outputs, clientSecretKeyId: "5f0e7a43-1d8e-4a8b-9d7e-000000000000" });
  project.deploy("overdue", { ...outputs, nextRotationAt: new Date(Date.now() - 10 * DAY).toISOString() });
});
afterAll(() => {
  tenant.cleanup();
  project.cleanup();
});

async function check(argv: string[], permissions?: string[]) {
  let stdout = "";
  let stderr = "";
  const graph = new GraphTenant({
    statePath: tenant.statePath,
    ...(permissions ? { signedInPermissions: permissions } : {}),
  });
  const code = await runCheckExpiry(
    argv,
    { env: project.env(), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    { runPulumi, graph: () => offlineGraphTransport(graph), sleep: async () => undefined },
  );
  return { code, stdout, stderr };
}

describe("npm run check-expiry, on the fake pulumi CLI and the offline tenant", () => {
  it("passes a published secret that is in the tenant with 60 days left (--min-days 30)", async () => {
    const r = await check(["--stack", "contoso", "--json"]);
    expect(r.code).toBe(0);
    const doc = document.parse(JSON.parse(r.stdout));
    expect(doc.live).toEqual({ status: "read", keyIds: [tenant.app.secretKeyId] });
    expect(Math.round(doc.daysLeft)).toBe(60);
    expect(doc.problems).toEqual([]);
  });

  it("fails when --min-days asks for more than the secret has left", async () => {
    const r = await check(["--stack", "contoso", "--min-days", "90"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL contoso \| application /);
    expect(r.stderr).toMatch(/^Error: The published client secret .* fewer than --min-days 90/);
  });

  it("fails when the published secret is not in the tenant", async () => {
    const r = await check(["--stack", "gone", "--json"]);
    expect(r.code).toBe(1);
    const doc = document.parse(JSON.parse(r.stdout));
    expect(doc.problems).toHaveLength(1);
    expect(doc.problems[0]).toContain("is not in the tenant: Entra lists 1 other secret");
    expect(doc.problems[0]).toContain("pulumi up --refresh --stack gone");
  });

  it("fails when the rotation is overdue: the schedule stopped", async () => {
    const r = await check(["--stack", "overdue", "--json"]);
    expect(r.code).toBe(1);
    expect(document.parse(JSON.parse(r.stdout)).problems[0]).toContain("The rotation is overdue");
  });

  it("notes, and does not fail on, a live read the deploying identity is not allowed", async () => {
    const r = await check(["--stack", "contoso", "--json"], ["Application.ReadWrite.OwnedBy"]);
    expect(r.code).toBe(0);
    const doc = document.parse(JSON.parse(r.stdout));
    expect(doc.live.status).toBe("unavailable");
    expect(doc.notes[0]).toContain("Application.Read.All");
  });

  it("fails when the application is gone from the tenant", async () => {
    const saved = tenant.update((s) => s.entra.applications.splice(0));
    try {
      const r = await check(["--stack", "contoso", "--json"]);
      expect(r.code).toBe(1);
      expect(document.parse(JSON.parse(r.stdout)).problems[0]).toMatch(
        /^Application .* is not in the tenant/,
      );
    } finally {
      tenant.update((s) => s.entra.applications.push(...saved));
    }
  });

  it("refuses a stack pulumi does not know (exit 78), quoting the CLI and saying what to do", async () => {
    const r = await check(["--stack", "nope", "--json"]);
    expect(r.code).toBe(78);
    const doc = errorDocument("exo-oauth/check-expiry@1").parse(JSON.parse(r.stdout));
    expect(doc.error.message).toContain("no stack named 'nope' found");
    expect(doc.error.message).toContain("Check the stack's name");
  });

  it("refuses a --min-days that is not a whole number (exit 64)", async () => {
    const r = await check(["--min-days", "ten"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--min-days "ten" is not a whole number of days');
  });
});

describe("npm run check-expiry as a process", () => {
  it("reads the stack's outputs through the pulumi CLI, never asking for secrets", async () => {
    const r = await runTool("check-expiry", ["--stack", "contoso", "--outputs-only", "--json"], {
      env: project.env(),
    });
    expect(r.code).toBe(0);
    const doc = document.parse(JSON.parse(r.stdout));
    expect(doc.live).toEqual({ status: "not-read" });
    expect(r.stdout + r.stderr).not.toContain(tenant.secret);
  });
});
