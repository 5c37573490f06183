// The driver's usage: asked for, it is the answer (exit 0); an unknown command gets it on stderr (exit 1).
import { describe, expect, it } from "vitest";
import { runDriver } from "../../scripts/exchange/cli";

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
});
