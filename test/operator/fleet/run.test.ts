// `npm run fleet` with an injected runner (the pulumi CLI cannot run here): selection, progress,
// the summary table, exit codes, per-stack environment, cancel; the tools' outcomes; and the tool
// as a process for what needs no runner.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { changesText } from "../../../scripts/operator/fleet/automation";
import { stackEnvironment } from "../../../scripts/operator/fleet/environment";
import type { StackOutcome, StackRunner } from "../../../scripts/operator/fleet/orchestrate";
import { runFleetTool } from "../../../scripts/operator/fleet/run";
import { toolOutcome } from "../../../scripts/operator/fleet/tools";
import { runTool } from "../../support/cli-process";

vi.setConfig({ testTimeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), "exo-oauth-fleet-"));
for (const s of ["example", "demo", "contoso", "fabrikam", "tailspin", "woodgrove"])
  writeFileSync(join(dir, `Pulumi.${s}.yaml`), "config: {}\n");
writeFileSync(
  join(dir, "contoso.env"),
  "ARM_TENANT_ID=11111111-1111-4111-8111-111111111111\nARM_CLIENT_ID=contoso-deployer\n",
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fleet(
  argv: string[],
  outcome: (stack: string, env: Record<string, string>) => StackOutcome,
  signal?: AbortSignal,
) {
  let stdout = "";
  let stderr = "";
  const seen: { command: string; stack: string }[] = [];
  const code = await runFleetTool(
    argv,
    { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    {
      cwd: dir,
      ...(signal ? { signal } : {}),
      envFor: (envDir, stack) => stackEnvironment({ PATH: "/bin" }, envDir, stack),
      runner:
        (command, ctx): StackRunner =>
        async ({ stack, progress }) => {
          seen.push({ command, stack });
          progress(`${command} ${stack}: working`);
          return outcome(stack, ctx.envFor(stack));
        },
    },
  );
  return { code, stdout, stderr, seen };
}

describe("npm run fleet, with an injected runner", () => {
  it("runs the command for every deployable stack and prints the summary table (exit 0)", async () => {
    const r = await fleet(["up"], () => ({ result: "succeeded", changes: "1 replace" }));
    expect(r.code).toBe(0);
    expect(r.seen.map((s) => s.stack)).toEqual(["contoso", "fabrikam", "tailspin", "woodgrove"]);
    expect(r.stdout).toMatch(/\| stack +\| result +\| changes +\| duration +\| cause +\|/);
    expect(r.stdout).toMatch(/\| contoso +\| succeeded \| 1 replace +\|/);
    expect(r.stdout).toContain("4 stacks: 4 succeeded, 0 with changes, 0 failed, 0 cancelled");
    expect(r.stderr).toContain("up: 4 stacks, 4 at a time\n");
    expect(r.stderr).toContain("[fabrikam] started\n[fabrikam] up fabrikam: working\n");
  });

  it("isolates a failing tenant: the others succeed, the table names the cause, exit 1", async () => {
    const r = await fleet(["up", "--parallel", "2"], (stack) =>
      stack === "fabrikam"
        ? { result: "failed", cause: "Signed in to tenant a but exo-oauth:tenantId is b" }
        : { result: "succeeded" },
    );
    expect(r.code).toBe(1);
    expect(r.seen).toHaveLength(4);
    expect(r.stdout).toMatch(
      /\| fabrikam +\| failed +\| - +\| [\d.]+ ms +\| Signed in to tenant a but exo-oauth:tenantId is b +\|/,
    );
    expect(r.stdout).toContain("4 stacks: 3 succeeded, 0 with changes, 1 failed, 0 cancelled");
  });

  it("exits 2 when no stack failed and some have changes pending", async () => {
    const r = await fleet(["preview", "--json"], (stack) =>
      stack === "tailspin" ? { result: "changes", changes: "2 create" } : { result: "succeeded" },
    );
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      schema: "exo-oauth/fleet-preview@1",
      ok: true,
      exitCode: 2,
      command: "preview",
    });
    expect(doc.results[2]).toMatchObject({ stack: "tailspin", result: "changes", changes: "2 create" });
  });

  it("selects stacks with --stacks <glob>", async () => {
    const r = await fleet(["verify", "--stacks", "*o*"], () => ({ result: "succeeded" }));
    expect(r.seen).toEqual([
      { command: "verify", stack: "contoso" },
      { command: "verify", stack: "woodgrove" },
    ]);
  });

  it("gives each stack its own variables from --env-dir, and no other tenant's", async () => {
    const envs: Record<string, Record<string, string>> = {};
    await fleet(["refresh", "--env-dir", dir], (stack, env) => {
      envs[stack] = env;
      return { result: "succeeded" };
    });
    expect(envs.contoso).toEqual({
      PATH: "/bin",
      ARM_TENANT_ID: "11111111-1111-4111-8111-111111111111",
      ARM_CLIENT_ID: "contoso-deployer",
    });
    expect(envs.fabrikam).toEqual({ PATH: "/bin" });
  });

  it("after Ctrl-C marks the stacks it did not start as cancelled and exits 1", async () => {
    const controller = new AbortController();
    const r = await fleet(
      ["up", "--parallel", "1", "--json"],
      (stack) => {
        if (stack === "fabrikam") controller.abort();
        return { result: "succeeded" };
      },
      controller.signal,
    );
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.cancelled).toBe(true);
    expect(doc.results.map((x: { result: string }) => x.result)).toEqual([
      "succeeded",
      "succeeded",
      "cancelled",
      "cancelled",
    ]);
  });

  it("refuses a --stacks that matches nothing (exit 78), listing the stacks", async () => {
    const r = await fleet(["up", "--stacks", "nope*"], () => ({ result: "succeeded" }));
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(
      'No stack matches --stacks "nope*": the project\'s stacks are contoso, fabrikam, tailspin, woodgrove',
    );
  });

  it("refuses a --parallel out of range (exit 64)", async () => {
    const r = await fleet(["up", "--parallel", "0"], () => ({ result: "succeeded" }));
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--parallel "0" is not a whole number from 1 to 64');
  });
});

