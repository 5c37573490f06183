// The Exchange Command through the engine, as @pulumi/command 1.2.1 runs it: the real strings through
// `sh -c` in the project directory, the driver against the Exchange simulator (fake pwsh).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DRIVER_ENV, MAILBOXES_ON_STDIN } from "../../../../components/exchange-step/environment";
import { parseRecord } from "../../../../components/exchange-step/record";
import { STORED_DRIVER_INVOCATION } from "../../../../components/exchange-step/entry-points";
import { PROJECT_DIR } from "../../../../scripts/offline-tenant/harness/engine/offline";
import { STACK_REFERENCE_TYPE } from "../../../../scripts/offline-tenant/graph/mock";
import { capturingWarnings } from "../../../support/pulumi-warnings";
import type { RunResult } from "../../../../scripts/offline-tenant/harness/engine/engine";
import {
  BILLING,
  changes,
  commandConfig,
  DAY_1,
  HELPDESK,
  manualConfig,
  outputsOf,
  world,
  type World,
} from "./world";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const COMMAND = "command:local:Command";
/** The mailboxes a Command run got: on its stdin (EXO_OAUTH_MAILBOXES=stdin), as new stacks pass them. */
const mailboxesOf = (run: { environment: Record<string, string>; stdin?: string }) => {
  expect(run.environment[DRIVER_ENV.mailboxes]).toBe(MAILBOXES_ON_STDIN);
  return (JSON.parse(run.stdin ?? "") as { address: string }[]).map((m) => m.address);
};

describe("the Exchange Command across runs", () => {
  let w: World;
  let first: RunResult;
  let second: RunResult;
  beforeAll(async () => {
    w = world();
    first = await w.engine.up({ config: commandConfig(), now: DAY_1 });
  });
  afterAll(() => w?.cleanup());

  it("the first up runs the create string once, through sh -c in the project directory", () => {
    expect(first.ok).toBe(true);
    expect(first.commandRuns.map((r) => [r.script, r.commandLine, r.dir])).toEqual([
      ["create", "node ./scripts/exchange-driver/run.cjs apply", PROJECT_DIR],
    ]);
    expect(first.commandRuns[0].previousStdout).toBeUndefined();
    expect(parseRecord(first.commandRuns[0].stdout)!.mailboxes.map((m) => m.address)).toEqual([HELPDESK]);
  });

  it("a second up with the same config and clock runs no Command and calls no provider", async () => {
    const again = await w.engine.up({ config: commandConfig(), now: DAY_1 });
    expect(again.commandRuns).toEqual([]);
    expect(again.calls).toEqual([]);
    expect(again.summary).toEqual({ unchanged: 11 });
  });

  it("--refresh reads every Entra resource but not the Command (no Read) and runs nothing", async () => {
    const r = await w.engine.up({ config: commandConfig(), now: DAY_1, refresh: true });
    expect(r.calls.map((c) => `${c.op} ${c.type.split(":").pop()}`).sort()).toEqual(
      [
        "read AppRoleAssignment",
        "read AppRoleAssignment",
        "read AppRoleAssignment",
        "read Application",
        "read ApplicationPassword",
        "read ApplicationPassword",
        "read ServicePrincipal",
      ].sort(),
    );
    expect(r.commandRuns).toEqual([]);
    expect(changes(r)).toEqual([]);
  });

  it("adding a mailbox is one Command update, with the new mailbox and the previous record", async () => {
    second = await w.engine.up({ config: commandConfig({ mailboxes: [HELPDESK, BILLING] }), now: DAY_1 });
    expect(second.ok).toBe(true);
    // The list changed, so only the Command's stdin did: its environment is the same.
    expect(changes(second)).toEqual(["update Command exchange-command [stdin]"]);
    expect(second.commandRuns).toHaveLength(1);
    const run = second.commandRuns[0];
    expect(run.script).toBe("update");
    expect(mailboxesOf(run)).toEqual([HELPDESK, BILLING]);
    expect(run.previousStdout).toBe(first.commandRuns[0].stdout);
    expect(outputsOf(w.engine, COMMAND, "exchange-command").stdout).toBe(run.stdout);
  });

  it("dropping the Command (connection manual) runs the OLD delete string with the OLD environment and stdin", async () => {
    // State written by an older version of the stack: its delete string differs from today's program.
    const cmd = w.engine.resource(COMMAND, "exchange-command");
    const stored = `${STORED_DRIVER_INVOCATION} remove`;
    cmd.inputs = { ...cmd.inputs, delete: stored };
    const recordBefore = String(outputsOf(w.engine, COMMAND, "exchange-command").stdout);
    const { result: r, warnings } = await capturingWarnings(() =>
      w.engine.up({ config: manualConfig({ mailboxes: [HELPDESK, BILLING] }), now: DAY_1 }),
    );
    expect(r.ok).toBe(true);
    // The manual-switch hazard is warned at update, naming what the delete revokes.
    expect(warnings).toEqual([
      expect.stringMatching(
        /^exo-oauth:exchange.connection is now "manual", but .*FullAccess on billing@contoso.com, helpdesk@contoso.com/,
      ),
    ]);
    expect(changes(r)).toContain("delete Command exchange-command");
    expect(r.commandRuns.map((x) => [x.script, x.commandLine])).toEqual([["delete", stored]]);
    expect(mailboxesOf(r.commandRuns[0])).toEqual([HELPDESK, BILLING]);
    expect(r.commandRuns[0].previousStdout).toBe(recordBefore);
    // The driver removed what the record said it had granted.
    const sp = w.tenant().exchange.servicePrincipals;
    expect(sp).toEqual([]);
  });
});

