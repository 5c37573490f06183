// The failure matrix against the real offline peers: the token issuer (@azure/identity talks to
// it), Dovecot (IMAP/POP3 over TLS, Lua passdb → checker) and the smtp-server peer (STARTTLS),
// all reading one tenant state file. Each failure class must yield its diagnosis and exit 1.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printFigures } from "../../support/figures";
import type { Protocol } from "../../../components/microsoft";
import { consentRoles, revokeRoles } from "../../../scripts/offline-tenant/entra/entra-app";
import { startMailPeers, type MailPeers } from "../../../scripts/offline-tenant/mail-peers";
import { createClientCertificate } from "../../../scripts/offline-tenant/tls";
import { startTokenIssuer, type TokenIssuer } from "../../../scripts/offline-tenant/entra/token-issuer";
import { loginImap } from "../../../scripts/operator/verify/imap";
import { loginPop3 } from "../../../scripts/operator/verify/pop3";
import { runVerify, type VerifyDeps, type VerifyReport } from "../../../scripts/operator/verify/run";
import { loginSmtp } from "../../../scripts/operator/verify/smtp";
import { acquireToken } from "../../../scripts/operator/verify/token";
import { skipDovecot } from "../../support/dovecot-gate";
import { createTestTenant, grantMailbox, type TestTenant } from "../../support/verify-tenant";

const GRANTED = "helpdesk@contoso.com";
const NOT_GRANTED = "billing@contoso.com";
const ALL = ["imap", "pop", "smtp"] as const;

let t: TestTenant;
let issuer: TokenIssuer;
let skewedIssuer: TokenIssuer;
let peers: MailPeers;
let dir: string;
let caFile: string;
let certPath: string;
const printed: string[] = [];
const tokens: string[] = [];
const timings: Record<Protocol, number[]> = { imap: [], pop: [], smtp: [] };
const failTimings: Record<Protocol, number[]> = { imap: [], pop: [], smtp: [] };

beforeAll(async () => {
  if (skipDovecot) return;
  const cert = createClientCertificate();
  t = createTestTenant({ mailboxes: [GRANTED, NOT_GRANTED], granted: [GRANTED], certificate: cert });
  dir = mkdtempSync(join(tmpdir(), "exo-oauth-matrix-"));
  certPath = join(dir, "app.pem");
  writeFileSync(certPath, cert.pem);
  // The secret was created a day ago, so the skewed issuer below sees it as valid.
  t.update((s) => void (s.entra.passwords[0].startDate = new Date(Date.now() - 86400_000).toISOString()));
  issuer = await startTokenIssuer({ statePath: t.statePath });
  // Same key and tenant, clock two hours behind: its tokens are expired when they arrive.
  skewedIssuer = await startTokenIssuer({
    statePath: t.statePath,
    signingKey: issuer.signingKey,
    now: () => new Date(Date.now() - 2 * 3600_000),
  });
  peers = await startMailPeers({ statePath: t.statePath, jwks: issuer.jwks });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, issuer.ca + skewedIssuer.ca + peers.ca);
}, 60_000);

afterAll(async () => {
  await peers?.stop();
  await issuer?.close();
  await skewedIssuer?.close();
  t?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (!skipDovecot) {
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length
        ? `n=${s.length} min ${s[0]} ms, median ${s[Math.floor(s.length / 2)]} ms, max ${s.at(-1)} ms`
        : "n=0";
    };
    printFigures(
      "verify matrix timings:",
      ALL.map((p) => `${p}: passed ${stats(timings[p])}; failed ${stats(failTimings[p])}`).join("\n"),
    );
  }
});

function deps(
  env: Record<string, string> = { EXO_OAUTH_CLIENT_SECRET: t.secret },
  over: Partial<VerifyDeps> = {},
): VerifyDeps & { out: string[] } {
  const out: string[] = [];
  return {
    out,
    env,
    acquireToken: async (req) => {
      const r = await acquireToken(req);
      if (r.ok) tokens.push(r.accessToken);
      return r;
    },
    logins: { imap: loginImap, pop: loginPop3, smtp: loginSmtp },
    readStackOutputs: async () => ({ ok: false, reason: "no-cli", message: "the pulumi CLI is not on PATH" }),
    readFile: (p) => readFileSync(p, "utf8"),
    stdout: (s) => {
      out.push(s);
      printed.push(s);
    },
    stderr: (s) => printed.push(s),
    ...over,
  };
}