describe("a tool's run, as the fleet reads it", () => {
  it("is succeeded on exit 0, changes on exit 2 (plan's operations counted), failed with the document's message", () => {
    expect(toolOutcome(0, "{}", "")).toEqual({ result: "succeeded" });
    expect(toolOutcome(2, JSON.stringify({ operations: [{}, {}] }), "")).toEqual({
      result: "changes",
      changes: "2 operations",
    });
    expect(
      toolOutcome(1, JSON.stringify({ problems: ["The published client secret … expires"] }), ""),
    ).toEqual({
      result: "failed",
      cause: "The published client secret … expires",
    });
    expect(
      toolOutcome(78, JSON.stringify({ error: { message: "Reading the outputs: no stack\nsecond" } }), ""),
    ).toEqual({
      result: "failed",
      cause: "Reading the outputs: no stack",
    });
    expect(toolOutcome(null, "", "")).toEqual({ result: "failed", cause: "exit by signal" });
  });
});

describe("an Automation API change summary", () => {
  it("lists what changes, without same", () => {
    expect(changesText({ same: 9, create: 2, update: 1 })).toBe("2 create, 1 update");
    expect(changesText({ same: 9 })).toBeUndefined();
  });
});

describe("npm run fleet as a process", () => {
  it("lists its commands in --help", async () => {
    const r = await runTool("fleet", ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Usage: npm run fleet -- <preview\|up\|refresh\|plan\|verify\|check-expiry> \[options\]/,
    );
  });

  it("refuses an unknown command with the closest one (exit 64)", async () => {
    const r = await runTool("fleet", ["previw"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("did you mean preview?");
  });
});
