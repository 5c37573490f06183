// The driver through its STORED entry with real pwsh (test/pwsh/driver-harness.ts): day two in the
// real tier — converge and stay converged, a killed run, a Sid that never arrives, other sign-ins,
// stdout kept to the record — and nothing secret printed anywhere. Faults: driver-faults.test.ts.
import { describe, expect, it } from "vitest";
import { parseRecord } from "../../components/exchange-step/record";
import { newSimTenant, ours, stats, writesSince } from "../support/driver-run";
import { CONVERGED, TIMEOUT, realDriver, skip } from "./driver-harness";
import { makeAccessToken } from "./fixtures";

describe.skipIf(skip !== undefined)(
  `the driver's stored entry with real pwsh${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    const { settings, run, ok, secrets, neverPrinted } = realDriver();
    it(
      "applies, applies again without a write, plans in sync, detects drift, and removes",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com", "c@contoso.com"]);
        const first = ok(await run("apply", t));
        expect(ours(t)).toEqual(CONVERGED);
        expect(parseRecord(first.stdout)?.mailboxes.map((m) => m.address)).toEqual([
          "a@contoso.com",
          "b@contoso.com",
        ]);
        expect(stats(t)).toMatchObject({ sessions: 1, connects: 1, disconnects: 1 });

        const before = stats(t);
        ok(await run("apply", t, { previousStdout: first.stdout }));
        expect(writesSince(t, before)).toBe(0);
        expect((await run("plan", t, { previousStdout: first.stdout })).code).toBe(0);

        const more = settings({
          desired: {
            ...settings().desired,
            mailboxes: [...settings().desired.mailboxes, { address: "c@contoso.com", sendAs: false }],
          },
        });
        const drift = await run("plan", t, { settings: more, previousStdout: first.stdout });
        expect(drift.code).toBe(2);
        expect(drift.stdout).toContain("+ grant FullAccess on c@contoso.com");

        ok(await run("remove", t, { previousStdout: first.stdout }));
        expect(ours(t)).toEqual({ sp: false, fullAccess: [], sendAs: [] });
      },
      TIMEOUT,
    );

    // One kill point in this tier (cmdlet #2: the principal is registered, no grant yet, no record):
    // the fake-pwsh tier kills after EVERY cmdlet (test/exchange-driver/converge.test.ts); here each
    // run costs a real pwsh start, so one point proves the real shim dies and reruns the same way.
    it.each([2])(
      "converges on the next apply after PowerShell dies right after cmdlet #%i was committed",
      async (k) => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        const killed = await run("apply", t, { faults: { crashAfter: k } });
        expect(killed.code).toBe(1);
        expect(killed.stderr).toMatch(
          new RegExp(`ended \\(exit code 1\\) without answering[\\s\\S]*injected crash after cmdlet #${k} `),
        );
        expect(killed.stdout).toBe("");
        const rerun = ok(await run("apply", t));
        expect(ours(t)).toEqual(CONVERGED);
        const before = stats(t);
        ok(await run("apply", t, { previousStdout: rerun.stdout }));
        expect(writesSince(t, before)).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "converges and stays converged when Exchange sends no Sid, warning which properties arrived",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        const faults = { omitProperties: ["Sid"] };
        const first = ok(await run("apply", t, { faults }));
        expect(ours(t)).toEqual(CONVERGED);
        const before = stats(t);
        // The warning comes from the plan, i.e. once Exchange's principal is observed (the next run).
        const second = ok(await run("apply", t, { faults, previousStdout: first.stdout }));
        expect(writesSince(t, before)).toBe(0);
        expect(second.stderr).toMatch(
          /warning: Exchange's service principal 33333333-3333-4333-8333-333333333333 .* arrived without a Sid; properties that arrived: AppId, /,
        );
      },
      TIMEOUT,
    );

    it(
      "connects with an access token and with a managed identity through the stored entry",
      async () => {
        const token = makeAccessToken();
        secrets.push(token);
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        ok(
          await run("apply", t, {
            settings: settings({
              connection: { connection: "accessToken", accessTokenEnv: "PIPELINE_EXO_TOKEN" },
            }),
            env: { PIPELINE_EXO_TOKEN: token },
          }),
        );
        expect(ours(t)).toEqual(CONVERGED);
        const u = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        ok(await run("apply", u, { settings: settings({ connection: { connection: "managedIdentity" } }) }));
        expect(ours(u)).toEqual(CONVERGED);
      },
      TIMEOUT,
    );

    it(
      "prints only the record on stdout while the module writes on every stream",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        const r = ok(await run("apply", t, { env: { EXO_SIM_MODULE_NOISE: "1" } }));
        expect(parseRecord(r.stdout)?.mailboxes).toHaveLength(2);
        expect(r.stdout.trim().split("\n")).toHaveLength(1);
        expect(`${r.stdout}${r.stderr}`).not.toContain("exo-sim noise");
      },
      TIMEOUT,
    );
    neverPrinted(20);
  },
);
