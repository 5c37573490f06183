// runTool's documentNow (scripts/cli/run.ts): a command that answers, then runs on (offline-tenant
// serve), prints its ONE document at once, on one line, and none when it ends — not even when it
// fails afterwards (the failure then goes to stderr); without --json it prints nothing.
import { describe, expect, it } from "vitest";
import type { ToolSpec } from "../../scripts/cli/args";
import { schemaName } from "../../scripts/cli/json";
import { runTool, type ToolIO } from "../../scripts/cli/run";

const SPEC: ToolSpec = {
  invocation: "npm run x --",
  summary: "X.",
  options: { json: { type: "boolean", description: "JSON" } },
  exitCodes: ["ok", "error", "usage"],
};
const TOOL = { spec: SPEC, schema: () => schemaName("x-ready", 1) };

function collect(): ToolIO & { out: string[]; err: string } {
  const io = {
    env: {},
    out: [] as string[],
    err: "",
    stdout: (t: string) => void io.out.push(t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

describe("documentNow", () => {
  it("prints the document at once, on ONE line with exit code 0, and none at the end", async () => {
    const io = collect();
    let printedBeforeEnd = 0;
    const code = await runTool(TOOL, ["--json"], io, async (inv) => {
      inv.documentNow({ url: "https://127.0.0.1:1" });
      printedBeforeEnd = io.out.length;
      return { exitCode: 0, body: { ignored: true } };
    });
    expect(code).toBe(0);
    expect(printedBeforeEnd).toBe(1);
    expect(io.out).toHaveLength(1);
    expect(io.out[0]).toMatch(/^\{[^\n]*\}\n$/);
    expect(JSON.parse(io.out[0])).toMatchObject({
      schema: "exo-oauth/x-ready@1",
      ok: true,
      exitCode: 0,
      url: "https://127.0.0.1:1",
    });
  });

  it("keeps stdout at ONE document when the command fails after it: the error goes to stderr", async () => {
    const io = collect();
    const code = await runTool(TOOL, ["--json"], io, async (inv) => {
      inv.documentNow({ url: "u" });
      throw new Error("the servers did not stop");
    });
    expect(code).toBe(1);
    expect(io.out).toHaveLength(1);
    expect(io.err).toBe("Error: the servers did not stop\n");
  });

  it("prints nothing without --json (the command prints its text itself)", async () => {
    const io = collect();
    const code = await runTool(TOOL, [], io, async (inv) => {
      inv.documentNow({ url: "u" });
      return { exitCode: 0 };
    });
    expect(code).toBe(0);
    expect(io.out).toEqual([]);
  });
});
