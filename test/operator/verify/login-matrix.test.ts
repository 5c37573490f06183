// The login matrix against the real peers: Dovecot (IMAP 993-like, POP3 995-like, TLS) and the
// SMTP peer (587-like, STARTTLS), all asking the checker. Each refusal must carry the reply the
// protocol gives and must have been refused for the case's reason (seen through onCheck).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printFigures } from "../../support/figures";
import type { Protocol } from "../../../components/microsoft";
import { startMailPeers, type CheckReason, type MailPeers } from "../../../scripts/offline-tenant/mail-peers";
import { loginImap } from "../../../scripts/operator/verify/imap";
import type { Login, LoginOptions, LoginResult } from "../../../scripts/operator/verify/login";
import { loginPop3 } from "../../../scripts/operator/verify/pop3";
import { loginSmtp } from "../../../scripts/operator/verify/smtp";
import { xoauth2InitialResponse } from "../../../scripts/operator/verify/xoauth2";
import { newMailbox, updateState } from "../../../scripts/offline-tenant/state";
import { skipDovecot } from "../../support/dovecot-gate";
import {
  createFixture,
  GRANTED,
  IMAP_OFF,
  NOT_GRANTED,
  POP_OFF,
  SMTP_OFF,
  type Fixture,
} from "../../support/mail-peers";

const LOGIN: Record<Protocol, Login> = { imap: loginImap, pop: loginPop3, smtp: loginSmtp };
const REFUSED: Record<Protocol, string | RegExp> = {
  imap: "NO [AUTHENTICATIONFAILED] Authentication failed.",
  pop: "-ERR [AUTH] Authentication failed.",
  smtp: "535 5.7.3 Authentication unsuccessful",
};
const SERVICE: Record<Protocol, string> = { imap: "imap", pop: "pop3", smtp: "smtp" };
const now = () => Math.floor(Date.now() / 1000);

