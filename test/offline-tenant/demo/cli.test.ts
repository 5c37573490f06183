// The demo's and serve's command lines: parsing (one parseArgs call each), the usage and its exit
// code as a process, and colour only where a terminal supports it.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { colourFor, envelope, NO_COLOUR } from "../../../scripts/offline-tenant/demo/cli-support";
import { parseDemoArgs } from "../../../scripts/offline-tenant/demo/cli";
import { parseOfflineTenantArgs } from "../../../scripts/offline-tenant/cli";
import { loadDemoStack } from "../../../scripts/offline-tenant/demo/stack";

const ROOT = resolve(__dirname, "../../..");
const TSX = resolve(ROOT, "node_modules/tsx/dist/loader.mjs");

describe("npm run demo's arguments", () => {
  it("defaults to every step as text", () => {
    expect(parseDemoArgs([])).toEqual({ json: false, upTo: 5, help: false });
  });

  it("takes --json and --step <n> (steps 1 to n)", () => {
    expect(parseDemoArgs(["--json", "--step", "3"])).toEqual({ json: true, upTo: 3, help: false });
    expect(parseDemoArgs(["--step=1"]).upTo).toBe(1);
  });

  it.each([
    [["--step", "0"], "--step 0: expected a step number from 1 to 5"],
    [["--step", "6"], "--step 6: expected a step number from 1 to 5"],
    [["--step", "two"], "--step two: expected a step number from 1 to 5"],
    [["--steps", "2"], "--steps"],
    [["extra"], "extra"],
  ])("refuses %j naming it", (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });
});

describe("npm run offline-tenant's arguments", () => {
  it("serve, with or without --json", () => {
    expect(parseOfflineTenantArgs(["serve"])).toEqual({ command: "serve", json: false });
    expect(parseOfflineTenantArgs(["serve", "--json"])).toEqual({ command: "serve", json: true });
  });

  it("refuses a missing or unknown command, naming what is allowed", () => {
    expect(() => parseOfflineTenantArgs([])).toThrow("Missing command: expected serve");
    expect(() => parseOfflineTenantArgs(["start"])).toThrow("Unknown command 'start': expected serve");
  });
});

describe("the demo as a process", () => {
  const run = (args: string[]) =>
    spawnSync(
      process.execPath,
      ["--import", `file://${TSX}`, "scripts/offline-tenant/demo/cli.ts", ...args],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );

  it("--help prints the usage and the steps, exit 0", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: npm run demo");
    expect(r.stdout).toContain("5. pulumi destroy");
  });

  it("a bad option exits 2 with the problem and the usage, before anything starts", () => {
    const r = run(["--step", "9"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^--step 9: expected a step number from 1 to 5\n\nUsage:/);
    expect(r.stdout).toBe("");
  });
});

describe("colour", () => {
  const tty = (depth: number) =>
    ({ isTTY: true, getColorDepth: () => depth }) as unknown as NodeJS.WriteStream;

  it("only on a terminal with colours, and never with NO_COLOR set", () => {
    expect(colourFor(tty(8), {}).green("x")).toBe("\x1b[32mx\x1b[39m");
    expect(colourFor(tty(8), { NO_COLOR: "1" })).toBe(NO_COLOUR);
    expect(colourFor(tty(1), {})).toBe(NO_COLOUR);
    expect(colourFor({ isTTY: false } as unknown as NodeJS.WriteStream, {})).toBe(NO_COLOUR);
  });

  it("an empty NO_COLOR does not turn it off (no-color.org)", () => {
    expect(colourFor(tty(8), { NO_COLOR: "" }).red("x")).toBe("\x1b[31mx\x1b[39m");
  });
});

describe("the JSON envelope", () => {
  it("leads with schema, ok, startedAt and finishedAt", () => {
    const e = envelope("s@1", true, new Date(0), new Date(1000), { steps: [] });
    expect(Object.keys(e)).toEqual(["schema", "ok", "startedAt", "finishedAt", "steps"]);
    expect(e.finishedAt).toBe("1970-01-01T00:00:01.000Z");
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
