// The benchmarks' command lines, as processes: help and usage errors answer without running the
// benchmark (no 18-second run for a typo), with the one parser's words and exit codes.
import { describe, expect, it } from "vitest";
import { EXIT } from "../../scripts/cli/exit-codes";
import { baseEnv, runTool } from "../support/cli-process";

describe.concurrent("npm run bench:exchange and bench:pwsh", () => {
  it.each(["bench:exchange", "bench:pwsh"] as const)(
    "%s --help prints its options and exit codes, and runs nothing",
    async (tool) => {
      const r = await runTool(tool, ["--help"]);
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toMatch(new RegExp(`^Usage: npm run ${tool} -- \\[options\\]\\n`));
      expect(r.stdout).toContain("--n <list>");
      expect(r.stdout).toMatch(/^ +64 +the command line is wrong/m);
      expect(r.stderr).toBe("");
      // Nothing after the help: its last line is the exit-code table's, no figure follows.
      expect(r.stdout.trimEnd().split("\n").pop()).toMatch(/^ +\d+ {2}\S/);
    },
  );

  it.each([
    ["bench:exchange", ["--nn", "5"], "unknown option --nn"],
    ["bench:exchange", ["--n", "0"], '--n takes positive integers, comma-separated, e.g. 1,10,100 (got "0")'],
    ["bench:exchange", ["--n"], "--n needs a value: <list>"],
    ["bench:exchange", ["--json"], "unknown option --json"],
    ["bench:pwsh", ["--repaet", "3"], "unknown option --repaet (did you mean --repeat?)"],
    ["bench:pwsh", ["--repeat", "x"], '--repeat takes a positive integer, e.g. 3 (got "x")'],
  ] as const)("%s %j is a usage error (exit 64): %s", async (tool, args, says) => {
    const r = await runTool(tool, args);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`Error: ${says}\n`);
  });
});

// Not concurrent with the above: a bench run would slow their "answers at once" down.
describe("bench:exchange's real-pwsh columns", () => {
  it("bench:exchange --help offers --no-real-pwsh", async () => {
    const r = await runTool("bench:exchange", ["--help"]);
    expect(r.stdout).toMatch(/^ +--no-real-pwsh +skip the real-pwsh columns/m);
  });

  it("bench:exchange without pwsh says the real-pwsh columns were not measured, and why, and still succeeds", async () => {
    const r = await runTool("bench:exchange", ["--n", "1"], {
      env: baseEnv({ EXO_TEST_PWSH: "/nonexistent/pwsh" }),
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain("| 1 | first apply | 1 |");
    expect(r.stdout).toMatch(
      /Real PowerShell \(.*\):\n {2}not measured: pwsh not found \(looked in EXO_TEST_PWSH\); install it: dotnet tool install --global PowerShell --version 7\.6\.9\./,
    );
  }, 150_000);
});
