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
