// The driver through its STORED entry (`npx --no tsx scripts/exchange/cli.ts <apply|remove|plan>`,
// what deployed stacks hold) with pwsh = real pwsh: shim.ps1, the stand-in module, the REST front.
// Day two in the real tier: converge and stay converged, killed runs, transient and permanent
// faults, a principal Exchange cannot resolve yet, a Sid that never arrives — and nothing secret
// printed anywhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriverSettings } from "../../components/exchange-step/codec";
import { parseRecord } from "../../components/exchange-step/record";
import type { ExchangeSignIn } from "../../components/exchange-step/settings";
import {
  newSimTenant,
  ours,
  runCli,
  settingsFor,
  stats,
  writesSince,
  type CliRun,
  type SimTenant,
} from "../support/driver-run";
import { openTier, realTierSkip, type TierSetup } from "../support/pwsh-tier";
import { setCasMailbox, setTransportConfig } from "../../scripts/offline-tenant/exchange/hand-edits";
import { updateState } from "../../scripts/offline-tenant/state";
import { certificateConnection, makeAccessToken, makeCertificate, type TestCertificate } from "./fixtures";

const skip = realTierSkip();
const TIMEOUT = 300_000;
const STORED = (command: string) => `npx --no tsx scripts/exchange/cli.ts ${command}`;
const MAILBOXES = ["a@contoso.com", { address: "b@contoso.com", sendAs: true }];
const CONVERGED = { sp: true, fullAccess: ["a@contoso.com", "b@contoso.com"], sendAs: ["b@contoso.com"] };

