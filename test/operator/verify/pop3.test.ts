import { describe, expect, it } from "vitest";
import type { LoginOptions } from "../../../scripts/operator/verify/login";
import { loginImap } from "../../../scripts/operator/verify/imap";
import { loginPop3 } from "../../../scripts/operator/verify/pop3";
import { skipDovecot } from "../../support/dovecot-gate";
import { GRANTED, NOT_GRANTED, useMailPeers } from "../../support/mail-peers";

describe.skipIf(skipDovecot)("the POP3 client against Dovecot", () => {
  const t = useMailPeers();
  /** A login to `port` of the peers (trusting their certificate), as `mailbox` with a fresh token. */
  const opts = async (
    port: "pop3s" | "pop3" | "imap",
    mailbox: string,
    over: Partial<LoginOptions> = {},
  ): Promise<LoginOptions> => ({
    ...t.peers[port],
    mailbox,
    accessToken: await t.f.token(),
    timeoutMs: 5000,
    ca: t.peers.ca,
    ...over,
  });
  /** The plaintext port upgraded with STLS / STARTTLS. */
  const starttls: Partial<LoginOptions> = { tls: "starttls", servername: "localhost" };

  it("logs in over TLS (995-like) with AUTH XOAUTH2, then STAT and QUIT", async () => {
    const result = await loginPop3(await opts("pop3s", GRANTED));
    expect(result).toMatchObject({ ok: true, protocol: "pop", detail: "STAT 0 0" });
  });

  it("logs in after STLS on the plaintext port", async () => {
    const result = await loginPop3(await opts("pop3", GRANTED, starttls));
    expect(result).toMatchObject({ ok: true, protocol: "pop" });
  });

  it("answers the error challenge with an empty line, so a refusal ends in -ERR, not a hang", async () => {
    const token = await t.f.token();
    const result = await loginPop3(await opts("pop3s", NOT_GRANTED, { accessToken: token }));
    expect(result).toMatchObject({
      ok: false,
      protocol: "pop",
      stage: "auth",
      serverResponse: "-ERR [AUTH] Authentication failed.",
    });
    // Well inside the timeout: the client did not wait for a reply that never comes.
    expect(result.ms).toBeLessThan(2000);
    expect(JSON.stringify(result)).not.toContain(token);
  });

  it("refuses an untrusted certificate at the tls stage", async () => {
    const result = await loginPop3(await opts("pop3s", GRANTED, { ca: undefined }));
    expect(result).toMatchObject({ ok: false, stage: "tls" });
    if (!result.ok) expect(result.serverResponse).toMatch(/self[- ]signed/i);
  });

  it("logs in to IMAP after STARTTLS on the plaintext port too", async () => {
    const result = await loginImap(await opts("imap", GRANTED, starttls));
    expect(result).toMatchObject({ ok: true, protocol: "imap" });
  });
});