describe("a Command whose create fails", () => {
  let w: World;
  afterAll(() => w?.cleanup());

  it("leaves no Command in state, so a later destroy runs no delete", async () => {
    w = world();
    // The pipeline forgot the admin token variable: the driver refuses before touching Exchange.
    const noToken = w.reopen({ env: { EXO_ADMIN_TOKEN: undefined } });
    const r = await noToken.up({ config: commandConfig(), now: DAY_1 });
    expect(r.ok).toBe(false);
    expect(r.commandRuns.map((x) => x.script)).toEqual(["create"]);
    expect(r.error!.message).toMatch(
      /^exit status \d+: running "node \.\/scripts\/exchange-driver\/run\.cjs apply":/,
    );
    expect(noToken.resources.some((x) => x.type === COMMAND)).toBe(false);
    // Everything the Command depends on was created and is in state.
    expect(
      noToken.resources
        .filter((x) => x.custom && x.type !== STACK_REFERENCE_TYPE)
        .map((x) => x.name)
        .sort(),
    ).toEqual([
      "client-secret-a",
      "client-secret-b",
      "mail-application",
      "mail-consent-imap",
      "mail-consent-pop",
      "mail-consent-smtp",
      "mail-service-principal",
    ]);
    const d = await w.reopen().destroy();
    expect(d.ok).toBe(true);
    expect(d.commandRuns).toEqual([]);
    expect(d.summary).toEqual({ deleted: 10 });
  });
});

describe("a Command whose update fails", () => {
  let w: World;
  afterAll(() => w?.cleanup());

  it("keeps the old state: the next run retries the update with the last SUCCESSFUL record", async () => {
    w = world();
    const first = await w.engine.up({ config: commandConfig(), now: DAY_1 });
    const record = first.commandRuns[0].stdout;
    const failed = await w.reopen({ env: { EXO_ADMIN_TOKEN: undefined } }).up({
      config: commandConfig({ mailboxes: [HELPDESK, BILLING] }),
      now: DAY_1,
    });
    expect(failed.ok).toBe(false);
    expect(failed.commandRuns.map((x) => [x.script, x.previousStdout === record])).toEqual([
      ["update", true],
    ]);
    const retry = await w
      .reopen()
      .up({ config: commandConfig({ mailboxes: [HELPDESK, BILLING] }), now: DAY_1 });
    expect(retry.ok).toBe(true);
    expect(changes(retry)).toEqual(["update Command exchange-command [stdin]"]);
    expect(retry.commandRuns[0].previousStdout).toBe(record);
  });
});
