// The scaffolding every mail login shares (scripts/operator/verify/login-runner.ts), with sessions made
// up in the test: success, failure, timeout, redaction, and closing in every case.
import { describe, expect, it } from "vitest";
import { runLogin, type LoginSession } from "../../../scripts/operator/verify/login-runner";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJvdXRsb29rIn0.c2lnbmF0dXJlLWJ5dGVz";
const opts = { timeoutMs: 200, accessToken: TOKEN };

function session(run: LoginSession["run"]): LoginSession & { closed: number } {
  const s = {
    closed: 0,
    run,
    failure: (error: unknown) => ({ stage: "auth" as const, response: (error as Error).message }),
    close: () => void s.closed++,
  };
  return s;
}

describe("runLogin", () => {
  it.each([
    [
      "a session that resolves is a success with its detail",
      session(async () => "INBOX 3 messages"),
      { ok: true, protocol: "imap", detail: "INBOX 3 messages" },
    ],
    [
      "a session that rejects is a failure at the stage the client names",
      session(async () => Promise.reject(new Error("NO [AUTHENTICATIONFAILED] Authentication failed."))),
      {
        ok: false,
        protocol: "imap",
        stage: "auth",
        serverResponse: "NO [AUTHENTICATIONFAILED] Authentication failed.",
      },
    ],
    [
      "a session that throws before its first await is a failure too",
      session(() => {
        throw new Error("XOAUTH2: bad mailbox");
      }),
      { ok: false, protocol: "imap", stage: "auth", serverResponse: "XOAUTH2: bad mailbox" },
    ],
    [
      "a session that never answers ends at the deadline",
      session(() => new Promise<string>(() => undefined)),
      { ok: false, protocol: "imap", stage: "timeout", serverResponse: "no answer within 200 ms" },
    ],
  ])("%s, and the connection is closed once", async (_name, s, expected) => {
    const result = await runLogin("imap", opts, s);
    expect(result).toMatchObject(expected);
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(s.closed).toBe(1);
  });

  it("redacts the token from a server reply that echoes it", async () => {
    const s = session(async () => Promise.reject(new Error(`535 5.7.3 rejected ${TOKEN}`)));
    const result = await runLogin("smtp", opts, s);
    expect(result).toMatchObject({
      ok: false,
      protocol: "smtp",
      serverResponse: "535 5.7.3 rejected [redacted]",
    });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });
});

describe("runLogin's redaction: real tokens only, Exchange's diagnostics whole", () => {
  // A token whose signature segment carries base64url's - and _.
  const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "k1" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify({ aud: "https://outlook.office365.com" })).toString("base64url");
  const token = `${header}.${payload}.Ab-_Cd-_Ef-_Gh-_Ij-_Kl-_Mn-_Op-_Qr-_St-_Uv-_Wx`;
  const fail = (response: string, accessToken = token) =>
    runLogin(
      "imap",
      { timeoutMs: 1000, accessToken },
      {
        run: () => Promise.reject(new Error(response)),
        failure: (e) => ({ stage: "command", response: (e as Error).message }),
        close: () => undefined,
      },
    );

  it.each([
    "BAD User is authenticated but not connected. [Hostname=DM6PR01MB5178.namprd01.prod.outlook.com]",
    "NO AUTHENTICATE failed. AuthFailed:LogonDenied-None-OAuthLog:AuthExc_Auth Failed. [AuthResultFromPopImapEnd=0;ProcessingTime=12.34]",
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information. [SN4PR0501CA0054.namprd05.prod.outlook.com 2026-12-01T04:10:25.123Z 08DDF1E2B3C4D5E6]",
    "554 5.2.252 SendAsDenied; helpdesk@contoso.com not allowed to send as billing@contoso.com; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message. 0.35250:0A006A88, 1.36674:0A000000[EndDiagnosticData]",
  ])("keeps «%s» whole", async (reply) => {
    expect(await fail(reply)).toMatchObject({ serverResponse: reply });
  });

  it("masks the token a server echoes, and its signature segment alone, - and _ included", async () => {
    const signature = token.split(".")[2];
    const r = await fail(`NO bad token ${token} sig=${signature} end`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.serverResponse).not.toContain(signature.slice(0, 12));
    expect(r.serverResponse).toMatch(/^NO bad token \[redacted\] sig=\[redacted\] end$/);
  });

  it("masks an unknown token by decoding it, even when it is not the login's", async () => {
    const r = await fail(`NO echo ${token}`, "another-token-value-entirely");
    if (!r.ok) expect(r.serverResponse).toBe("NO echo [redacted]");
  });
});
