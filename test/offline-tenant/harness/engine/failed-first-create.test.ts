// A first Exchange step (the Command's CREATE) that grants some mailboxes and then dies: Pulumi
// stores no Command for a failed create, so `pulumi destroy` runs no removal and the grants stay.
// The driver's failure output says so and gives the recovery; the recovery — the driver's `remove`
// with the environment the Command had, which `npm run exchange -- remove --stack <name>` rebuilds
// from the stack — revokes them. Through the multi-run engine, against the Exchange simulator.
import { afterEach, describe, expect, it } from "vitest";
import { FAILED_CREATE_ADVICE, runDriver } from "../../../../scripts/exchange-driver/cli";
import { COMMAND_TYPE } from "../../../../scripts/offline-tenant/harness/engine/engine";
import type { TenantState } from "../../../../scripts/offline-tenant/state";
import { BILLING, commandConfig, DAY_1, HELPDESK, world, type World } from "./world";

let w: World;
afterEach(() => w?.cleanup());

/** The explicit (non-inherited, non-SELF) FullAccess rows on each configured mailbox. */
const grants = (t: TenantState) =>
  t.exchange.mailboxes
    .filter((m) => [HELPDESK, BILLING].includes(m.address))
    .map((m) => [m.address, m.permissions.filter((p) => !p.IsInherited && !p.User.includes("SELF")).length]);

describe("a first Exchange step that fails after granting", () => {
  it("says that destroy will not revoke its grants and how to; destroy leaves them; the recovery removes them", async () => {
    w = world();
    const config = commandConfig({ mailboxes: [HELPDESK, BILLING] });
    // The simulated PowerShell dies right after the 4th cmdlet (the second grant) is committed.
    const dying = w.reopen({ env: { EXO_SIM_FAULTS: JSON.stringify({ crashAfter: 4 }) } });
    const r = await dying.up({ config, now: DAY_1 });
    expect(r.ok).toBe(false);
    const [create] = r.commandRuns;
    expect(create.script).toBe("create");
    expect(create.previousStdout).toBeUndefined();
    expect(create.stderr).toContain(FAILED_CREATE_ADVICE.trim());
    expect(r.error!.message).toContain("npm run exchange -- remove --stack <stack>");
    expect(dying.resources.some((x) => x.type === COMMAND_TYPE)).toBe(false);
    expect(grants(w.tenant())).toEqual([
      [HELPDESK, 1],
      [BILLING, 1],
    ]);
    expect(w.tenant().exchange.servicePrincipals).toHaveLength(1);

    // pulumi destroy: no Command in state, so no removal runs and the grants stay.
    const d = await w.reopen().destroy();
    expect(d.ok).toBe(true);
    expect(d.commandRuns).toEqual([]);
    expect(grants(w.tenant())).toEqual([
      [HELPDESK, 1],
      [BILLING, 1],
    ]);
    expect(w.tenant().exchange.servicePrincipals).toHaveLength(1);

    // The recovery: the driver's remove with the environment the Command had (no previous record:
    // it revokes what EXO_OAUTH_MAILBOXES lists, then removes the service principal). `--stack`
    // rebuilds that environment from the stack, whose config proves the ids; handed the environment
    // directly, as here, the driver asks for that proof or --force-without-record.
    const out: string[] = [];
    const err: string[] = [];
    const removal = await runDriver(["remove", "--force-without-record"], {
      env: {
        ...process.env,
        EXO_SIM_STATE: w.statePath,
        EXO_ADMIN_TOKEN: w.adminToken,
        ...create.environment,
      },
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      // The mailbox list the Command had on its stdin (EXO_OAUTH_MAILBOXES=stdin).
      readStdin: async () => create.stdin ?? "",
    });
    expect(removal.code, err.join("")).toBe(0);
    expect(grants(w.tenant())).toEqual([
      [HELPDESK, 0],
      [BILLING, 0],
    ]);
    expect(w.tenant().exchange.servicePrincipals).toEqual([]);
  });

  it("a failed UPDATE (a previous record exists) prints no such advice: destroy will revoke what the record lists", async () => {
    w = world();
    const first = await w.engine.up({ config: commandConfig(), now: DAY_1 });
    expect(first.ok).toBe(true);
    const r = await w
      .reopen({ env: { EXO_SIM_FAULTS: JSON.stringify({ crashAfter: 2 }) } })
      .up({ config: commandConfig({ mailboxes: [HELPDESK, BILLING] }), now: DAY_1 });
    expect(r.ok).toBe(false);
    expect(r.commandRuns.map((x) => x.script)).toEqual(["update"]);
    expect(r.commandRuns[0].stderr).not.toContain("first run");
  });
});
