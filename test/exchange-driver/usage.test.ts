// `npm run exchange` as a user runs it, each case a process: help per command, both option forms,
// did-you-mean, the one exit-code table, one JSON document under --json whatever happens, and
// values from outside the tool printed escaped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DRIVER_ENV, environmentTable } from "../../components/exchange-step/environment";
import { formatRecord } from "../../components/exchange-step/record";
import { EXIT } from "../../scripts/cli/exit-codes";
import { simDriverEnv } from "../../scripts/offline-tenant/harness/sim-tenant";
import { updateState } from "../../scripts/offline-tenant/state";
import {
  errorDocument,
  helpDocument,
  oneDocument,
  planDocument,
  recordDocument,
  runbookDocument,
  timesInOrder,
} from "../support/cli-documents";
import { ANSI, RAW_CONTROL, baseEnv, runNpm, runTool } from "../support/cli-process";
import { APP, newSimTenant, settingsFor } from "../support/driver-run";

vi.setConfig({ testTimeout: 120_000 });

const A = "a@contoso.com";
const B = "b@contoso.com";
const dir = mkdtempSync(join(tmpdir(), "exo-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exchange = (args: string[], env: Record<string, string | undefined> = {}) =>
  runTool("exchange", args, { env: baseEnv({ EXO_OAUTH_RETRY_BASE_MS: "5", ...env }) });

/** A record file naming A and B as ours (for runbook: no connection needed). */
function recordFile(): string {
  const file = join(dir, `record-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    formatRecord({
      appId: APP.clientId,
      servicePrincipal: { objectId: APP.spObjectId, sid: "S-1-5-21-1-2-3-4", displayName: APP.displayName },
      mailboxes: [
        { address: A, fullAccess: true, sendAs: false },
        { address: B, fullAccess: true, sendAs: true },
      ],
    }),
  );
  return file;
}

/** The desired state for A only, as the Command's environment carries it. */
const desiredEnv = () =>
  simDriverEnv({ settings: settingsFor([A]), statePath: "/nonexistent", statsPath: "" });

describe.concurrent("npm run exchange: help", () => {
  it.each([
    ["plan", "--help"],
    ["help", "plan"],
    ["plan", "-h"],
  ])(
    "`%s %s` prints plan's help on stdout, with the environment contract and the exit codes, and exits 0",
    async (...args) => {
      const r = await exchange(args);
      expect(r.code).toBe(EXIT.ok);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Usage: npm run exchange -- plan \[options\]\n/);
      for (const option of ["--stack <name>", "--record <file>", "--json", "-h, --help"])
        expect(r.stdout).toContain(option);
      // The contract's every variable, from components/exchange-step/environment.ts, not a source file's name.
      for (const v of environmentTable()) expect(r.stdout).toContain(v.name);
      expect(r.stdout).toMatch(/^ +2 +success with changes pending \(plan: drift found\)$/m);
      expect(r.stdout).toMatch(/^ +64 +the command line is wrong/m);
      expect(r.stdout).toMatch(/^ +78 +an input is missing or invalid/m);
    },
  );

  it("the package.json script is the same tool: `npm run exchange -- --help` lists the four commands", async () => {
    const r = await runNpm("exchange", ["--help"]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^Usage: npm run exchange -- <apply\|remove\|plan\|runbook> \[options\]/);
    for (const c of ["apply", "remove", "plan", "runbook"])
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    expect(r.stdout).toContain("npm run exchange -- help <command>");
  });

  it("`--help --json` is one JSON document holding the help", async () => {
    const r = await exchange(["runbook", "--help", "--json"]);
    expect(r.code).toBe(EXIT.ok);
    const doc = helpDocument.parse(oneDocument(r.stdout));
    expect(doc.usage).toMatch(/^Usage: npm run exchange -- runbook/);
  });
});

describe.concurrent("npm run exchange: the command line", () => {
  it("takes --record <file> and --record=<file> alike", async () => {
    const file = recordFile();
    const spaced = await exchange(["runbook", "--record", file], desiredEnv());
    const joined = await exchange(["runbook", `--record=${file}`], desiredEnv());
    expect([spaced.code, joined.code]).toEqual([EXIT.ok, EXIT.ok]);
    expect(joined.stdout).toBe(spaced.stdout);
    // The record lists B, the config no longer does: the runbook revokes it.
    expect(spaced.stdout).toContain(`$mailbox = '${B}'`);
  });

  it.each([
    [["plan", "--recrod", "x.json"], "unknown option --recrod (did you mean --record?)"],
    [["plan", "--recrod=x.json"], "unknown option --recrod (did you mean --record?)"],
    [
      ["aply"],
      'unknown command "aply" (did you mean apply?); the commands are apply, remove, plan or runbook',
    ],
    [
      ["help", "pln"],
      'unknown command "pln" (did you mean plan?); the commands are apply, remove, plan or runbook',
    ],
    [["plan", "--record"], "--record needs a value: <file>"],
    [["plan", "--record", "--json"], "--record needs a value: <file>"],
    [["plan", "--json=yes"], "--json takes no value"],
    [["plan", "record.json"], 'unexpected argument "record.json": options start with --'],
    [["plan", "--stack", "a", "--stack", "b"], '--stack is given twice ("a" and "b"): give it once'],
    [[], "a command is needed: apply, remove, plan or runbook"],
  ])("%j is a usage error (exit 64) saying: %s", async (args, says) => {
    const r = await exchange(args);
    expect(r.code).toBe(EXIT.usage);
    if (args.includes("--json")) {
      const doc = errorDocument("exo-oauth/exchange-plan@2").parse(oneDocument(r.stdout));
      expect(doc.error.problems).toContain(says);
      return;
    }
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`Error: ${says}\n`);
    expect(r.stderr).toMatch(
      /\nUsage: npm run exchange -- .*\nRun `npm run exchange -- .*--help` for more\.\n$/,
    );
  });

  it("never echoes what follows a misspelt option (it may be a secret)", async () => {
    const r = await exchange(["apply", "--certifcate", "MIIKsecret-value-0123456789"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain("unknown option --certifcate");
    expect(r.stdout + r.stderr).not.toContain("MIIKsecret");
  });

  it("reports a missing or broken input (environment, record file) as exit 78, naming the variable", async () => {
    const empty = await exchange(["plan"]);
    expect(empty.code).toBe(EXIT.input);
    expect(empty.stderr).toMatch(/^Error: The Exchange driver's environment is incomplete/);
    expect(empty.stderr).toContain(
      `\n  ${DRIVER_ENV.appId}: missing: expected the mail application's (client) id`,
    );
    expect(empty.stderr).toContain("use --stack <name>");
    const missing = await exchange(["runbook", "--record", join(dir, "missing.json")], desiredEnv());
    expect(missing.code).toBe(EXIT.input);
    expect(missing.stderr).toMatch(/Error: Reading the record from --record .*missing\.json: ENOENT/);
  });
});

