import { describe, expect, it } from "vitest";
import { redact } from "../../../components/redact";
import { decodeErrorChallenge, xoauth2InitialResponse } from "../../../scripts/operator/verify/xoauth2";

describe("the XOAUTH2 initial response", () => {
  it("is base64 of user=, auth=Bearer and the \\x01 framing Microsoft documents", () => {
    const ir = xoauth2InitialResponse("shared@contoso.com", "eyJ0.eyJ1.c2ln");
    expect(Buffer.from(ir, "base64").toString()).toBe(
      "user=shared@contoso.com\x01auth=Bearer eyJ0.eyJ1.c2ln\x01\x01",
    );
  });

  it("refuses a control character in the mailbox (it would end the field early) without echoing the token", () => {
    expect(() => xoauth2InitialResponse("a@b.c\x01auth=Bearer x", "tok")).toThrow(
      /mailbox .* contains control characters/,
    );
    expect(() => xoauth2InitialResponse("a@b.c", "secret-token\x01")).toThrow(
      "XOAUTH2: the access token contains control characters",
    );
    expect(() => xoauth2InitialResponse("a@b.c", "secret-token\x01")).not.toThrow(/secret-token/);
  });
});

describe("the error challenge", () => {
  it("decodes Dovecot's and Exchange's base64 JSON challenge and ignores anything else", () => {
    const dovecot = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=";
    expect(decodeErrorChallenge(dovecot)).toEqual({ status: "401", schemes: "bearer", scope: "mail" });
    expect(decodeErrorChallenge("")).toBeUndefined();
    expect(decodeErrorChallenge("bm90IGpzb24=")).toBeUndefined();
  });
});

// Every login passes server and local error text through components/redact.ts (login-runner.ts).
describe("redacting login failure text", () => {
  const token = "eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJlLXZhbHVl";
  it.each([
    ["the token itself", `AUTH failed for ${token}`],
    [
      "another JWT (its header decodes to an `alg`)",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvdGhlciJ9.b3RoZXItc2lnbmF0dXJl in reply",
    ],
    [
      "the base64 XOAUTH2 blob",
      `AUTH XOAUTH2 ${xoauth2InitialResponse("shared@contoso.com", token + "x".repeat(200))}`,
    ],
  ])("removes %s", (_name, text) => {
    const out = redact(text, [token]);
    expect(out).toContain("[redacted]");
    expect(out).not.toContain(token);
    expect(out).not.toMatch(/[A-Za-z0-9+/]{200,}/);
  });

  it("removes an XOAUTH2 blob carrying a token nobody named, by decoding it", () => {
    const other = "eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJvdGhlciJ9.b3RoZXItc2lnbmF0dXJl";
    const blob = xoauth2InitialResponse("shared@contoso.com", other);
    expect(redact(`AUTH XOAUTH2 ${blob}`, [token])).toBe("AUTH XOAUTH2 [redacted]");
  });

  it("leaves server replies alone", () => {
    expect(redact("535 5.7.3 Authentication unsuccessful", [token])).toBe(
      "535 5.7.3 Authentication unsuccessful",
    );
    expect(redact("NO [AUTHENTICATIONFAILED] Authentication failed.", [token])).toBe(
      "NO [AUTHENTICATIONFAILED] Authentication failed.",
    );
  });
});
