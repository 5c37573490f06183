// The report to paste into a ticket: a header (stack, tenant, app, time), each login once, one
// "What to do" per cause, Unicode and colour only on a terminal that shows them.
import { describe, expect, it } from "vitest";
import type { Cause } from "../../../scripts/operator/verify/diagnosis";
import type { VerifyReport } from "../../../scripts/operator/verify/run";
import { renderTable } from "../../../scripts/operator/verify/table";

const refused = (mailbox: string): Cause => ({
  id: "exchange-refused-token",
  summary: "Exchange refused the token for this mailbox",
  action: `Exchange does not let service principal 33333333-3333-4333-8333-333333333333 into ${mailbox}. Check:`,
  checks: [
    `Add-MailboxPermission -Identity ${mailbox} -User 33333333-3333-4333-8333-333333333333 -AccessRights FullAccess`,
  ],
});

const report: VerifyReport = {
  ok: false,
  stack: "prod",
  startedAt: "2026-12-01T09:30:00.000Z",
  tenant: "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d",
  clientId: "22222222-2222-4222-8222-222222222222",
  credential: "secret",
  authorityHost: "https://login.microsoftonline.com",
  scope: "https://outlook.office365.com/.default",
  token: { ok: false, ms: 10 },
  findings: [],
  logins: ["a@contoso.com", "b@contoso.com", "c@contoso.com"].map((mailbox) => ({
    mailbox,
    protocol: "imap" as const,
    ok: false,
    attempted: true,
    attempts: 1,
    ms: 120,
    stage: "auth" as const,
    serverResponse: "NO AUTHENTICATE failed.",
    cause: refused(mailbox),
  })),
  notices: [],
  warnings: [],
  rounds: 1,
  elapsedMs: 500,
  summary: { expected: 3, passed: 0, failed: 3 },
};

describe("verify's table", () => {
  it("opens with the stack, the time, the tenant and the application", () => {
    const [first, second] = renderTable(report).split("\n");
    expect(first).toBe("exo-oauth verify | stack prod | 2026-12-01T09:30:00.000Z");
    expect(second).toBe(
      "Tenant 2ea4955d-830e-4aa7-8ab5-661a6b9aa84d | application 22222222-2222-4222-8222-222222222222 | client secret | https://login.microsoftonline.com",
    );
  });

  it("says one cause once, for every mailbox it stops, with the others named", () => {
    const text = renderTable(report);
    expect(text.match(/^\[\d\] /gm)).toEqual(["[1] "]);
    expect(text).toContain("    The same for b@contoso.com, c@contoso.com (with that address).");
    expect(text.match(/\[1\] Exchange refused the token/g)).toHaveLength(4); // three rows, one footnote
  });

  it("says one cause once across protocols, with every protocol's checks (IMAP and POP need one SMTP does not)", () => {
    const protocolCheck =
      "Set-CASMailbox -Identity a@contoso.com -ImapEnabled $true (IMAP) / -PopEnabled $true (POP)";
    const withSwitch = (mailbox: string): Cause => ({
      ...refused(mailbox),
      checks: [
        ...refused(mailbox).checks!,
        protocolCheck.replace("a@contoso.com", mailbox),
        "Time: 15–30 minutes",
      ],
    });
    const smtp = (mailbox: string): Cause => ({
      ...refused(mailbox),
      checks: [...refused(mailbox).checks!, "Time: 15–30 minutes"],
    });
    const login = (protocol: "imap" | "pop" | "smtp", cause: Cause) => ({
      ...report.logins[0],
      protocol,
      cause,
    });
    const text = renderTable({
      ...report,
      logins: [
        login("smtp", smtp("a@contoso.com")),
        login("imap", withSwitch("a@contoso.com")),
        login("pop", withSwitch("a@contoso.com")),
      ],
    });
    expect(text.match(/^\[\d\] /gm)).toEqual(["[1] "]);
    const note = text.slice(text.indexOf("What to do"));
    expect(note.split("\n").filter((l) => l.startsWith("    - "))).toEqual([
      "    - Add-MailboxPermission -Identity a@contoso.com -User 33333333-3333-4333-8333-333333333333 -AccessRights FullAccess",
      `    - ${protocolCheck}`,
      "    - Time: 15–30 minutes",
    ]);
  });

  it("is plain ASCII without colour in a pipe, Unicode and colour on a capable terminal", () => {
    const plain = renderTable(report);
    expect(plain).toMatch(/^[\x20-\x7e\n]*$/);
    const fancy = renderTable(report, { color: true, unicode: true });
    expect(fancy).toContain("✗");
    expect(fancy).toContain("\x1b[");
  });
});