describe.concurrent("npm run exchange --json: one document on stdout, success or failure", () => {
  it("plan in sync and with drift: exo-oauth/exchange-plan@2, exit 0 then 2", async () => {
    const t = newSimTenant([A, B]);
    const env = (previousStdout?: string) =>
      simDriverEnv({
        settings: settingsFor([A, B]),
        statePath: t.statePath,
        statsPath: t.statsPath,
        previousStdout,
      });
    const applied = await exchange(["apply"], env());
    expect(applied.code).toBe(EXIT.ok);
    const before = Date.now();
    const inSync = await exchange(["plan", "--json"], env(applied.stdout));
    expect(inSync.code).toBe(EXIT.ok);
    const doc = planDocument.parse(oneDocument(inSync.stdout));
    expect(doc).toMatchObject({ ok: true, exitCode: 0, inSync: true, operations: [] });
    expect(timesInOrder(doc, before - 1, Date.now() + 1)).toBe(true);
    updateState(t.statePath, (s) => {
      const mb = s.exchange.mailboxes.find((m) => m.address === B)!;
      mb.permissions = [];
    });
    const drift = await exchange(["plan", "--json"], env(applied.stdout));
    expect(drift.code).toBe(EXIT.changes);
    expect(planDocument.parse(oneDocument(drift.stdout))).toMatchObject({
      ok: true,
      exitCode: 2,
      inSync: false,
      operations: [{ kind: "Add-MailboxPermission", mailbox: B }],
    });
  });

  it("apply, remove and runbook print their documents", async () => {
    const t = newSimTenant([A]);
    const env = (previousStdout?: string) =>
      simDriverEnv({
        settings: settingsFor([A]),
        statePath: t.statePath,
        statsPath: t.statsPath,
        previousStdout,
      });
    const applied = await exchange(["apply", "--json"], env());
    expect(applied.code).toBe(EXIT.ok);
    const a = recordDocument("apply").parse(oneDocument(applied.stdout));
    expect(a.record.mailboxes).toEqual([{ address: A, fullAccess: true, sendAs: false }]);
    const recordText = JSON.stringify(a.record);
    const runbook = await exchange(["runbook", "--json"], env(recordText));
    expect(runbookDocument.parse(oneDocument(runbook.stdout)).runbook).toContain("New-ServicePrincipal");
    const removed = await exchange(["remove", "--json"], env(recordText));
    expect(removed.code).toBe(EXIT.ok);
    expect(recordDocument("remove").parse(oneDocument(removed.stdout)).record.mailboxes).toEqual([]);
  });

  it.each([
    ["a usage error", ["plan", "--jsn", "--json"], EXIT.usage, "usage"],
    ["a missing input", ["plan", "--json"], EXIT.input, "input"],
    ["an unknown command", ["pla", "--json"], EXIT.usage, "usage"],
  ] as const)("%s: ok false with the error, nothing else on stdout", async (_what, args, code, kind) => {
    const r = await exchange([...args]);
    expect(r.code).toBe(code);
    const schema = args[0] === "plan" ? "exo-oauth/exchange-plan@2" : "exo-oauth/exchange@1";
    const doc = errorDocument(schema).parse(oneDocument(r.stdout));
    expect(doc).toMatchObject({ ok: false, exitCode: code, error: { kind } });
  });

  it("a failed run: exit 1, the error in the document, progress still on stderr", async () => {
    const t = newSimTenant([A]);
    const r = await exchange(
      ["apply", "--json"],
      simDriverEnv({
        settings: settingsFor([A]),
        statePath: t.statePath,
        statsPath: t.statsPath,
        faults: { accessDenied: ["Add-MailboxPermission"] },
      }),
    );
    expect(r.code).toBe(EXIT.error);
    const doc = errorDocument("exo-oauth/exchange-apply@1").parse(oneDocument(r.stdout));
    expect(doc.error.kind).toBe("error");
    expect(doc.error.message).toContain(A);
    expect(r.stderr).toContain("exo-oauth exchange: connected to");
  });
});

