// npm run fleet as a process, on the fake pulumi CLI: check-expiry for several stacks, each the
// tool's own process; and Ctrl-C (SIGINT) in the middle: the running stack's process is stopped,
// no other stack starts, the summary says so, exit 1.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ROOT, runTool } from "../../support/cli-process";
import { fakeProject, type FakeProject } from "../../support/fake-stack";

vi.setConfig({ testTimeout: 180_000 });

const DAY = 86_400_000;
const STACKS = ["alpha", "bravo", "charlie", "delta"];
let project: FakeProject;

beforeAll(() => {
  project = fakeProject();
  for (const s of STACKS) {
    writeFileSync(join(project.home, `Pulumi.${s}.yaml`), JSON.stringify({ config: {} }));
    project.deploy(s, {
      clientId: "4e75f337-eace-4f8e-9e62-7c45b2a73c23",
      clientSecretKeyId: "0b3f4b3e-9f1c-4c65-9a1e-2f1d7e0c5a11",
      clientSecretExpiresAt: new Date(Date.now() + (s === "charlie" ? 5 : 90) * DAY).toISOString(),
      nextRotationAt: new Date(Date.now() + 10 * DAY).toISOString(),
    });
  }
});
afterAll(() => project.cleanup());

describe("npm run fleet as a process", () => {
  it("runs check-expiry for every stack, isolates the failing one and prints the table", async () => {
    // --outputs-only is check-expiry's; the fleet passes --stack and --json: the live read is skipped
    // because no ARM_* sign-in is set here (a note, not a failure).
    const r = await runTool("fleet", ["check-expiry", "--dir", project.home, "--parallel", "4", "--json"], {
      env: project.env({ ARM_USE_CLI: "false" }),
      timeoutMs: 170_000,
    });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.results.map((x: { stack: string; result: string }) => [x.stack, x.result])).toEqual([
      ["alpha", "succeeded"],
      ["bravo", "succeeded"],
      ["charlie", "failed"],
      ["delta", "succeeded"],
    ]);
    expect(doc.results[2].cause).toMatch(/expires at .*, in 5 days: fewer than --min-days 30/);
    expect(r.stderr).toContain("[charlie] started");
  });

  it("on SIGINT stops the running stack, starts no other, and exits 1 with the summary", async () => {
    // node with tsx's loader, not tsx's CLI: the CLI relays a signal to its child and SIGKILLs it when
    // the child does not acknowledge within 30 ms, which a loaded test machine can miss; a terminal's
    // Ctrl-C reaches the fleet's process (and every pulumi process) directly anyway.
    const child = spawn(
      process.execPath,
      [
        "--import",
        pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href,
        "scripts/operator/fleet/cli.ts",
        "check-expiry",
        "--dir",
        project.home,
        "--parallel",
        "1",
      ],
      {
        cwd: ROOT,
        env: project.env({ ARM_USE_CLI: "false" }) as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (stderr.includes("[alpha] started") && !child.killed) child.kill("SIGINT");
    });
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(code).toBe(1);
    expect(stderr).toContain("Cancelling: no stack starts any more");
    expect(stderr).not.toContain("[bravo] started");
    expect(stdout).toMatch(/\| alpha +\| cancelled \|/);
    expect(stdout).toMatch(/\| delta +\| cancelled \| - +\| - +\| not started \(Ctrl-C\)/);
    expect(stdout).toContain("4 stacks: 0 succeeded, 0 with changes, 0 failed, 4 cancelled");
  });
});
