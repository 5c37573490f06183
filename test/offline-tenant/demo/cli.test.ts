// The demo's and serve's command lines, through the CLI kit (scripts/cli/): as processes, help and
// usage errors answer at once with the kit's words and exit codes (64, not the old 2), --json prints
// exactly one document (error ones included), Ctrl-C still stops everything and exits 130; and the
// story's text takes colour and symbols from the kit's Terminal (ASCII in a pipe).
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { EXIT, SIGNAL_EXIT } from "../../../scripts/cli/exit-codes";
import { PLAIN, type Terminal } from "../../../scripts/cli/terminal";
import type { ToolIO } from "../../../scripts/cli/run";
import { runOfflineTenant } from "../../../scripts/offline-tenant/cli";
import { lastStep, runDemo } from "../../../scripts/offline-tenant/demo/cli";
import type { StepReport, VerifyItem } from "../../../scripts/offline-tenant/demo/items";
import { renderItem, stepFooter } from "../../../scripts/offline-tenant/demo/render";
import { DEMO_SCHEMA } from "../../../scripts/offline-tenant/demo/run";
import { loadDemoStack } from "../../../scripts/offline-tenant/demo/stack";
import { SERVE_SCHEMA } from "../../../scripts/offline-tenant/serve/connection";
import { demoDocument, errorDocument, oneDocument, timesInOrder } from "../../support/cli-documents";
import { ANSI, baseEnv, ROOT, runTool } from "../../support/cli-process";

vi.setConfig({ testTimeout: 180_000 });

const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

describe("npm run demo -- --step", () => {
  it("defaults to every step, and takes a step number from 1 to 5", () => {
    expect(lastStep(undefined)).toBe(5);
    expect(lastStep("1")).toBe(1);
    expect(lastStep("5")).toBe(5);
  });

  it.each(["0", "6", "two", "2.5", "-1", " 3"])("refuses %j, naming --step and the range", (v) => {
    expect(() => lastStep(v)).toThrow(`--step takes a step number from 1 to 5 (got "${v}")`);
  });
});

/** Runs a tool in this process on collected streams (usage errors only: nothing starts). */
async function inProcess(
  run: (argv: string[], io: ToolIO) => Promise<number>,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
const never = new Promise<never>(() => {});
const demo = (argv: string[], io: ToolIO) => runDemo(argv, io, { stopped: never, progress: false });
const offlineTenant = (argv: string[], io: ToolIO) => runOfflineTenant(argv, io, never);

describe("npm run demo's and offline-tenant's command lines, in process", () => {
  it.each([
    ["demo", ["--step", "9"], '--step takes a step number from 1 to 5 (got "9")'],
    ["demo", ["--step"], "--step needs a value: <n>"],
    ["demo", ["extra"], 'unexpected argument "extra": options start with --'],
    ["offline-tenant", ["serv"], 'unknown command "serv" (did you mean serve?); the commands are serve'],
    ["offline-tenant", [], "a command is needed: serve"],
  ] as const)("%s %j is a usage error (exit 64), before anything starts: %s", async (tool, args, says) => {
    const r = await inProcess(tool === "demo" ? demo : offlineTenant, [...args]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe("");
    const [error, usage] = r.stderr.split("\n");
    expect(error).toBe(`Error: ${says}`);
    expect(usage).toMatch(new RegExp(`^Usage: npm run ${tool} -- `));
  });
});

describe.concurrent("npm run demo and npm run offline-tenant as processes: help and usage errors", () => {
  it("demo --help lists the options, the story's steps and the exit codes, exit 0, and runs nothing", async () => {
    const r = await runTool("demo", ["--help"], { timeoutMs: 170_000 });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^Usage: npm run demo -- \[options\]\n/);
    expect(r.stdout).toContain("--step <n>");
    expect(r.stdout).toContain("5. pulumi destroy");
    expect(r.stdout).toMatch(/^ +64 +the command line is wrong/m);
    expect(r.stdout).toContain("exits 130 or 143");
    expect(r.stderr).toBe("");
  });

  it("offline-tenant serve --help prints serve's details, exit 0", async () => {
    const r = await runTool("offline-tenant", ["serve", "--help"], { timeoutMs: 170_000 });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^Usage: npm run offline-tenant -- serve \[options\]\n/);
    expect(r.stdout).toContain("(never the secret)");
    expect(r.stdout).toMatch(/^ +64 +the command line is wrong/m);
  });

  it.each([
    ["demo", ["--stepp", "2"], "unknown option --stepp (did you mean --step?)"],
    ["offline-tenant", ["serve", "--jsn"], "unknown option --jsn (did you mean --json?)"],
  ] as const)("%s %j is a usage error (exit 64) with did-you-mean: %s", async (tool, args, says) => {
    const r = await runTool(tool, args, { timeoutMs: 170_000 });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`Error: ${says}\n`);
    expect(r.stderr).toContain(`Run \`npm run ${tool} --`);
    expect(r.stderr).not.toContain("Starting a simulated tenant");
  });

  it.each([
    ["demo", ["--json", "--steps", "2"], DEMO_SCHEMA, "unknown option --steps (did you mean --step?)"],
    [
      "offline-tenant",
      ["serve", "--json", "--jsno"],
      SERVE_SCHEMA,
      "unknown option --jsno (did you mean --json?)",
    ],
  ] as const)("%s %j prints ONE error document (exit 64)", async (tool, args, schema, says) => {
    const before = Date.now();
    const r = await runTool(tool, args, { timeoutMs: 170_000 });
    const after = Date.now();
    expect(r.code).toBe(EXIT.usage);
    const doc = errorDocument(schema).parse(oneDocument(r.stdout));
    expect(doc).toMatchObject({ exitCode: 64, error: { kind: "usage", message: says, problems: [says] } });
    expect(timesInOrder(doc, before, after)).toBe(true);
    expect(r.stderr).toBe("");
  });
});