function argv(mailbox: string, ...extra: string[]): string[] {
  // "--authority-host SKEWED" = the issuer whose clock is two hours behind.
  const i = extra.indexOf("SKEWED");
  const authority = i > 0 ? skewedIssuer.url : issuer.url;
  if (i > 0) extra.splice(i - 1, 2);
  return [
    "--tenant", t.tenantId, "--client-id", t.app.application.clientId, "--mailbox", mailbox,
    "--authority-host", authority, "--ca-file", caFile,
    "--imap-host", peers.imaps.host, "--imap-port", String(peers.imaps.port),
    "--pop-host", peers.pop3s.host, "--pop-port", String(peers.pop3s.port),
    "--smtp-host", peers.smtp.host, "--smtp-port", String(peers.smtp.port),
    "--timeout", "10s", ...extra,
  ]; // prettier-ignore
}

function record(report: VerifyReport) {
  for (const l of report.logins)
    if (l.attempted && l.ms !== undefined) (l.ok ? timings : failTimings)[l.protocol].push(l.ms);
}

/** protocol → "pass" or the cause id, and whether the login reached the server. */
function outcome(report: VerifyReport) {
  return Object.fromEntries(
    report.logins.map((l) => [
      l.protocol,
      l.ok ? "pass" : `${l.cause?.id}${l.attempted ? "" : " (not attempted)"}`,
    ]),
  );
}

interface MatrixCase {
  name: string;
  mailbox?: string;
  extra?: string[];
  env?: Record<string, string>;
  change?: () => void;
  restore?: () => void;
  expected: Record<string, string>;
  /** Something the table must say. */
  says: RegExp;
}

const sp = () => t.app.servicePrincipal.objectId;
const withMailbox =
  (fn: (m: import("../../../scripts/offline-tenant/state").ExchangeMailbox) => void) => () =>
    t.update((s) => fn(s.exchange.mailboxes.find((m) => m.address === GRANTED)!));

const cases: MatrixCase[] = [
  {
    name: "mailbox not granted",
    mailbox: NOT_GRANTED,
    expected: {
      imap: "exchange-refused-token",
      pop: "exchange-refused-token",
      smtp: "exchange-refused-token",
    },
    says: /Add-MailboxPermission -Identity billing@contoso\.com -User [0-9a-f-]{36} -AccessRights FullAccess/,
  },
  {
    name: "role missing",
    change: () => t.update((s) => revokeRoles(s, sp(), ["POP.AccessAsApp"])),
    restore: () => t.update((s) => consentRoles(s, sp(), ["POP.AccessAsApp"])),
    expected: { imap: "pass", pop: "role-missing (not attempted)", smtp: "pass" },
    says: /The token has no POP\.AccessAsApp role: admin consent is missing for POP/,
  },
  {
    name: "wrong secret",
    env: { EXO_OAUTH_CLIENT_SECRET: "3f2b1c0d-aaaa-bbbb-cccc-0123456789ab" },
    expected: {
      imap: "secret-wrong (not attempted)",
      pop: "secret-wrong (not attempted)",
      smtp: "secret-wrong (not attempted)",
    },
    says: /AADSTS7000215: the client secret's value is wrong/,
  },
  {
    name: "expired secret",
    change: () =>
      t.update((s) => void (s.entra.passwords[0].endDate = new Date(Date.now() - 60_000).toISOString())),
    restore: () =>
      t.update((s) => void (s.entra.passwords[0].endDate = new Date(Date.now() + 86400_000).toISOString())),
    expected: {
      imap: "secret-expired (not attempted)",
      pop: "secret-expired (not attempted)",
      smtp: "secret-expired (not attempted)",
    },
    says: /AADSTS7000222: the client secret has expired/,
  },
  {
    name: "wrong scope",
    extra: ["--scope", "https://outlook.office365.com/IMAP.AccessAsApp"],
    expected: {
      imap: "scope-invalid (not attempted)",
      pop: "scope-invalid (not attempted)",
      smtp: "scope-invalid (not attempted)",
    },
    says: /AADSTS1002012: the scope is not valid for client credentials/,
  },
  {
    name: "expired token",
    extra: ["--authority-host", "SKEWED"],
    expected: {
      imap: "token-expired (not attempted)",
      pop: "token-expired (not attempted)",
      smtp: "token-expired (not attempted)",
    },
    says: /The token expired at .* before it was used/,
  },
  {
    name: "wrong audience",
    extra: ["--scope", "https://graph.microsoft.com/.default"],
    expected: {
      imap: "wrong-audience (not attempted)",
      pop: "wrong-audience (not attempted)",
      smtp: "wrong-audience (not attempted)",
    },
    says: /The token is for https:\/\/graph\.microsoft\.com, not https:\/\/outlook\.office365\.com/,
  },
  {
    name: "protocol refused",
    change: withMailbox((m) => {
      m.ImapEnabled = false;
      m.PopEnabled = false;
      m.SmtpClientAuthenticationDisabled = true;
    }),
    restore: withMailbox((m) => {
      m.ImapEnabled = true;
      m.PopEnabled = true;
      m.SmtpClientAuthenticationDisabled = null;
    }),
    expected: { imap: "exchange-refused-token", pop: "exchange-refused-token", smtp: "smtp-auth-disabled" },
    says: /SMTP AUTH is disabled for the mailbox helpdesk@contoso\.com: 535 5\.7\.139[\s\S]*Set-CASMailbox -Identity helpdesk@contoso\.com -ImapEnabled \$true/,
  },
];

