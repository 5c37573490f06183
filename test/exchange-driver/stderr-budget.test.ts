// The driver's stderr stays under what @pulumi/command can hand back in PULUMI_COMMAND_STDERR
// (one environment string, ≤ 128 KiB): a first apply on 10,000 mailboxes prints a line per change.
import { describe, expect, it } from "vitest";
import { DETAIL_LIMIT, STDERR_LIMIT, boundedLog } from "../../scripts/exchange-driver/stderr-budget";
import { progressLine } from "../../scripts/cli/progress";

function collect() {
  const lines: string[] = [];
  const text = (l: string) => `exo-oauth exchange: ${l}\n`;
  const log = boundedLog((l) => lines.push(text(l)), text);
  return { lines, log, bytes: () => Buffer.byteLength(lines.join("")) };
}

describe("the driver's bounded stderr", () => {
  it("writes every line of a small run", () => {
    const { lines, log } = collect();
    for (let i = 1; i <= 100; i++)
      log(`[${i}/100] + Granting FullAccess on m${i}@contoso.com to Mail (3333…)`);
    log.essential("done: 1 session");
    expect(lines).toHaveLength(101);
    expect(log.dropped).toBe(0);
  });

  it("keeps 10,000 change lines, their progress and the summary under 96 KiB, saying once what it left out", () => {
    const { lines, log, bytes } = collect();
    for (let i = 1; i <= 10_000; i++) {
      log(
        `[${i}/10000] + Granting FullAccess on mailbox-${String(i).padStart(5, "0")}@contoso.com to Mail OAuth (33333333-3333-4333-8333-333333333333)`,
      );
      if (i % 1000 === 0) log(progressLine("writing", i, 10_000, i * 700));
    }
    log.essential("done: 1 session, Add-MailboxPermission 10000");
    log.essential(
      "Applied: granted FullAccess on 10000 mailboxes (SendAs on 0), revoked 0, unchanged 0, in 2 h 05 min.",
    );
    expect(bytes()).toBeLessThanOrEqual(STDERR_LIMIT);
    const detail = lines.filter((l) => l.includes("] + Granting"));
    expect(detail.length).toBeLessThan(10_000);
    expect(Buffer.byteLength(detail.join(""))).toBeLessThanOrEqual(DETAIL_LIMIT);
    expect(lines.filter((l) => l.includes("further lines are left out"))).toHaveLength(1);
    // Every progress line after the cut still comes, and the summary is last.
    expect(lines.filter((l) => l.includes("writing 10000/10000"))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/Applied: granted FullAccess on 10000 mailboxes/);
    expect(log.dropped).toBe(10_000 - detail.length);
  });
});
