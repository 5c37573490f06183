// Protocol switches (issue 11, item 3): the driver receives each mailbox's protocols and reads,
// read-only, what can stop them (Get-CASMailbox, Get-TransportConfig); plan exits 3, apply warns and
// the record lists them for verify.
import { describe, expect, it, vi } from "vitest";
import {
  DriverEnvironmentError,
  decodeDriverEnvironment,
  encodeDriverEnvironment,
} from "../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { parseRecord } from "../../components/exchange-step/record";
import { setCasMailbox, setTransportConfig } from "../../scripts/offline-tenant/exchange/hand-edits";
import { updateState } from "../../scripts/offline-tenant/state";
import { newSimTenant, runCli, settingsFor, stats, writesSince } from "../support/driver-run";

vi.setConfig({ testTimeout: 180_000 });

const HELPDESK = "helpdesk@contoso.com";
const BILLING = "billing@contoso.com";
const ALL = ["imap", "pop", "smtp"] as const;

describe.concurrent("protocol switches against the simulator", () => {
  it("POP turned off on a granted mailbox: plan names it and exits 3 (blocked), without writing", async () => {
    const t = newSimTenant([HELPDESK]);
    const settings = settingsFor([{ address: HELPDESK, sendAs: false, protocols: [...ALL] }]);
    const first = await runCli("apply", { tenant: t, settings });
    expect(first.code).toBe(0);
    updateState(t.statePath, (s) => setCasMailbox(s, HELPDESK, { PopEnabled: false }));
    const before = stats(t);
    const plan = await runCli("plan", { tenant: t, settings, previousStdout: first.stdout });
    expect(plan.code).toBe(3);
    expect(plan.stdout).toContain(
      `POP is blocked on ${HELPDESK}: PopEnabled is False: Set-CASMailbox -Identity ${HELPDESK} -PopEnabled $true`,
    );
    expect(plan.stdout).not.toMatch(/IMAP is blocked|SMTP is blocked/);
    expect(writesSince(t, before)).toBe(0);
    // One read of the switches for the one mailbox; the tenant's SMTP switch is read because the
    // mailbox follows it ($null).
    const after = stats(t);
    expect(after.cmdlets["Get-CASMailbox"] - (before.cmdlets["Get-CASMailbox"] ?? 0)).toBe(1);
    expect(after.cmdlets["Get-TransportConfig"] - (before.cmdlets["Get-TransportConfig"] ?? 0)).toBe(1);
  });

  it("apply warns (exit 0) and the record lists {mailbox, protocol, switch} for verify", async () => {
    const t = newSimTenant([HELPDESK, BILLING]);
    updateState(t.statePath, (s) => {
      setCasMailbox(s, HELPDESK, { ImapEnabled: false });
      setCasMailbox(s, BILLING, { SmtpClientAuthenticationDisabled: true, PopEnabled: false });
    });
    const r = await runCli("apply", {
      tenant: t,
      settings: settingsFor([
        { address: HELPDESK, sendAs: false, protocols: ["imap", "smtp"] },
        // POP is off too, but this mailbox is not configured for POP: not reported.
        { address: BILLING, sendAs: false, protocols: ["imap", "smtp"] },
      ]),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: IMAP is blocked on ${HELPDESK}: ImapEnabled is False`);
    expect(r.stderr).toContain(
      `warning: SMTP is blocked on ${BILLING}: SmtpClientAuthenticationDisabled is True`,
    );
    expect(parseRecord(r.stdout)!.blocked).toEqual([
      { mailbox: HELPDESK, protocol: "IMAP", switch: "ImapEnabled" },
      { mailbox: BILLING, protocol: "SMTP", switch: "SmtpClientAuthenticationDisabled" },
    ]);
  });

  it("the tenant's SMTP AUTH off blocks the mailboxes that follow it, not one that overrides it", async () => {
    const t = newSimTenant([HELPDESK, BILLING]);
    updateState(t.statePath, (s) => {
      setTransportConfig(s, true);
      setCasMailbox(s, BILLING, { SmtpClientAuthenticationDisabled: false });
    });
    const settings = settingsFor([
      { address: HELPDESK, sendAs: false, protocols: ["smtp"] },
      { address: BILLING, sendAs: false, protocols: ["smtp"] },
    ]);
    const applied = await runCli("apply", { tenant: t, settings });
    const plan = await runCli("plan", { tenant: t, settings, previousStdout: applied.stdout });
    expect(plan.code).toBe(3);
    expect(plan.stdout).toContain(`SMTP is blocked on ${HELPDESK}: the tenant's SMTP AUTH is off`);
    expect(plan.stdout).not.toContain(`blocked on ${BILLING}`);
    expect(parseRecord(applied.stdout)!.blocked).toEqual([
      { mailbox: HELPDESK, protocol: "SMTP", switch: "TransportConfig.SmtpClientAuthenticationDisabled" },
    ]);
  });

  it("reads many mailboxes' switches in one Get-CASMailbox pass", async () => {
    const many = Array.from({ length: 30 }, (_, i) => `m${i}@contoso.com`);
    const t = newSimTenant(many);
    updateState(t.statePath, (s) => setCasMailbox(s, many[7], { ImapEnabled: false }));
    const r = await runCli("plan", {
      tenant: t,
      settings: settingsFor(
        many.map((address) => ({ address, sendAs: false, protocols: ["imap" as const] })),
      ),
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`IMAP is blocked on ${many[7]}`);
    expect(stats(t).cmdlets["Get-CASMailbox"]).toBe(1);
    expect(stats(t).cmdlets["Get-TransportConfig"] ?? 0).toBe(0);
  });

  it("an environment written before protocols existed reads no switch (the old behaviour)", async () => {
    const t = newSimTenant([HELPDESK]);
    updateState(t.statePath, (s) => setCasMailbox(s, HELPDESK, { PopEnabled: false }));
    const r = await runCli("plan", { tenant: t, settings: settingsFor([HELPDESK]) });
    expect(r.code).toBe(2);
    expect(stats(t).cmdlets["Get-CASMailbox"] ?? 0).toBe(0);
  });
});

describe("the mailboxes' protocols in the Command's environment", () => {
  const settings = settingsFor([{ address: HELPDESK, sendAs: true, protocols: ["imap", "pop"] }]);

  it("round-trip: encoded as a list on each mailbox, decoded the same", () => {
    const env = encodeDriverEnvironment(settings);
    expect(JSON.parse(env[DRIVER_ENV.mailboxes])).toEqual([
      { address: HELPDESK, sendAs: true, protocols: ["imap", "pop"] },
    ]);
    expect(decodeDriverEnvironment(env).desired.mailboxes).toEqual(settings.desired.mailboxes);
  });

  it("accepts any letter case, as config does, and refuses an unknown protocol naming it", () => {
    const env = encodeDriverEnvironment(settings);
    env[DRIVER_ENV.mailboxes] = JSON.stringify([
      { address: HELPDESK, sendAs: false, protocols: ["IMAP", "Smtp"] },
    ]);
    expect(decodeDriverEnvironment(env).desired.mailboxes[0].protocols).toEqual(["imap", "smtp"]);
    env[DRIVER_ENV.mailboxes] = JSON.stringify([
      { address: HELPDESK, sendAs: false, protocols: ["imap", "ews"] },
    ]);
    let problems: string[] = [];
    try {
      decodeDriverEnvironment(env);
    } catch (err) {
      problems = (err as DriverEnvironmentError).problems;
    }
    expect(problems).toEqual([
      'EXO_OAUTH_MAILBOXES[0].protocols[1] (from exo-oauth:mailboxes): "ews" is not a protocol; allowed: imap, pop, smtp',
    ]);
  });

  it("an old environment (no protocols) decodes to mailboxes without protocols", () => {
    const env = encodeDriverEnvironment(settingsFor([HELPDESK]));
    expect(env[DRIVER_ENV.mailboxes]).toBe(JSON.stringify([{ address: HELPDESK, sendAs: false }]));
    expect(decodeDriverEnvironment(env).desired.mailboxes[0]).toEqual({ address: HELPDESK, sendAs: false });
  });
});