describe("npm run demo as a process: the story", () => {
  it("--json --step 1 prints exactly ONE demo@2 document with the first step, exit 0", async () => {
    const before = Date.now();
    const r = await runTool("demo", ["--json", "--step", "1"], { timeoutMs: 170_000 });
    const after = Date.now();
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const doc = demoDocument.parse(oneDocument(r.stdout));
    expect(doc).toMatchObject({ schema: DEMO_SCHEMA, ok: true, exitCode: 0, simulated: true });
    expect(doc.steps.map((s) => [s.n, s.id, s.ok])).toEqual([[1, "deploy", true]]);
    expect(doc.interrupted).toBeUndefined();
    expect(timesInOrder(doc, before, after)).toBe(true);
  }, 180_000);

  it("Ctrl-C (SIGINT) during step 1 stops the services, removes its files and exits 130", async () => {
    // Its own TMPDIR, traversable by Dovecot's unprivileged processes, so leftovers can be listed.
    const tmp = mkdtempSync(join(tmpdir(), "demo-sigint-"));
    chmodSync(tmp, 0o755);
    try {
      // The demo's own process (node with tsx's loader): the signal goes to it, as Ctrl-C does.
      const child = spawn(
        process.execPath,
        ["--import", TSX_LOADER, "scripts/offline-tenant/demo/cli.ts", "--step", "2"],
        { cwd: ROOT, env: baseEnv({ TMPDIR: tmp }) as NodeJS.ProcessEnv },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
      for (let i = 0; i < 1200 && !stdout.includes("[1/5]") && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(stdout, stderr).toContain("[1/5]");
      child.kill("SIGINT");
      expect(await exited).toBe(SIGNAL_EXIT.SIGINT);
      expect(stderr).toContain("SIGINT: stopping the simulated tenant's services...");
      expect(stdout).toContain("The tenant was simulated and is gone");
      expect(stdout).not.toContain("[2/5]");
      expect(readdirSync(tmp).filter((n) => n.startsWith("exo-oauth-"))).toEqual([]);
    } finally {
      // A child the signal stopped may still be flushing tsx's cache under tmp: retry, as rm -rf would.
      rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  }, 180_000);
});

describe("the story's text on the kit's Terminal", () => {
  const COLOUR_UTF8: Terminal = { color: true, unicode: true };
  const report = (ok: boolean): StepReport => ({
    n: 2,
    id: "x",
    title: "X",
    at: "2026-01-01T00:00:00Z",
    ok,
    wallMs: 1500,
    items: [{ type: "check", text: "held", ok }],
  });
  const verify: VerifyItem = {
    type: "verify",
    label: "the published secret",
    at: "2026-01-01T00:00:00Z",
    exitCode: 1,
    token: {
      ok: true,
      claims: { tid: "t", appid: "a", oid: "o", roles: ["IMAP.AccessAsApp"], expiresAt: "e" },
    },
    logins: [
      { mailbox: "a@x.example", protocol: "imap", result: "pass" },
      { mailbox: "a@x.example", protocol: "pop", result: "fail", cause: { id: "c", summary: "no role" } },
      { mailbox: "a@x.example", protocol: "smtp", result: "pass" },
      { mailbox: "b@x.example", protocol: "pop", result: "pass" },
      { mailbox: "b@x.example", protocol: "smtp", result: "skipped", cause: { id: "s", summary: "no peer" } },
    ],
  };

  it("marks in colour and Unicode on a terminal that shows them", () => {
    expect(stepFooter(COLOUR_UTF8, report(true))).toBe("  \x1b[32m✓\x1b[39m step 2: 1 checks held, 1.5 s");
    expect(stepFooter(COLOUR_UTF8, report(false))).toBe(
      "  \x1b[31m✗\x1b[39m step 2: 1 of 1 checks failed, 1.5 s",
    );
  });

  it("plain ASCII in a pipe, the verify table keeping its columns", () => {
    expect(stepFooter(PLAIN, report(false))).toBe("  FAIL step 2: 1 of 1 checks failed, 1.5 s");
    const lines = renderItem(PLAIN, verify);
    expect(lines.join("\n")).not.toMatch(ANSI);
    expect(lines.join("\n")).toMatch(/^[\x20-\x7e\n]*$/);
    expect(lines.slice(3, 5)).toEqual([
      "      a@x.example  IMAP ok    POP FAIL  SMTP ok",
      "      b@x.example             POP ok    SMTP -",
    ]);
    expect(renderItem({ color: false, unicode: true }, verify).slice(3, 5)).toEqual([
      "      a@x.example  IMAP ✓  POP ✗  SMTP ✓",
      "      b@x.example          POP ✓  SMTP —",
    ]);
  });
});

describe("Pulumi.demo.yaml", () => {
  it("is a valid stack for the program, with three mailboxes, every protocol, one SendAs, accessToken and the simulator", () => {
    const { config } = loadDemoStack();
    expect(config.mailboxes).toHaveLength(3);
    expect(config.protocols).toEqual(["imap", "pop", "smtp"]);
    expect(config.mailboxes.filter((m) => m.sendAs)).toHaveLength(1);
    expect(config.exchange).toMatchObject({
      connection: "accessToken",
      accessTokenEnv: "EXO_ADMIN_TOKEN",
      pwsh: "scripts/offline-tenant/exchange/fake-pwsh",
    });
    // Obviously offline: the reserved .example domain for mailboxes.
    expect(config.mailboxes.every((m) => m.address.endsWith(".example"))).toBe(true);
  });
});
