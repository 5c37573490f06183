// The driver through its STORED entry with real pwsh (test/pwsh/driver-harness.ts) meeting Exchange's
// faults: throttling and 5xx, a principal not resolvable yet, a permanent refusal, protocol switches
// off, a cmdlet hidden by RBAC — and nothing secret printed anywhere.
import { describe, expect, it } from "vitest";
import { newSimTenant, ours, stats } from "../support/driver-run";
import { setCasMailbox, setTransportConfig } from "../../scripts/offline-tenant/exchange/hand-edits";
import { updateState } from "../../scripts/offline-tenant/state";
import { CONVERGED, TIMEOUT, realDriver, skip } from "./driver-harness";
import { parseRecord } from "../../components/exchange-step/record";

describe.skipIf(skip !== undefined)(
  `the driver's stored entry with real pwsh meeting Exchange's faults${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    const { settings, run, ok, neverPrinted } = realDriver();
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
    neverPrinted(10);
  },
);
