// Progress and summaries on long work (issue 12, item 3), with the real driver against the
// simulator: N/M counters on stderr at a cadence that never prints a line per read, each change's
// own line counted, a closing summary with granted / revoked / unchanged counts and the wall time
// on the run's clock, retry lines short with Exchange's whole message once — and stdout still the
// record, nothing else.
import { describe, expect, it, vi } from "vitest";
import { parseRecord } from "../../components/exchange-step/record";
import { newSimTenant, runInProcess, settingsFor } from "../support/driver-run";

vi.setConfig({ testTimeout: 300_000 });

const N = 200;
const mailboxes = (n: number) =>
  Array.from({ length: n }, (_, i) => `m${String(i).padStart(4, "0")}@contoso.com`);
const lines = (stderr: string) => stderr.split("\n").filter(Boolean);
const matching = (stderr: string, re: RegExp) => lines(stderr).filter((l) => re.test(l));
const SUMMARY = /^exo-oauth exchange: (Applied|Removed): /;

describe(`${N} mailboxes: first apply, no-change apply, one added, remove`, () => {
  const all = mailboxes(N + 1);
  const desired = all.slice(0, N);
  const t = newSimTenant(all);
  let record = "";

  it(`first apply: each change counted [k/${N + 1}] as its own line, the read-back in tenths, then the summary`, async () => {
    const r = await runInProcess("apply", { tenant: t, settings: settingsFor(desired) });
    expect(r.code).toBe(0);
    record = r.stdout;
    // stdout is the record and nothing else.
    expect(parseRecord(r.stdout)!.mailboxes).toHaveLength(N);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const writes = matching(r.stderr, new RegExp(`^exo-oauth exchange: \\[\\d+/${N + 1}\\] \\+ `));
    expect(writes).toHaveLength(N + 1);
    expect(writes[0]).toMatch(
      new RegExp(`^exo-oauth exchange: \\[1/${N + 1}\\] \\+ Registering service principal `),
    );
    expect(writes[N]).toContain(`[${N + 1}/${N + 1}] + Granting FullAccess on ${desired[N - 1]} `);
    // The read-back of every mailbox, once (each write's answer was the first confirming read):
    // at most 12 lines a pass.
    const readBack = matching(r.stderr, new RegExp(`reading back mailboxes \\d+/${N}`));
    expect(readBack.length).toBeGreaterThanOrEqual(11);
    expect(readBack.length).toBeLessThanOrEqual(12);
    expect(readBack[0]).toContain(`reading back mailboxes 1/${N} (0 %)`);
    expect(readBack[10]).toContain(`reading back mailboxes ${N}/${N} (100 %)`);
    // Everything else is a handful of lines, not one per mailbox.
    expect(lines(r.stderr).length).toBeLessThanOrEqual(N + 1 + 12 + 12);
    const summary = matching(r.stderr, SUMMARY);
    expect(summary).toHaveLength(1);
    // The total is the sum of the per-cmdlet counts the `done:` line lists.
    const done = matching(r.stderr, /^exo-oauth exchange: done: /)[0];
    const cmdlets = [...done.matchAll(/ (\d+)(?=,|$)/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(cmdlets).toBe(1 + 2 * N + 2); // Connect-ExchangeOnline, then 2N + 2
    expect(summary[0]).toMatch(
      new RegExp(
        `^exo-oauth exchange: Applied: registered the service principal, granted FullAccess on ${N} mailboxes \\(SendAs on 0\\), ` +
          `revoked 0, unchanged 0, in \\d+ (ms|s) \\(${cmdlets} cmdlets, 1 session\\)\\.$`,
      ),
    );
    // The cmdlet counts the tools printed before stay (benches and tests read them).
    expect(r.stderr).toMatch(/^exo-oauth exchange: done: 1 session, Connect-ExchangeOnline 1, /m);
    // And the summary is the last line.
    expect(lines(r.stderr).at(-1)).toBe(summary[0]);
  });

  it(`no change (the Command's update): no mailbox read, all ${N} unchanged as the record vouches`, async () => {
    const r = await runInProcess("apply", {
      tenant: t,
      settings: settingsFor(desired),
      previousStdout: record,
    });
    expect(r.code).toBe(0);
    expect(matching(r.stderr, SUMMARY)).toEqual([
      `exo-oauth exchange: Applied: granted FullAccess on 0 mailboxes (SendAs on 0), revoked 0, unchanged ${N}, in 0 ms (2 cmdlets, 1 session).`,
    ]);
    record = r.stdout;
  });

  it(`one mailbox added: granted on 1, unchanged ${N}`, async () => {
    const r = await runInProcess("apply", { tenant: t, settings: settingsFor(all), previousStdout: record });
    expect(r.code).toBe(0);
    expect(matching(r.stderr, /\[1\/1\] \+ Granting FullAccess on /)).toEqual([
      expect.stringContaining(all[N]),
    ]);
    expect(matching(r.stderr, SUMMARY)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^exo-oauth exchange: Applied: granted FullAccess on 1 mailbox \\(SendAs on 0\\), revoked 0, unchanged ${N}, in \\d+ (ms|s) \\(\\d+ cmdlets, 1 session\\)\\.$`,
        ),
      ),
    ]);
    record = r.stdout;
  });

  it(`remove: revoked on ${N + 1} mailboxes and the principal removed, reads and writes counted`, async () => {
    const r = await runInProcess("remove", { tenant: t, settings: settingsFor(all), previousStdout: record });
    expect(r.code).toBe(0);
    expect(matching(r.stderr, new RegExp(`reading mailboxes \\d+/${N + 1}`)).length).toBeLessThanOrEqual(12);
    expect(matching(r.stderr, new RegExp(`^exo-oauth exchange: \\[\\d+/${N + 2}\\] - `))).toHaveLength(N + 2);
    expect(matching(r.stderr, SUMMARY)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^exo-oauth exchange: Removed: revoked access on ${N + 1} mailboxes, removed the service principal, unchanged 0, in \\d+ (ms|s) \\(\\d+ cmdlets, 1 session\\)\\.$`,
        ),
      ),
    ]);
  });
});