describe.skipIf(skipDovecot)("the XOAUTH2 login matrix against the offline peers", () => {
  let f: Fixture;
  let peers: MailPeers;
  const reasons = new Map<string, CheckReason | null>();
  const mechs = new Set<string>();
  const tokens: string[] = [];
  const results: LoginResult[] = [];
  const timings: Record<string, number[]> = {};
  let captured = "";
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    // Capture everything written to stdout/stderr during the matrix for the leak scan.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = write));
    }
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      const original = console[level];
      console[level] = (...args: unknown[]) => {
        captured += `${args.map(String).join(" ")}\n`;
        original(...args);
      };
      restore.push(() => (console[level] = original));
    }
    f = await createFixture();
    peers = await startMailPeers({
      statePath: f.statePath,
      jwks: f.jwks,
      onCheck: (req, result) => {
        reasons.set(`${req.service}:${req.user}`, result.reason);
        mechs.add(`${req.service}:${req.mech}`);
      },
    });
  });
  afterAll(async () => {
    for (const r of restore) r();
    await peers?.stop();
    f?.dispose();
    const rows = Object.entries(timings).map(([k, v]) => {
      const sorted = [...v].sort((a, b) => a - b);
      return `${k.padEnd(14)} n=${String(v.length).padStart(2)} median=${String(sorted[Math.floor(v.length / 2)]).padStart(4)} ms  max=${String(sorted.at(-1)).padStart(4)} ms`;
    });
    printFigures(
      "Per-login timings against the offline peers, one login at a time (connect → TLS → auth → command → logout):",
      rows.join("\n"),
    );
  });

  async function login(
    protocol: Protocol,
    mailbox: string,
    accessToken: string,
    timed = true,
  ): Promise<LoginResult> {
    tokens.push(accessToken);
    const endpoint = { imap: peers.imaps, pop: peers.pop3s, smtp: peers.smtp }[protocol];
    const opts: LoginOptions = {
      ...endpoint,
      mailbox,
      accessToken,
      timeoutMs: 10_000,
      ca: peers.ca,
      servername: "localhost",
    };
    const result = await LOGIN[protocol](opts);
    results.push(result);
    if (timed) (timings[`${protocol} ${result.ok ? "success" : "failure"}`] ??= []).push(result.ms);
    return result;
  }

  for (const protocol of ["imap", "pop", "smtp"] as const) {
    it(`${protocol}: a granted token logs in`, async () => {
      const result = await login(protocol, GRANTED, await f.token());
      expect(result).toMatchObject({ ok: true, protocol });
      expect(reasons.get(`${SERVICE[protocol]}:${GRANTED}`)).toBeNull();
      // imapflow and nodemailer used XOAUTH2 (the only mechanism Exchange offers), not OAUTHBEARER.
      expect(mechs.has(`${SERVICE[protocol]}:XOAUTH2`)).toBe(true);
      expect([...mechs].filter((m) => !m.endsWith(":XOAUTH2"))).toEqual([]);
    });
  }

  const failures: { name: string; reason: CheckReason; mailbox?: string; token: () => Promise<string> }[] = [
    {
      name: "mailbox not granted",
      reason: "mailbox_not_granted",
      mailbox: NOT_GRANTED,
      token: () => f.token(),
    },
    { name: "role missing", reason: "role_missing", token: () => f.token({ roles: [] }) },
    { name: "bad signature", reason: "bad_signature", token: () => f.token({}, f.otherKey) },
    {
      name: "expired token",
      reason: "expired",
      token: () => f.token({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }),
    },
    {
      name: "wrong audience (a Graph token)",
      reason: "wrong_audience",
      token: () => f.token({ aud: "https://graph.microsoft.com" }),
    },
    {
      name: "SP not registered (registered with the app registration's object id)",
      reason: "sp_not_registered",
      token: () => f.token({ oid: f.state.exchange.servicePrincipals[0].ObjectId }),
    },
  ];
  for (const c of failures)
    for (const protocol of ["imap", "pop", "smtp"] as const) {
      it(`${protocol}: ${c.name} is refused at the auth stage with the protocol's reply`, async () => {
        const mailbox = c.mailbox ?? GRANTED;
        const result = await login(protocol, mailbox, await c.token());
        expect(result).toMatchObject({
          ok: false,
          protocol,
          stage: "auth",
          serverResponse: REFUSED[protocol],
        });
        expect(reasons.get(`${SERVICE[protocol]}:${mailbox}`)).toBe(c.reason);
      });
    }

  it("imap: ImapEnabled false on the mailbox is refused", async () => {
    const result = await login("imap", IMAP_OFF, await f.token());
    expect(result).toMatchObject({ ok: false, stage: "auth", serverResponse: REFUSED.imap });
    expect(reasons.get(`imap:${IMAP_OFF}`)).toBe("protocol_disabled");
    // The same mailbox still works over POP3 and SMTP.
    expect(await login("pop", IMAP_OFF, await f.token())).toMatchObject({ ok: true });
  });

  it("pop: PopEnabled false on the mailbox is refused", async () => {
    const result = await login("pop", POP_OFF, await f.token());
    expect(result).toMatchObject({ ok: false, stage: "auth", serverResponse: REFUSED.pop });
    expect(reasons.get(`pop3:${POP_OFF}`)).toBe("protocol_disabled");
  });

  it("smtp: SMTP AUTH disabled on the mailbox answers Exchange's mailbox-level 535 5.7.139", async () => {
    const result = await login("smtp", SMTP_OFF, await f.token());
    expect(result).toMatchObject({ ok: false, stage: "auth" });
    if (!result.ok)
      expect(result.serverResponse).toMatch(
        /^535 5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox\./,
      );
  });

  it("sees a grant written to the state file mid-run at the next login", async () => {
    const mailbox = "late@contoso.com";
    updateState(f.statePath, (s) => void s.exchange.mailboxes.push(newMailbox(mailbox, s.organization)));
    const token = await f.token();
    for (const protocol of ["imap", "pop", "smtp"] as const)
      expect(await login(protocol, mailbox, token)).toMatchObject({ ok: false, stage: "auth" });
    f.grant(mailbox); // what Add-MailboxPermission in the Exchange simulator writes
    for (const protocol of ["imap", "pop", "smtp"] as const)
      expect(await login(protocol, mailbox, token)).toMatchObject({ ok: true, protocol });
  });

  it("measures repeated logins per protocol (success and failure)", async () => {
    const good = await f.token();
    const bad = await f.token({ roles: [] });
    for (let i = 0; i < 5; i++)
      for (const protocol of ["imap", "pop", "smtp"] as const) {
        expect((await login(protocol, GRANTED, good)).ok).toBe(true);
        expect((await login(protocol, GRANTED, bad)).ok).toBe(false);
      }
    // Refusals stay fast: auth_failure_delay 0 and no anvil auth penalty (default: 2 s, growing per IP).
    for (const protocol of ["imap", "pop", "smtp"])
      expect(Math.max(...timings[`${protocol} failure`])).toBeLessThan(1500);
  });

  it("serves concurrent logins (the verify tool runs them with bounded parallelism)", async () => {
    const token = await f.token();
    const bad = await f.token({ roles: [] });
    const runs = (["imap", "pop", "smtp"] as const).flatMap((p) => [
      login(p, GRANTED, token, false),
      login(p, GRANTED, token, false),
      login(p, GRANTED, token, false),
      login(p, GRANTED, bad, false),
    ]);
    const all = await Promise.all(runs);
    expect(all.map((r) => r.ok)).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it("never lets a token into a result, the captured output or Dovecot's log", () => {
    expect(tokens.length).toBeGreaterThan(50);
    // The capture is live (so this scan could fail): both paths reach it.
    process.stdout.write("leak-scan-marker-1\n");
    console.warn("leak-scan-marker-2");
    expect(captured).toContain("leak-scan-marker-1");
    expect(captured).toContain("leak-scan-marker-2");
    const haystacks = [JSON.stringify(results), captured, readFileSync(peers.dovecot.logPath, "utf8")];
    for (const token of new Set(tokens)) {
      const needles = [
        token,
        token.split(".")[1],
        token.split(".")[2],
        xoauth2InitialResponse(GRANTED, token),
      ];
      for (const hay of haystacks) for (const needle of needles) expect(hay.includes(needle)).toBe(false);
    }
  });
});
