import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createRedactor,
  FRAGMENT_LENGTH,
  isJwt,
  redact,
  redactTokens,
  REDACTED,
  secretForms,
} from "../../components/redact";

const SECRET = "Qx8~tP.4vZr_2mKd9Lw-Yh3NcB7sJeFa"; // shaped like an Entra client secret
const CERT = randomBytes(2400).toString("base64"); // shaped like a base64 PFX
const jwt = (claims: object) =>
  [
    Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "k1" })).toString("base64url"),
    Buffer.from(JSON.stringify(claims)).toString("base64url"),
    randomBytes(256).toString("base64url"),
  ].join(".");

describe("redaction", () => {
  it("masks a known secret in each form text can carry it", () => {
    for (const form of secretForms(SECRET)) {
      const out = redact(`before ${form} after`, [SECRET]);
      expect(out).toBe(`before ${REDACTED} after`);
    }
  });

  it("masks a secret cut at every boundary by a later truncation, because it redacts before cutting", () => {
    const r = createRedactor([SECRET]);
    const text = `pwsh died: ${SECRET} end`;
    for (let max = 1; max <= text.length; max++) {
      const tail = r.tail(text, max);
      const head = r.head(text, max);
      for (const part of [tail, head])
        for (let n = FRAGMENT_LENGTH; n <= SECRET.length; n++)
          for (let i = 0; i + n <= SECRET.length; i++) expect(part).not.toContain(SECRET.slice(i, i + n));
    }
  });

  it("masks any long fragment of a known certificate wherever it stands", () => {
    const r = createRedactor([CERT]);
    for (const [from, to] of [
      [0, 3999],
      [17, 17 + FRAGMENT_LENGTH],
      [CERT.length - 922, CERT.length],
    ]) {
      const out = r(`tail: ${CERT.slice(from, to)} |`);
      expect(out).toContain(REDACTED);
      expect(r.leaks(out)).toBe(false);
    }
  });

  it("leaves fragments shorter than the fragment length, and unrelated text, alone", () => {
    const r = createRedactor([SECRET]);
    expect(r(`id ${SECRET.slice(0, FRAGMENT_LENGTH - 1)}`)).toBe(
      `id ${SECRET.slice(0, FRAGMENT_LENGTH - 1)}`,
    );
    expect(r("Get-MailboxPermission on helpdesk@contoso.com")).toBe(
      "Get-MailboxPermission on helpdesk@contoso.com",
    );
  });

  it("ignores secrets too short to mask and secrets not given", () => {
    expect(redact("pin 123 here", ["123", undefined, null])).toBe("pin 123 here");
  });

  it("masks an unknown JWT, signature segment with - and _ included, by decoding its header", () => {
    const token = jwt({ aud: "https://outlook.office365.com", roles: ["IMAP.AccessAsApp"] });
    const out = redactTokens(`server echoed ${token}.`);
    expect(out).toBe(`server echoed ${REDACTED}.`);
    expect(isJwt(token)).toBe(true);
  });

  it("masks an XOAUTH2 initial response that carries a token", () => {
    const blob = Buffer.from(`user=helpdesk@contoso.com\x01auth=Bearer ${jwt({})}\x01\x01`).toString(
      "base64",
    );
    expect(redactTokens(`AUTHENTICATE XOAUTH2 ${blob}`)).toBe(`AUTHENTICATE XOAUTH2 ${REDACTED}`);
  });

  it("masks a known token split at every boundary into two printed parts, each part that is a long fragment", () => {
    const token = jwt({ aud: "https://outlook.office365.com" });
    const r = createRedactor([token]);
    for (let cut = 1; cut < token.length; cut++) {
      const out = r(`first: ${token.slice(0, cut)} | then: ${token.slice(cut)} |`);
      for (const part of [token.slice(0, cut), token.slice(cut)])
        if (part.length >= FRAGMENT_LENGTH) expect(out).not.toContain(part);
      expect(r.leaks(out)).toBe(false);
    }
  });

  it("masks a pwsh error tail cut through a certificate, its password and a token, because it redacts before cutting", () => {
    const password = "pfx-Pass-9f8e7d6c5b";
    const token = jwt({ roles: ["IMAP.AccessAsApp"] });
    const r = createRedactor([CERT, password, token]);
    const stderr = `Import failed for ${CERT} with ${password}; token ${token} rejected`;
    for (let max = 1; max <= stderr.length; max += 7) expect(r.leaks(r.tail(stderr, max))).toBe(false);
  });

  it("masks an XOAUTH2 initial response a server echoes in base64url, - and _ included", () => {
    // Three "~" in a row put one on the third byte of a base64 group: it encodes as "-".
    const blob = Buffer.from(`user=o~~~brien@contoso.com\x01auth=Bearer ${jwt({})}\x01\x01`).toString(
      "base64url",
    );
    expect(blob).toMatch(/[-_]/);
    expect(redactTokens(`BAD echo ${blob} end`)).toBe(`BAD echo ${REDACTED} end`);
  });

  it("masks a known token's signature segment printed on its own", () => {
    const token = jwt({});
    const signature = token.split(".")[2];
    expect(redact(`server said: ${signature}`, [token])).toBe(`server said: ${REDACTED}`);
  });

  it("keeps Exchange's and Entra's diagnostic text whole", () => {
    const texts = [
      "BAD User is authenticated but not connected. [Hostname=DM6PR01MB5178.namprd01.prod.outlook.com]",
      "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information. [SN4PR0501CA0054.namprd05.prod.outlook.com 2026-12-01T04:10:25.123Z 08DDF1E2B3C4D5E6]",
      "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'user2@contoso.com' couldn't be found on 'YT3PR01A12DC010.CANPR01A012.PROD.OUTLOOK.COM'.",
      "AADSTS7000215: Invalid client secret provided. Trace ID: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 Correlation ID: 2ea4955d-830e-4aa7-8ab5-661a6b9aa84d",
      "eyJhbGciOi.not-a.token",
    ];
    for (const t of texts) expect(redact(t, [SECRET])).toBe(t);
  });

  it("learns secrets added later", () => {
    const r = createRedactor();
    expect(r(`x ${SECRET}`)).toBe(`x ${SECRET}`);
    r.add(SECRET);
    expect(r(`x ${SECRET}`)).toBe(`x ${REDACTED}`);
  });
});