describe("plan over 1,000 mailboxes", () => {
  it("reads each of them, in at most 12 progress lines, not 1,000", async () => {
    const thousand = mailboxes(1000);
    const t = newSimTenant(thousand);
    // One mailbox applied registers the principal; plan then has 1,000 mailboxes to read.
    const first = await runInProcess("apply", { tenant: t, settings: settingsFor(thousand.slice(0, 1)) });
    expect(first.code).toBe(0);
    const r = await runInProcess("plan", {
      tenant: t,
      settings: settingsFor(thousand),
      previousStdout: first.stdout,
    });
    expect(r.code).toBe(2);
    const reads = matching(r.stderr, /reading mailboxes \d+\/1000/);
    expect(reads.length).toBeGreaterThanOrEqual(11);
    expect(reads.length).toBeLessThanOrEqual(12);
    expect(reads.map((l) => /(\d+)\/1000/.exec(l)![1])).toEqual(
      expect.arrayContaining(["1", "100", "500", "1000"]),
    );
    expect(lines(r.stderr).length).toBeLessThanOrEqual(20);
    // plan has no apply summary: its report on stdout sums up.
    expect(matching(r.stderr, SUMMARY)).toEqual([]);
    expect(r.stdout).toContain("Plan: 999 to add, 0 to remove, 2 unchanged.");
  });
});

describe("retry lines", () => {
  it("are one short line each: what, why, attempt, next wait, budget left; Exchange's whole message once", async () => {
    const t = newSimTenant(["a@contoso.com"]);
    const r = await runInProcess("apply", {
      tenant: t,
      settings: settingsFor(["a@contoso.com"]),
      faults: { throttleFirst: 3 },
    });
    expect(r.code).toBe(0);
    const retries = matching(r.stderr, /attempt \d+ in /);
    expect(retries).toHaveLength(3);
    const whole =
      "A server side error has occurred because of which the operation could not be completed. Please try again";
    expect(retries[0]).toMatch(
      /^exo-oauth exchange: Get-ServicePrincipal on AppId \S+: transient error, attempt 2 in \d+ ms, 60 s of the budget left; Exchange said: A server side error/,
    );
    expect(retries[0]).toContain(whole);
    for (const [i, line] of retries.slice(1).entries()) {
      expect(line).toMatch(
        new RegExp(
          `: transient error \\(A server side error has occurred because of which the operation could not be completed\\.\\), attempt ${i + 3} in \\d+ ms, \\d+ s of the budget left$`,
        ),
      );
      expect(line).not.toContain("Please try again");
    }
    expect(r.stderr.split(whole)).toHaveLength(2);
  });
});
