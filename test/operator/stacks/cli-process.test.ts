// `npm run stacks` as a pipeline runs it: a process in the project root.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { errorDocument } from "../../support/cli-documents";
import { runTool } from "../../support/cli-process";

vi.setConfig({ testTimeout: 60_000 });

const stacksDocument = z.strictObject({
  schema: z.literal("exo-oauth/stacks@1"),
  ok: z.literal(true),
  exitCode: z.literal(0),
  startedAt: z.string(),
  finishedAt: z.string(),
  stacks: z.array(z.string()),
  excluded: z.array(z.string()),
});

const dir = mkdtempSync(join(tmpdir(), "exo-oauth-stacks-"));
for (const f of [
  "Pulumi.yaml",
  "Pulumi.example.yaml",
  "Pulumi.demo.yaml",
  "Pulumi.contoso.yaml",
  "Pulumi.fabrikam.yaml",
])
  writeFileSync(join(dir, f), "config: {}\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent("npm run stacks", () => {
  it("prints one deployable stack a line", async () => {
    const r = await runTool("stacks", ["--dir", dir]);
    expect(r).toMatchObject({ code: 0, stdout: "contoso\nfabrikam\n", stderr: "" });
  });

  it("with --json prints the matrix's list in one document", async () => {
    const r = await runTool("stacks", ["--dir", dir, "--json"]);
    expect(r.code).toBe(0);
    const doc = stacksDocument.parse(JSON.parse(r.stdout));
    expect(doc.stacks).toEqual(["contoso", "fabrikam"]);
    expect(doc.excluded).toEqual(["example", "demo"]);
  });

  it("lists no stack in this repository, which has only the example and the demo", async () => {
    const r = await runTool("stacks", ["--json"]);
    expect(stacksDocument.parse(JSON.parse(r.stdout)).stacks).toEqual([]);
  });

  it("with --changed-files lists only the stacks whose settings changed", async () => {
    const changed = join(dir, "changed.txt");
    writeFileSync(changed, "README.md\nPulumi.fabrikam.yaml\n");
    const r = await runTool("stacks", ["--dir", dir, "--changed-files", changed, "--json"]);
    expect(stacksDocument.parse(JSON.parse(r.stdout)).stacks).toEqual(["fabrikam"]);
  });

  it("refuses a folder it cannot read (exit 78), naming it and the option", async () => {
    const r = await runTool("stacks", ["--dir", join(dir, "nope"), "--json"]);
    expect(r.code).toBe(78);
    const doc = errorDocument("exo-oauth/stacks@1").parse(JSON.parse(r.stdout));
    expect(doc.error.message).toContain("nope");
    expect(doc.error.message).toContain("--dir");
  });

  it("refuses a misspelt option with the right one (exit 64)", async () => {
    const r = await runTool("stacks", ["--jsno"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("did you mean --json?");
  });
});
