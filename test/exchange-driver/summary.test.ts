// The closing summary of apply and remove (scripts/exchange-driver/summary.ts) and the short wait
// lines (wait-lines.ts), as pure functions: what each counts and how it reads.
import { describe, expect, it } from "vitest";
import type { Operation } from "../../scripts/exchange-driver/plan";
import { summarizeRun, summaryLine } from "../../scripts/exchange-driver/summary";
import { firstSentence, gist, retryLines, someOf } from "../../scripts/exchange-driver/wait-lines";

const SP = "33333333-3333-4333-8333-333333333333";
const grant = (mailbox: string): Operation => ({ kind: "Add-MailboxPermission", mailbox, user: SP });
const sendAs = (mailbox: string): Operation => ({ kind: "Add-RecipientPermission", mailbox, trustee: SP });
const revoke = (mailbox: string): Operation => ({ kind: "Remove-MailboxPermission", mailbox, user: SP });
const revokeSendAs = (mailbox: string): Operation => ({
  kind: "Remove-RecipientPermission",
  mailbox,
  trustee: SP,
});
const counters = {
  sessions: 1,
  cmdlets: { "Connect-ExchangeOnline": 1, "Get-MailboxPermission": 4 },
  retries: 0,
};

describe("the summary of a run", () => {
  it("apply: FullAccess and SendAs granted, revocations counted per mailbox, the untouched desired ones unchanged", () => {
    const s = summarizeRun(
      "apply",
      [
        grant("a@contoso.com"),
        sendAs("a@contoso.com"),
        revoke("old@contoso.com"),
        revokeSendAs("old@contoso.com"),
      ],
      ["a@contoso.com", "B@contoso.com", "c@contoso.com"],
    );
    expect(s).toEqual({
      command: "apply",
      registered: false,
      unregistered: false,
      granted: { fullAccess: 1, sendAs: 1 },
      revoked: 1,
      unchanged: 2,
    });
    expect(summaryLine(s, 16 * 60_000, counters)).toBe(
      "Applied: granted FullAccess on 1 mailbox (SendAs on 1), revoked 1, unchanged 2, in 16 min (5 cmdlets, 1 session).",
    );
  });

  it("remove: what was revoked, the principal removed, and recorded mailboxes that had nothing left", () => {
    const s = summarizeRun(
      "remove",
      [revoke("a@contoso.com"), { kind: "Remove-ServicePrincipal", identity: SP, displayName: "Mail" }],
      ["a@contoso.com", "b@contoso.com"],
    );
    expect(summaryLine(s, 95_000)).toBe(
      "Removed: revoked access on 1 mailbox, removed the service principal, unchanged 1, in 95 s.",
    );
  });
});

describe("wait lines", () => {
  it("keep a message's first sentence, cut long ones", () => {
    expect(firstSentence("Error while querying REST service. HttpStatusCode=429 ErrorMessage=x")).toBe(
      "Error while querying REST service.",
    );
    expect(firstSentence("x".repeat(200), 10)).toBe(`${"x".repeat(9)}…`);
  });

  it("keep the HTTP status the REST module names after its first sentence", () => {
    expect(gist("Error while querying REST service. HttpStatusCode=429 ErrorMessage={…}")).toBe(
      "Error while querying REST service. HttpStatusCode=429",
    );
  });

  it("name the first two of a long list and count the rest", () => {
    expect(someOf(["a", "b", "c", "d"])).toBe("a; b and 2 more");
    expect(someOf(["a"])).toBe("a");
  });

  it("print Exchange's whole message the first time a message is seen, its first sentence after", () => {
    const out: string[] = [];
    const log = retryLines((l) => out.push(l));
    const notice = {
      cmdlet: "Add-MailboxPermission",
      attempt: 1,
      delayMs: 2000,
      message: "Busy on a@contoso.com. Try again later.",
      kind: "transient" as const,
      budgetLeftMs: 598_000,
    };
    log({ ...notice, target: "a@contoso.com" });
    // The same message about another mailbox counts as seen.
    log({
      ...notice,
      target: "b@contoso.com",
      message: "Busy on b@contoso.com. Try again later.",
      attempt: 2,
      delayMs: 4000,
      budgetLeftMs: 300_000,
    });
    log({
      ...notice,
      target: undefined,
      kind: "spNotFoundYet",
      message: "AADServicePrincipalNotFound. Other.",
    });
    expect(out).toEqual([
      "Add-MailboxPermission on a@contoso.com: transient error, attempt 2 in 2000 ms, 10 min of the budget left; Exchange said: Busy on a@contoso.com. Try again later.",
      "Add-MailboxPermission on b@contoso.com: transient error (Busy on b@contoso.com.), attempt 3 in 4000 ms, 5 min of the budget left",
      "Add-MailboxPermission: Exchange does not see the service principal yet, attempt 2 in 2000 ms, 10 min of the budget left; Exchange said: AADServicePrincipalNotFound. Other.",
    ]);
  });
});
