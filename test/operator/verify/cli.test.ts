// The verify CLI's core end to end: the real token issuer and @azure/identity, with login
// functions injected that decide like Exchange (the mail peers' checker, in-process).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Protocol } from "../../../components/microsoft";
import { consentRoles, revokeRoles } from "../../../scripts/offline-tenant/entra/entra-app";
import { checkLogin } from "../../../scripts/offline-tenant/mail-peers/checker";
import { readState } from "../../../scripts/offline-tenant/state";
import { startTokenIssuer, type TokenIssuer } from "../../../scripts/offline-tenant/entra/token-issuer";
import type { StackOutputsResult } from "../../../scripts/operator/verify/inputs";
import type { Login, LoginOptions, LoginResult } from "../../../scripts/operator/verify/login";
import { runVerify, type VerifyDeps, type VerifyReport } from "../../../scripts/operator/verify/run";
import { acquireToken, type AcquireToken } from "../../../scripts/operator/verify/token";
import { createTestTenant, grantMailbox, type TestTenant } from "../../support/verify-tenant";

const HELPDESK = "helpdesk@contoso.com";
const BILLING = "billing@contoso.com";

let t: TestTenant;
let issuer: TokenIssuer;
let dir: string;
let caFile: string;
/** Everything any run printed, and every token issued: the leak scan reads these. */
const printed: string[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  t = createTestTenant({ mailboxes: [HELPDESK, BILLING], granted: [HELPDESK] });
  issuer = await startTokenIssuer({ statePath: t.statePath });
  dir = mkdtempSync(join(tmpdir(), "exo-oauth-cli-test-"));
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, issuer.ca);
});
afterAll(async () => {
  await issuer?.close();
  t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const REPLY: Record<Protocol, string> = {
  imap: "NO AUTHENTICATE failed.",
  pop: "-ERR Authentication failure: unknown user name or bad password.",
  smtp: "535 5.7.3 Authentication unsuccessful",
};

interface Harness {
  deps: VerifyDeps;
  calls: (LoginOptions & { protocol: Protocol })[];
  sleeps: number[];
  stdout: () => string;
  stderr: () => string;
}

/** Logins that decide like Exchange, from the same state file; a virtual clock for --wait. */
function harness(
  over: Partial<VerifyDeps> & { onSleep?: (n: number) => void; loginDelayMs?: number } = {},
): Harness {
  const out: string[] = [];
  const err: string[] = [];
  const calls: Harness["calls"] = [];
  const sleeps: number[] = [];
  let clock = Date.now();
  const fake =
    (protocol: Protocol): Login =>
    async (opts) => {
      calls.push({ ...opts, protocol });
      if (over.loginDelayMs) await new Promise((r) => setTimeout(r, over.loginDelayMs));
      const service = protocol === "pop" ? "pop3" : protocol;
      const r = checkLogin(
        { user: opts.mailbox, token: opts.accessToken, service, mech: "XOAUTH2" },
        { state: readState(t.statePath), jwks: issuer.jwks },
      );
      if (r.ok) return { ok: true, protocol, ms: 12 } satisfies LoginResult;
      const reply =
        protocol === "smtp" && r.reason === "protocol_disabled"
          ? "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
          : REPLY[protocol];
      return { ok: false, protocol, ms: 480, stage: "auth", serverResponse: reply } satisfies LoginResult;
    };
  const recordingAcquire: AcquireToken = async (req) => {
    const r = await acquireToken(req);
    if (r.ok) tokens.push(r.accessToken);
    return r;
  };
  const deps: VerifyDeps = {
    env: { EXO_OAUTH_CLIENT_SECRET: t.secret },
    acquireToken: recordingAcquire,
    logins: { imap: fake("imap"), pop: fake("pop"), smtp: fake("smtp") },
    readStackOutputs: async (): Promise<StackOutputsResult> => ({
      ok: false,
      reason: "no-cli",
      message: "the pulumi CLI is not on PATH",
    }),
    readFile: (p) => readFileSync(p, "utf8"),
    stdout: (s) => {
      out.push(s);
      printed.push(s);
    },
    stderr: (s) => {
      err.push(s);
      printed.push(s);
    },
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
      over.onSleep?.(sleeps.length);
    },
    backoff: { initialMs: 5000, maxMs: 20_000 },
    ...over,
  };
  return { deps, calls, sleeps, stdout: () => out.join(""), stderr: () => err.join("") };
}

const explicit = (...extra: string[]) => [
  "--tenant", t.tenantId, "--client-id", t.app.application.clientId,
  "--authority-host", issuer.url, "--ca-file", caFile, ...extra,
]; // prettier-ignore

function row(stdout: string, mailbox: string, protocol: string): string {
  return stdout.split("\n").find((l) => l.startsWith(mailbox) && l.includes(` ${protocol} `)) ?? "";
}

beforeEach(() => {
  // Every test starts from: all three roles consented, helpdesk granted, billing not.
  t.update((s) => {
    consentRoles(s, t.app.servicePrincipal.objectId, [
      "IMAP.AccessAsApp",
      "POP.AccessAsApp",
      "SMTP.SendAsApp",
    ]);
    const billing = s.exchange.mailboxes.find((m) => m.address === BILLING)!;
    billing.permissions = billing.permissions.filter((p) => !p.UserSid.startsWith("S-1-5-21-") || p.Deny);
  });
});

describe("npm run verify", () => {
  it("passes (exit 0) when every login passes, with a table on stdout and progress on stderr, each login shown once", async () => {
    const h = harness();
    const { exitCode, report } = await runVerify(explicit("--mailbox", HELPDESK), h.deps);
    expect(exitCode).toBe(0);
    expect(report?.summary).toEqual({ expected: 3, passed: 3, failed: 0 });
    for (const p of ["IMAP", "POP", "SMTP"]) expect(row(h.stdout(), HELPDESK, p)).toMatch(/ ok /);
    expect(h.stdout()).toMatch(/roles IMAP\.AccessAsApp, POP\.AccessAsApp, SMTP\.SendAsApp/);
    expect(h.stdout()).toContain(`oid ${t.app.servicePrincipal.objectId}`);
    expect(h.stdout()).toMatch(/3 of 3 logins passed\./);
    expect(h.stderr()).toMatch(/Getting a token for .* \(secret\)\.\.\./);
    // Each login once: in the table, not also as a progress line (a short run prints no count).
    expect(h.stderr()).not.toContain(HELPDESK);
    expect(h.stdout()).toMatch(/^exo-oauth verify \| stack \(none: options\) \| \d{4}-\d\d-\d\dT/);
    expect(h.calls.map((c) => [c.protocol, c.host, c.port, c.tls])).toEqual(
      expect.arrayContaining([
        ["imap", "outlook.office365.com", 993, "implicit"],
        ["pop", "outlook.office365.com", 995, "implicit"],
        ["smtp", "smtp.office365.com", 587, "starttls"],
      ]),
    );
  });

  it("fails (exit 1) for a mailbox that is not granted, naming the grant and the registration", async () => {
    const h = harness();
    const { exitCode, report } = await runVerify(
      explicit("--mailbox", HELPDESK, "--mailbox", BILLING),
      h.deps,
    );
    expect(exitCode).toBe(1);
    const billing = report!.logins.filter((l) => l.mailbox === BILLING);
    expect(billing.map((l) => [l.protocol, l.ok, l.cause?.id])).toEqual([
      ["imap", false, "exchange-refused-token"],
      ["pop", false, "exchange-refused-token"],
      ["smtp", false, "exchange-refused-token"],
    ]);
    expect(row(h.stdout(), BILLING, "POP")).toMatch(
      /FAIL .*Exchange refused the token for this mailbox: -ERR Authentication failure/,
    );
    expect(h.stdout()).toContain(
      `Add-MailboxPermission -Identity ${BILLING} -User ${t.app.servicePrincipal.objectId} -AccessRights FullAccess`,
    );
    expect(h.stdout()).toMatch(/3 of 6 logins passed\./);
  });

  it("reports a protocol whose role is missing as failing with the consent cause, without trying its logins", async () => {
    t.update((s) => revokeRoles(s, t.app.servicePrincipal.objectId, ["SMTP.SendAsApp"]));
    const h = harness();
    const { exitCode, report } = await runVerify(
      explicit("--mailbox", HELPDESK, "--mailbox", BILLING, "--protocol", "imap,smtp"),
      h.deps,
    );
    expect(exitCode).toBe(1);
    expect(h.calls.filter((c) => c.protocol === "smtp")).toHaveLength(0);
    const smtp = report!.logins.filter((l) => l.protocol === "smtp");
    expect(smtp.map((l) => [l.attempted, l.cause?.id])).toEqual([
      [false, "role-missing"],
      [false, "role-missing"],
    ]);
    expect(row(h.stdout(), HELPDESK, "SMTP")).toMatch(
      /The token has no SMTP\.SendAsApp role: admin consent is missing for SMTP \(not attempted\)/,
    );
    expect(h.stderr()).toMatch(/SMTP: .* its logins are not attempted/);
  });

  it("--wait passes once the grant appears mid-run", async () => {
    const h = harness({
      onSleep: (n) => {
        if (n === 2)
          t.update((s) =>
            grantMailbox(s, BILLING, t.app.servicePrincipal.objectId, t.app.application.clientId),
          );
      },
    });
    const { exitCode, report } = await runVerify(
      explicit("--mailbox", BILLING, "--protocol", "imap", "--wait", "20m"),
      h.deps,
    );
    expect(exitCode).toBe(0);
    expect(report!.rounds).toBe(3);
    expect(report!.logins[0]).toMatchObject({ ok: true, attempts: 3 });
    expect(h.sleeps).toEqual([5000, 10_000]);
    expect(row(h.stdout(), BILLING, "IMAP")).toMatch(/ ok .*passed on attempt 3/);
    // The token's claims once, then one short line per round.
    const stderr = h.stderr().split("\n");
    expect(stderr.filter((l) => l.startsWith("Getting a token"))).toHaveLength(1);
    expect(stderr.filter((l) => /^Token .*roles \[/.test(l))).toHaveLength(1);
    expect(stderr.filter((l) => l.startsWith("round "))).toEqual([
      "round 1: IMAP refused (AUTHENTICATE failed), next try in 5000 ms, 20 min left",
      "round 2: IMAP still refused (AUTHENTICATE failed), next try in 10 s, 20 min left",
      "round 3: the login passes",
    ]);
  });

  it("--wait passes once admin consent appears mid-run (a fresh token each round)", async () => {
    t.update((s) => revokeRoles(s, t.app.servicePrincipal.objectId, ["POP.AccessAsApp"]));
    const h = harness({
      onSleep: () => t.update((s) => consentRoles(s, t.app.servicePrincipal.objectId, ["POP.AccessAsApp"])),
    });
    const { exitCode, report } = await runVerify(explicit("--mailbox", HELPDESK, "--wait", "5m"), h.deps);
    expect(exitCode).toBe(0);
    expect(report!.rounds).toBe(2);
    // Passed logins are not repeated; POP is tried only once its role is in the token.
    expect(h.calls.map((c) => c.protocol).sort()).toEqual(["imap", "pop", "smtp"]);
    expect(report!.token.claims!.roles).toContain("POP.AccessAsApp");
    // The claims again only because they changed (the role arrived), and the finding once.
    const stderr = h.stderr().split("\n");
    const claims = stderr.filter((l) => /^Token .*roles \[/.test(l));
    expect(claims).toHaveLength(2);
    expect(claims[0]).not.toContain("POP.AccessAsApp");
    expect(claims[1]).toMatch(/^Token \(round 2\) in .*POP\.AccessAsApp/);
    expect(stderr.filter((l) => l.startsWith("round "))).toEqual([
      expect.stringMatching(
        /^round 1: 2 logins pass; POP not tried \(.*\), next try in 5000 ms, 5 min left$/,
      ),
      "round 2: all 3 logins pass",
    ]);
  });

  it("--wait gives up at the deadline with backoff, and exits 1", async () => {
    const h = harness();
    const { exitCode, report } = await runVerify(
      explicit("--mailbox", BILLING, "--protocol", "pop", "--wait", "1m"),
      h.deps,
    );
    expect(exitCode).toBe(1);
    expect(h.sleeps).toEqual([5000, 10_000, 20_000, 20_000, 5000]);
    expect(report!.rounds).toBe(6);
    // Six rounds, six short lines; the token's claims once.
    const stderr = h.stderr().split("\n");
    expect(stderr.filter((l) => /^Token .*roles \[/.test(l))).toHaveLength(1);
    expect(stderr.filter((l) => l.startsWith("round "))).toEqual([
      "round 1: POP refused (Authentication failure: unknown user name or bad password), next try in 5000 ms, 60 s left",
      "round 2: POP still refused (Authentication failure: unknown user name or bad password), next try in 10 s, 55 s left",
      "round 3: POP still refused (Authentication failure: unknown user name or bad password), next try in 20 s, 45 s left",
      "round 4: POP still refused (Authentication failure: unknown user name or bad password), next try in 20 s, 25 s left",
      "round 5: POP still refused (Authentication failure: unknown user name or bad password), next try in 5000 ms, 5000 ms left",
      "round 6: POP still refused (Authentication failure: unknown user name or bad password), --wait ended",
    ]);
    expect(report!.logins[0]).toMatchObject({
      ok: false,
      attempts: 6,
      cause: { id: "exchange-refused-token" },
    });
  });

  it("explains a wrong secret and tries no login", async () => {
    const h = harness({ env: { EXO_OAUTH_CLIENT_SECRET: "0c7e0b1c-5d3a-4a5e-9b1f-7a0e2c1d9f00" } });
    const { exitCode, report } = await runVerify(explicit("--mailbox", HELPDESK), h.deps);
    expect(exitCode).toBe(1);
    expect(h.calls).toHaveLength(0);
    expect(report!.token.cause).toMatchObject({ id: "secret-wrong" });
    expect(h.stdout()).toMatch(/Token {2}FAIL AADSTS7000215: the client secret's value is wrong/);
    expect(h.stdout()).toMatch(/the secret ID \(a GUID\) was used instead of the value/);
    expect(report!.logins.every((l) => !l.attempted && l.cause?.id === "secret-wrong")).toBe(true);
  });

  it("reads inputs from the stack's outputs, secret included, and each mailbox's own protocols", async () => {
    const h = harness({
      env: {},
      readStackOutputs: async () => ({
        ok: true,
        outputs: {
          tenantId: t.tenantId,
          clientId: t.app.application.clientId,
          clientSecret: t.secret,
          protocols: ["imap", "pop", "smtp"],
          mailboxes: [{ address: HELPDESK, protocols: ["imap"], sendAs: false }, BILLING],
        },
      }),
    });
    const { exitCode, report } = await runVerify(
      ["--authority-host", issuer.url, "--ca-file", caFile, "--protocol", "imap,smtp"],
      h.deps,
    );
    expect(report!.logins.map((l) => `${l.mailbox}:${l.protocol}`)).toEqual([
      `${HELPDESK}:imap`,
      `${BILLING}:imap`,
      `${BILLING}:smtp`,
    ]);
    expect(exitCode).toBe(1); // billing is not granted
  });

  it("names the wrong tenant when the token's tid is not the stack's tenant", async () => {
    const h = harness({
      readStackOutputs: async () => ({
        ok: true,
        outputs: {
          tenantId: "11111111-2222-3333-4444-555555555555",
          clientId: t.app.application.clientId,
          mailboxes: [HELPDESK],
        },
      }),
    });
    const { exitCode, report } = await runVerify(
      ["--tenant", "contoso.onmicrosoft.com", "--authority-host", issuer.url, "--ca-file", caFile],
      h.deps,
    );
    expect(exitCode).toBe(1);
    expect(report!.findings.map((f) => f.id)).toEqual(["wrong-tenant"]);
    expect(h.calls).toHaveLength(0);
  });

  it("prints JSON on stdout with --json: claims, never the token", async () => {
    const h = harness();
    const { exitCode } = await runVerify(
      explicit("--mailbox", HELPDESK, "--mailbox", BILLING, "--protocol", "imap", "--json"),
      h.deps,
    );
    expect(exitCode).toBe(1);
    const report = JSON.parse(h.stdout()) as VerifyReport;
    expect(report).toMatchObject({
      ok: false,
      tenant: t.tenantId,
      clientId: t.app.application.clientId,
      credential: "secret",
      token: {
        ok: true,
        claims: {
          tid: t.tenantId,
          oid: t.app.servicePrincipal.objectId,
          roles: ["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"],
        },
      },
      summary: { expected: 2, passed: 1, failed: 1 },
    });
    expect(report.logins[1]).toMatchObject({
      mailbox: BILLING,
      protocol: "imap",
      ok: false,
      stage: "auth",
      serverResponse: REPLY.imap,
      cause: { id: "exchange-refused-token" },
    });
    expect(report.token.claims!.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("bounds parallel logins by --concurrency and passes --timeout and --send-test (SMTP only) to the logins", async () => {
    const mailboxes = Array.from({ length: 6 }, (_, i) => `user${i}@contoso.com`);
    let inFlight = 0;
    let maxInFlight = 0;
    const h = harness();
    const slow =
      (protocol: Protocol): Login =>
      async (opts) => {
        h.calls.push({ ...opts, protocol });
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
        return { ok: true, protocol, ms: 30 };
      };
    h.deps.logins = { imap: slow("imap"), pop: slow("pop"), smtp: slow("smtp") };
    const argv = explicit(
      ...mailboxes.flatMap((m) => ["--mailbox", m]),
      "--protocol",
      "imap,smtp",
      "--concurrency",
      "2",
      "--timeout",
      "7s",
      "--send-test",
      "ops@contoso.com",
    );
    const { exitCode } = await runVerify(argv, h.deps);
    expect(exitCode).toBe(0);
    expect(h.calls).toHaveLength(12);
    expect(maxInFlight).toBe(2);
    expect(h.calls.every((c) => c.timeoutMs === 7000 && c.ca === issuer.ca)).toBe(true);
    expect(h.calls.filter((c) => c.sendTestTo === "ops@contoso.com").map((c) => c.protocol)).toEqual(
      Array(6).fill("smtp"),
    );
    expect(h.calls.filter((c) => c.protocol === "imap").every((c) => c.sendTestTo === undefined)).toBe(true);
  });

  it.each<[string, string[], Partial<VerifyDeps>, RegExp]>([
    [
      "no pulumi CLI and no explicit inputs",
      [],
      {},
      /the pulumi CLI is not on PATH\. Give the inputs explicitly instead \(missing: --tenant, --client-id, --mailbox\)/,
    ],
    [
      "a failing pulumi CLI",
      [],
      {
        readStackOutputs: async () => ({
          ok: false,
          reason: "failed",
          message: "pulumi stack output failed: no stack selected",
        }),
      },
      /no stack selected\. Select a stack \(--stack NAME/,
    ],
    [
      "no secret anywhere",
      ["--mailbox", HELPDESK],
      { env: {} },
      /No client secret: \$EXO_OAUTH_CLIENT_SECRET is not set\. Set it \(another variable with --client-secret-env NAME\), or pass --certificate/,
    ],
    [
      "an empty variable named by --client-secret-env",
      ["--mailbox", HELPDESK, "--client-secret-env", "OTHER"],
      {},
      /\$OTHER is not set/,
    ],
    [
      "a secret on the command line",
      ["--mailbox", HELPDESK, "--client-secret", "literal-secret-value"],
      {},
      /--client-secret is not accepted/,
    ],
    [
      "a missing certificate file",
      ["--mailbox", HELPDESK, "--certificate", "/nonexistent/app.pem"],
      {},
      /--certificate \/nonexistent\/app\.pem: cannot read it \(ENOENT\)/,
    ],
    [
      "a CA file that is not PEM",
      ["--mailbox", HELPDESK, "--ca-file", "/etc/hostname"],
      {},
      /--ca-file \/etc\/hostname holds no PEM certificate/,
    ],
  ])("exits 78 (64 for the command line) for %s, saying what to do", async (_name, argv, over, message) => {
    const h = harness(over);
    const full =
      argv.length === 0
        ? []
        : argv.includes("--ca-file")
          ? ["--tenant", t.tenantId, "--client-id", t.app.application.clientId, ...argv]
          : explicit(...argv);
    const { exitCode } = await runVerify(full, h.deps);
    expect(exitCode).toBe(argv.includes("--client-secret") ? 64 : 78);
    expect(h.stderr()).toMatch(message);
    expect(h.stdout()).toBe("");
    expect(h.calls).toHaveLength(0);
    expect(h.stderr()).not.toContain("literal-secret-value");
  });

  it("prints its usage with --help and exits 0", async () => {
    const h = harness();
    expect((await runVerify(["--help"], h.deps)).exitCode).toBe(0);
    expect(h.stdout()).toMatch(/^Usage: npm run verify -- \[options\]/);
  });

  it("never printed the client secret or any token (leak scan over every run above)", () => {
    expect(tokens.length).toBeGreaterThan(5);
    const all = printed.join("\n");
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(t.secret);
    for (const token of tokens) {
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.split(".")[2]); // not even the signature
    }
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });
});