describe.concurrent("npm run exchange prints what it did not write escaped", () => {
  const FORGED = "\nexo-oauth exchange: done: in sync\u001b[2J\u202e";

  it("a display name with a newline, ESC and a bidi override is refused by runbook, and the refusal cannot forge a line", async () => {
    const env = simDriverEnv({
      settings: settingsFor([A], { displayName: `Mail OAuth${FORGED}` }),
      statePath: "/nonexistent",
      statsPath: "",
    });
    const r = await exchange(["runbook"], env);
    expect(r.code).toBe(EXIT.input);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(/^exo-oauth exchange: done/m);
    expect(r.stderr).toContain("EXO_OAUTH_DISPLAY_NAME");
  });

  it("Exchange's answers (an ObjectId it returns, its error text) are escaped in the log and the error", async () => {
    const t = newSimTenant([A]);
    // An Exchange service principal for our AppId that is not ours, with a hostile ObjectId.
    updateState(t.statePath, (s) => {
      s.exchange.servicePrincipals.push({
        AppId: APP.clientId,
        ObjectId: `evil${FORGED}`,
        DisplayName: `x${FORGED}`,
        Sid: "S-1-5-21-5-5-5-5",
        Identity: "evil",
        Name: "evil",
      });
    });
    const env = simDriverEnv({ settings: settingsFor([A]), statePath: t.statePath, statsPath: t.statsPath });
    // As the Command's delete whose record was lost (a hand run without one stops before connecting).
    const r = await exchange(["remove"], { ...env, PULUMI_COMMAND_STDERR: "exo-oauth exchange: …" });
    expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(/^exo-oauth exchange: done: in sync/m);
    expect(r.stderr).toContain("evil\\nexo-oauth exchange: done: in sync\\u{1b}[2J\\u{202e}");
  });

  it("prints no colour into a pipe", async () => {
    const t = newSimTenant([A]);
    const env = simDriverEnv({ settings: settingsFor([A]), statePath: t.statePath, statsPath: t.statsPath });
    const r = await exchange(["plan"], env);
    expect(r.code).toBe(EXIT.changes);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
  });
});
