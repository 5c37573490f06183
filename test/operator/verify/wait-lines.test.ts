// verify --wait's round lines (scripts/operator/verify/wait-lines.ts): one short line per round,
// failing logins grouped by protocol and the server's answer without its status.
import { describe, expect, it } from "vitest";
import { roundLine, sameClaims, shortAnswer } from "../../../scripts/operator/verify/wait-lines";
import type { TokenClaims } from "../../../scripts/operator/verify/token";

const claims: TokenClaims = {
  aud: "https://outlook.office365.com",
  iss: "https://sts.windows.net/t/",
  tid: "t",
  appid: "a",
  oid: "o",
  roles: ["IMAP.AccessAsApp", "SMTP.SendAsApp"],
  exp: 1,
};

describe("round lines", () => {
  it("strip a server's status from its answer", () => {
    expect(shortAnswer("A1 NO AUTHENTICATE failed.")).toBe("AUTHENTICATE failed");
    expect(shortAnswer("NO AUTHENTICATE failed.")).toBe("AUTHENTICATE failed");
    expect(shortAnswer("-ERR Authentication failure: unknown user name or bad password.")).toBe(
      "Authentication failure: unknown user name or bad password",
    );
    expect(shortAnswer("535 5.7.3 Authentication unsuccessful")).toBe("Authentication unsuccessful");
  });

  it("group the failing logins by protocol and answer, counting mailboxes", () => {
    const imap = (mailbox: string) => ({
      mailbox,
      protocol: "imap" as const,
      serverResponse: "NO AUTHENTICATE failed.",
    });
    expect(
      roundLine({
        round: 3,
        logins: 6,
        newlyPassed: 1,
        failing: [
          imap("a@contoso.com"),
          imap("b@contoso.com"),
          {
            mailbox: "a@contoso.com",
            protocol: "pop",
            cause: { summary: "The token has no POP.AccessAsApp role; consent." },
          },
        ],
        nextMs: 60_000,
        leftMs: 240_000,
      }),
    ).toBe(
      "round 3: 1 more login passes; IMAP still refused on 2 mailboxes (AUTHENTICATE failed); POP not tried (The token has no POP.AccessAsApp role), next try in 60 s, 4 min left",
    );
  });

  it("end with every login passing, or with --wait over", () => {
    expect(roundLine({ round: 4, logins: 6, newlyPassed: 3, failing: [] })).toBe(
      "round 4: all 6 logins pass",
    );
    expect(
      roundLine({
        round: 6,
        logins: 1,
        newlyPassed: 0,
        failing: [
          {
            mailbox: "a@contoso.com",
            protocol: "smtp",
            serverResponse: "535 5.7.3 Authentication unsuccessful",
          },
        ],
      }),
    ).toBe("round 6: SMTP still refused (Authentication unsuccessful), --wait ended");
  });

  it("compare tokens on who the app is and its roles, not on their expiry", () => {
    expect(sameClaims(claims, { ...claims, exp: 99, roles: [...claims.roles].reverse() })).toBe(true);
    expect(sameClaims(claims, { ...claims, roles: ["IMAP.AccessAsApp"] })).toBe(false);
  });
});
