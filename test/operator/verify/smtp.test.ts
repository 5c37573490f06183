// The SMTP client against the SMTP peer (smtp-server + the checker; no Dovecot needed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChecker, type Checker } from "../../../scripts/offline-tenant/mail-peers/checker";
import { startSmtpPeer, type SmtpPeer } from "../../../scripts/offline-tenant/mail-peers/smtp-peer";
import { createLocalhostCert, type LocalhostCert } from "../../../scripts/offline-tenant/tls";
import { updateState } from "../../../scripts/offline-tenant/state";
import type { LoginOptions } from "../../../scripts/operator/verify/login";
import { loginSmtp } from "../../../scripts/operator/verify/smtp";
import {
  createFixture,
  GRANTED,
  NOT_GRANTED,
  SENDAS,
  SMTP_OFF,
  sendAsRow,
  type Fixture,
} from "../../support/mail-peers";

describe("the SMTP client against the SMTP peer (587-like, STARTTLS)", () => {
  let f: Fixture;
  let cert: LocalhostCert;
  let certDir: string;
  let checker: Checker;
  let peer: SmtpPeer;
  beforeAll(async () => {
    f = await createFixture();
    certDir = mkdtempSync(join(tmpdir(), "exo-oauth-smtp-"));
    cert = createLocalhostCert(join(certDir, "tls"));
    checker = await startChecker({ statePath: f.statePath, jwks: f.jwks });
    peer = await startSmtpPeer({
      check: checker.check,
      statePath: f.statePath,
      cert: cert.cert,
      key: cert.key,
    });
  });
  afterAll(async () => {
    await peer?.stop();
    await checker?.stop();
    f?.dispose();
    rmSync(certDir, { recursive: true, force: true });
  });
  const opts = async (mailbox: string, over: Partial<LoginOptions> = {}): Promise<LoginOptions> => ({
    host: "127.0.0.1",
    port: peer.port,
    tls: "starttls",
    mailbox,
    accessToken: await f.token(),
    timeoutMs: 5000,
    ca: cert.cert,
    ...over,
  });

  it("verifies a granted mailbox with AUTH XOAUTH2 after STARTTLS and sends no mail", async () => {
    const before = peer.messages.length;
    const result = await loginSmtp(await opts(GRANTED));
    expect(result).toMatchObject({ ok: true, protocol: "smtp" });
    expect(peer.messages.length).toBe(before);
  });

  it("refuses a mailbox not granted with Exchange's 535 5.7.3", async () => {
    const result = await loginSmtp(await opts(NOT_GRANTED));
    expect(result).toMatchObject({
      ok: false,
      stage: "auth",
      serverResponse: "535 5.7.3 Authentication unsuccessful",
    });
  });

  it("refuses a mailbox whose own SMTP AUTH switch is off with Exchange's mailbox-level 535 5.7.139", async () => {
    const result = await loginSmtp(await opts(SMTP_OFF));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.stage).toBe("auth");
      expect(result.serverResponse).toMatch(
        /^535 5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox\./,
      );
    }
  });

  it("refuses a mailbox that follows a tenant with SMTP AUTH off with the tenant-level 535 5.7.139", async () => {
    updateState(f.statePath, (s) => {
      s.exchange.transportConfig.SmtpClientAuthenticationDisabled = true;
      s.exchange.mailboxes.find((m) => m.address === GRANTED)!.SmtpClientAuthenticationDisabled = null;
    });
    try {
      const result = await loginSmtp(await opts(GRANTED));
      expect(result).toMatchObject({ ok: false, stage: "auth" });
      if (!result.ok)
        expect(result.serverResponse).toMatch(
          /^535 5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant\./,
        );
    } finally {
      updateState(f.statePath, (s) => {
        s.exchange.transportConfig.SmtpClientAuthenticationDisabled = false;
      });
    }
  });

  it("offers no AUTH before STARTTLS, as Exchange on 587", async () => {
    const result = await loginSmtp(await opts(GRANTED, { tls: "none" }));
    expect(result).toMatchObject({ ok: false, stage: "auth" });
  });

  it("sends one test message from the mailbox when sendTestTo is given", async () => {
    const result = await loginSmtp(await opts(GRANTED, { sendTestTo: "someone@example.com" }));
    expect(result).toMatchObject({ ok: true, protocol: "smtp" });
    expect(peer.messages.at(-1)).toMatchObject({ from: GRANTED, to: ["someone@example.com"] });
  });

  it("refuses sending as another address with 554 5.2.252 SendAsDenied at submission, until SendAs is granted", async () => {
    const transport = async () =>
      createTransport({
        host: "127.0.0.1",
        port: peer.port,
        requireTLS: true,
        tls: { ca: cert.cert },
        auth: { type: "OAuth2", user: GRANTED, accessToken: await f.token() },
        logger: false,
      });
    const message = { from: SENDAS, to: "someone@example.com", subject: "s", text: "t" };
    const denied = await transport();
    await expect(denied.sendMail(message)).rejects.toMatchObject({
      responseCode: 554,
      response: expect.stringMatching(/^554 5\.2\.252 SendAsDenied; /),
    });
    denied.close();
    // Add-RecipientPermission -Identity sales -Trustee <sp> -AccessRights SendAs
    updateState(f.statePath, (s) => {
      s.exchange.mailboxes
        .find((m) => m.address === SENDAS)!
        .recipientPermissions.push(sendAsRow(SENDAS, f.spSid));
    });
    const allowed = await transport();
    await expect(allowed.sendMail(message)).resolves.toMatchObject({ accepted: ["someone@example.com"] });
    allowed.close();
    updateState(f.statePath, (s) => {
      s.exchange.mailboxes.find((m) => m.address === SENDAS)!.recipientPermissions = [];
    });
  });

  it("decides SendAs after DATA: MAIL FROM and RCPT TO are accepted, the data is refused", async () => {
    const transport = createTransport({
      host: "127.0.0.1",
      port: peer.port,
      requireTLS: true,
      tls: { ca: cert.cert },
      auth: { type: "OAuth2", user: GRANTED, accessToken: await f.token() },
      logger: false,
    });
    const refused = transport.sendMail({ from: SENDAS, to: "someone@example.com", subject: "s", text: "t" });
    // nodemailer names the SMTP command a reply answered: the refusal answers the message data.
    await expect(refused).rejects.toMatchObject({ responseCode: 554, command: "DATA" });
    transport.close();
  });

  it("checks the From: header too: the login mailbox as envelope sender does not hide another From:", async () => {
    const transport = createTransport({
      host: "127.0.0.1",
      port: peer.port,
      requireTLS: true,
      tls: { ca: cert.cert },
      auth: { type: "OAuth2", user: GRANTED, accessToken: await f.token() },
      logger: false,
    });
    const message = {
      envelope: { from: GRANTED, to: "someone@example.com" },
      from: SENDAS,
      to: "someone@example.com",
      subject: "s",
      text: "t",
    };
    await expect(transport.sendMail(message)).rejects.toMatchObject({
      responseCode: 554,
      response: expect.stringContaining(`${GRANTED} not allowed to send as ${SENDAS}`),
    });
    transport.close();
  });

  it("proves SendAs as verify does: logs in as one mailbox, sends as another, to itself", async () => {
    const denied = await loginSmtp(await opts(GRANTED, { sendAs: SENDAS }));
    expect(denied).toMatchObject({ ok: false, stage: "command" });
    if (!denied.ok) expect(denied.serverResponse).toMatch(/^554 5\.2\.252 SendAsDenied; /);
    updateState(f.statePath, (s) => {
      s.exchange.mailboxes
        .find((m) => m.address === SENDAS)!
        .recipientPermissions.push(sendAsRow(SENDAS, f.spSid));
    });
    const before = peer.messages.length;
    const allowed = await loginSmtp(await opts(GRANTED, { sendAs: SENDAS }));
    expect(allowed).toMatchObject({ ok: true });
    expect(peer.messages.slice(before)).toEqual([
      { from: SENDAS, headerFrom: [SENDAS], to: [SENDAS], size: expect.any(Number) },
    ]);
  });
});
