// The driver's usage: asked for, it is the answer (exit 0); an unknown command gets it on stderr (exit 1).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDriver } from "../../scripts/exchange-driver/cli";

async function drive(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const r = await runDriver(argv, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code: r.code, stdout, stderr };
}

describe("the Exchange driver's usage", () => {
  it.each(["--help", "-h", "help"])("prints the usage on stdout and exits 0 for %s", async (flag) => {
    const r = await drive([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: .*<apply\|remove\|plan\|runbook>/);
    expect(r.stderr).toBe("");
  });

  it("names an unknown command and exits 1 with the usage on stderr", async () => {
    const r = await drive(["aply"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/unknown command "aply"\nusage:/);
  });

  it("names --record and its file when the record cannot be read, or is not a record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "exo-record-"));
    const missing = join(dir, "missing.json");
    const notRecord = join(dir, "outputs.json");
    writeFileSync(notRecord, '{"clientId": "x"}');
    for (const [file, says] of [
      [missing, /^Error: Reading the record from --record .*missing\.json: ENOENT/],
      [notRecord, /^Error: Reading the previous record from --record .*outputs\.json: no line is a /],
    ] as const) {
      const r = await drive(["runbook", "--record", file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toContain("PULUMI_COMMAND_STDOUT");
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