describe.skipIf(skip !== undefined)(
  `the driver's stored entry with real pwsh${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    let tier: TierSetup;
    let cert: TestCertificate;
    const secrets: string[] = [];
    const printed: string[] = [];
    beforeAll(async () => {
      tier = await openTier("real");
      cert = makeCertificate({ password: "Pfx-Secret-Pässword-41" });
      secrets.push(cert.pfx, cert.password);
    }, TIMEOUT);
    afterAll(async () => tier?.close());

    /** The fixture's settings with real pwsh, signing in with `signIn` (default: the test certificate). */
    function settings(
      over: { connection?: ExchangeSignIn; desired?: DriverSettings["desired"] } = {},
    ): DriverSettings {
      const base = settingsFor(MAILBOXES);
      const { organization, retryDeadlineSeconds } = base.connection;
      return {
        desired: over.desired ?? base.desired,
        connection: {
          ...(over.connection ?? certificateConnection(cert)),
          organization,
          retryDeadlineSeconds,
          pwsh: tier.pwsh,
        },
      };
    }
    async function run(
      command: string,
      tenant: SimTenant,
      o: {
        settings?: DriverSettings;
        previousStdout?: string;
        faults?: object;
        env?: Record<string, string>;
      } = {},
    ): Promise<CliRun> {
      const r = await runCli(command, {
        tenant,
        settings: o.settings ?? settings(),
        previousStdout: o.previousStdout,
        faults: o.faults as Record<string, unknown> | undefined,
        env: { ...tier.env, ...o.env },
        shell: STORED(command),
      });
      printed.push(r.stdout, r.stderr);
      return r;
    }
    const ok = (r: CliRun) => {
      if (r.code !== 0)
        throw new Error(`exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
      return r;
    };

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
      "rides out HTTP 429 and 5xx (the module's own retries first, then the driver's) and Exchange's busy error",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        const r = ok(
          await run("apply", t, {
            faults: { tooManyRequestsFirst: 3, retryAfterSeconds: 0, serverErrorFirst: 2, throttleFirst: 1 },
            env: { EXO_SIM_MODULE_RETRIES: "1" },
          }),
        );
        expect(ours(t)).toEqual(CONVERGED);
        expect(stats(t).faults).toMatchObject({ tooManyRequests: 3, serverError: 2, throttle: 1 });
        // With one module retry per call, the 429s and 500s reach the driver as
        // "HttpStatusCode=…" errors, which it classes transient and retries.
        // One short line per retry; Exchange's whole message the first time each is seen.
        expect(r.stderr).toMatch(
          /transient error, attempt 2 in \d+ ms, \d+ s of the budget left; Exchange said: Error while querying REST service\. HttpStatusCode=429/,
        );
        expect(r.stderr).toMatch(/Exchange said: .*HttpStatusCode=500 .*ADTransientException/);
      },
      TIMEOUT,
    );

    it(
      "retries a grant while Exchange cannot resolve the principal it has just registered",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        const r = ok(await run("apply", t, { faults: { principalLagCalls: 2 } }));
        expect(ours(t)).toEqual(CONVERGED);
        expect(stats(t).faults.principalLag).toBe(2);
        expect(r.stderr).toMatch(
          /Add-MailboxPermission on a@contoso\.com: Exchange does not resolve the principal yet, attempt 2 .*Exchange said: .*Couldn't find object "33333333-3333-4333-8333-333333333333"/,
        );
      },
      TIMEOUT,
    );

    it(
      "stops at once on a permanent refusal (out of write scope), saying what Exchange answered",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        const r = await run("apply", t, { faults: { accessDenied: ["Add-MailboxPermission"] } });
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(
          "Error: Granting FullAccess on a@contoso.com to exo-oauth mail daemon (33333333-3333-4333-8333-333333333333): 'a@contoso.com' isn't within your current write scopes.",
        );
        expect(r.stderr).not.toContain("transient error");
        expect(stats(t).cmdlets["Add-MailboxPermission"]).toBe(1);
      },
      TIMEOUT,
    );

    it(
      "reads the protocol switches (Get-CASMailbox, Get-TransportConfig): plan exits 3, apply warns and records them",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        updateState(t.statePath, (s) => {
          setCasMailbox(s, "a@contoso.com", { PopEnabled: false });
          setTransportConfig(s, true);
        });
        const base = settings();
        const withProtocols = settings({
          desired: {
            ...base.desired,
            mailboxes: base.desired.mailboxes.map((m) => ({ ...m, protocols: ["imap", "pop", "smtp"] })),
          },
        });
        const applied = ok(await run("apply", t, { settings: withProtocols }));
        expect(applied.stderr).toContain("warning: POP is blocked on a@contoso.com: PopEnabled is False");
        expect(parseRecord(applied.stdout)!.blocked).toEqual([
          { mailbox: "a@contoso.com", protocol: "POP", switch: "PopEnabled" },
          {
            mailbox: "a@contoso.com",
            protocol: "SMTP",
            switch: "TransportConfig.SmtpClientAuthenticationDisabled",
          },
          {
            mailbox: "b@contoso.com",
            protocol: "SMTP",
            switch: "TransportConfig.SmtpClientAuthenticationDisabled",
          },
        ]);
        const plan = await run("plan", t, { settings: withProtocols, previousStdout: applied.stdout });
        expect(plan.code).toBe(3);
        expect(plan.stdout).toContain("SMTP is blocked on b@contoso.com: the tenant's SMTP AUTH is off");
      },
      TIMEOUT,
    );

    it(
      "names the missing Exchange role when a cmdlet is not recognized (hidden by RBAC), without retrying",
      async () => {
        const t = newSimTenant(["a@contoso.com", "b@contoso.com"]);
        const r = await run("apply", t, { faults: { notRecognized: ["New-ServicePrincipal"] } });
        expect(r.code).toBe(1);
        const error = r.stderr.split("\n").find((l) => l.startsWith("Error: "))!;
        expect(error).toContain("The term 'New-ServicePrincipal' is not recognized");
        expect(error).toContain(
          'needs the Exchange management role "Role Management" (held by the role group "Organization Management") for New-ServicePrincipal',
        );
        expect(error).toContain('New-ManagementRoleAssignment -Role "Role Management" -App <ServiceId>');
        expect(r.stderr).not.toContain("transient error");
        // The module never defined the function (Connect-ExchangeOnline offers only the granted
        // cmdlets), so nothing reached Exchange.
        expect(ours(t).sp).toBe(false);
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

    it("never printed the certificate, its password or the access token (every run above)", () => {
      expect(printed.length).toBeGreaterThan(20);
      const all = printed.join("\n");
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(8);
        expect(all).not.toContain(secret);
        expect(all).not.toContain(secret.slice(0, 24));
        expect(all).not.toContain(Buffer.from(secret).toString("base64").slice(0, 24));
      }
    });
  },
);