describe.skipIf(skipDovecot)("verify against the offline peers (Dovecot, smtp-server, token issuer)", () => {
  it("passes every protocol for a granted token (exit 0)", async () => {
    const d = deps();
    const { exitCode, report } = await runVerify(argv(GRANTED), d);
    record(report!);
    expect(outcome(report!)).toEqual({ imap: "pass", pop: "pass", smtp: "pass" });
    expect(exitCode).toBe(0);
    expect(peers.smtpMessages).toHaveLength(0); // nothing is sent without --send-test
  });

  it("passes every protocol with a certificate credential", async () => {
    const { exitCode, report } = await runVerify(argv(GRANTED, "--certificate", certPath), deps({}));
    record(report!);
    expect(report!.credential).toBe("certificate");
    expect(outcome(report!)).toEqual({ imap: "pass", pop: "pass", smtp: "pass" });
    expect(exitCode).toBe(0);
  });

  it.each(cases)("diagnoses $name and exits 1", async (c) => {
    c.change?.();
    try {
      const extra = [...(c.extra ?? [])];
      const d = deps(c.env);
      const { exitCode, report } = await runVerify(argv(c.mailbox ?? GRANTED, ...extra), d);
      record(report!);
      expect(outcome(report!)).toEqual(c.expected);
      expect(exitCode).toBe(1);
      expect(d.out.join("")).toMatch(c.says);
    } finally {
      c.restore?.();
    }
  });

  it("agrees with the peers: an expired or Graph token is refused by Dovecot too", async () => {
    const base = {
      tenant: t.tenantId,
      clientId: t.app.application.clientId,
      credential: { kind: "secret" as const, secret: t.secret },
      ca: issuer.ca + skewedIssuer.ca,
    };
    const expired = await acquireToken({ ...base, authorityHost: skewedIssuer.url });
    const graph = await acquireToken({
      ...base,
      authorityHost: issuer.url,
      scope: "https://graph.microsoft.com/.default",
    });
    for (const token of [expired, graph]) {
      if (!token.ok) throw new Error("expected a token");
      tokens.push(token.accessToken);
      const r = await loginImap({
        ...peers.imaps,
        mailbox: GRANTED,
        accessToken: token.accessToken,
        timeoutMs: 10_000,
        ca: peers.ca,
      });
      expect(r).toMatchObject({ ok: false, stage: "auth" });
    }
  });

  it("--wait passes once the grant appears mid-run", async () => {
    t.update((s) => {
      const m = s.exchange.mailboxes.find((x) => x.address === NOT_GRANTED)!;
      m.permissions = m.permissions.filter(
        (p) => p.Deny || !p.AccessRights.includes("FullAccess") || p.UserSid === "S-1-5-10",
      );
    });
    let sleeps = 0;
    const d = deps(undefined, {
      sleep: async () => {
        sleeps++;
        if (sleeps === 1) t.update((s) => grantMailbox(s, NOT_GRANTED, sp(), t.app.application.clientId));
      },
      backoff: { initialMs: 100, maxMs: 100 },
    });
    const { exitCode, report } = await runVerify(argv(NOT_GRANTED, "--wait", "2m"), d);
    record(report!);
    expect(exitCode).toBe(0);
    expect(report!.rounds).toBe(2);
    expect(report!.logins.map((l) => l.attempts)).toEqual([2, 2, 2]);
  });

  it("sends a test message only with --send-test", async () => {
    const { exitCode, report } = await runVerify(
      argv(GRANTED, "--protocol", "smtp", "--send-test", "ops@contoso.com"),
      deps(),
    );
    record(report!);
    expect(exitCode).toBe(0);
    expect(peers.smtpMessages).toEqual([expect.objectContaining({ from: GRANTED, to: ["ops@contoso.com"] })]);
  });

  it("proves SendAs on its own row: logs in with another SMTP mailbox and is refused until SendAs is granted", async () => {
    const run = () => runVerify(argv(GRANTED, "--protocol", "smtp", "--send-as", NOT_GRANTED), deps());
    const denied = await run();
    record(denied.report!);
    expect(denied.exitCode).toBe(1);
    expect(denied.report!.logins.map((l) => [l.check ?? "login", l.mailbox, l.ok, l.cause?.id])).toEqual([
      ["login", GRANTED, true, undefined],
      ["send-as", NOT_GRANTED, false, "send-as-denied"],
    ]);
    expect(denied.report!.logins[1].loginMailbox).toBe(GRANTED);
    // Add-RecipientPermission -Identity billing -Trustee <sp> -AccessRights SendAs
    t.update((s) => {
      const sid = s.exchange.servicePrincipals.find((p) => p.Identity === sp())!.Sid;
      s.exchange.mailboxes
        .find((m) => m.address === NOT_GRANTED)!
        .recipientPermissions.push({
          Identity: "billing",
          Trustee: "exo-oauth",
          TrusteeSidString: sid,
          AccessControlType: "Allow",
          AccessRights: ["SendAs"],
          IsInherited: false,
          InheritanceType: "None",
        });
    });
    const allowed = await run();
    record(allowed.report!);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.report!.logins.map((l) => l.ok)).toEqual([true, true]);
    expect(peers.smtpMessages.at(-1)).toMatchObject({ from: NOT_GRANTED, headerFrom: [NOT_GRANTED] });
  });

  it("prints the send-as row, its cause and the grant that fixes it, in the table", async () => {
    t.update((s) => {
      s.exchange.mailboxes.find((m) => m.address === NOT_GRANTED)!.recipientPermissions = [];
    });
    const d = deps();
    await runVerify(argv(GRANTED, "--protocol", "smtp", "--send-as", NOT_GRANTED), d);
    const table = d.out.join("");
    expect(table).toMatch(/billing@contoso\.com \(via helpdesk@contoso\.com\)\s+SMTP send-as\s+FAIL/);
    expect(table).toContain(
      `Add-RecipientPermission -Identity ${NOT_GRANTED} -Trustee ${sp()} -AccessRights SendAs -Confirm:$false`,
    );
  });

  it("says SendAs is not proven when no other mailbox logs in over SMTP", async () => {
    const d = deps();
    const { report } = await runVerify(argv(GRANTED, "--protocol", "smtp", "--send-as", GRANTED), d);
    expect(report!.logins).toHaveLength(1);
    expect(report!.notices).toEqual([
      `SendAs on ${GRANTED} is not proven: no other mailbox logs in over SMTP to send as it (give one with --mailbox <address> --protocol smtp)`,
    ]);
    expect(d.out.join("")).toContain("Not checked");
  });

  it("printed no secret and no token in any run (leak scan)", () => {
    const all = printed.join("\n");
    expect(tokens.length).toBeGreaterThan(8);
    expect(all).not.toContain(t.secret);
    for (const token of tokens) expect(all).not.toContain(token);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });
});
