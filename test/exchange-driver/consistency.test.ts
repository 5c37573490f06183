// The one consistency policy, table-tested on a virtual clock (nothing sleeps): reads until N
// consecutive reads agree with what was written, backing off in between, within the run's budget.
import { describe, expect, it } from "vitest";
import { startRunBudget, virtualClock } from "../../scripts/exchange-driver/budget";
import {
  CONFIRMING_READS,
  ConsistencyError,
  waitForConsistency,
  type Reading,
} from "../../scripts/exchange-driver/consistency";

/** "y" = a read that agrees, "n" = one that shows something else; the last letter repeats forever. */
function reads(script: string) {
  let i = 0;
  const seen: string[] = [];
  const read = async (): Promise<Reading> => {
    const c = script[Math.min(i++, script.length - 1)];
    seen.push(c);
    return c === "y"
      ? { agrees: true }
      : { agrees: false, shows: `no FullAccess on a@contoso.com (read ${i})` };
  };
  return { read, seen };
}

interface Row {
  name: string;
  script: string;
  confirmations?: number;
  budgetSeconds: number;
  /** Waits between reads, ms (base 2000, cap 30000). */
  sleeps: number[];
  reads: number;
  fails?: RegExp;
}

const ROWS: Row[] = [
  {
    name: "a write visible at once, confirmed by a second read one base delay later",
    script: "y",
    budgetSeconds: 600,
    sleeps: [2000],
    reads: 2,
  },
  {
    name: "a single agreeing read is enough when asked for one",
    script: "y",
    confirmations: 1,
    budgetSeconds: 600,
    sleeps: [],
    reads: 1,
  },
  {
    name: "a stale first read (staleReadsAfterWrite), then visible",
    script: "nyy",
    budgetSeconds: 600,
    sleeps: [2000, 2000],
    reads: 3,
  },
  {
    name: "stale reads back off: base, 2 × base, 4 × base; agreeing reads keep the wait",
    script: "nnnyy",
    budgetSeconds: 600,
    sleeps: [2000, 4000, 8000, 8000],
    reads: 5,
  },
  {
    name: "an agreeing read followed by a stale one starts the count again",
    script: "ynyy",
    budgetSeconds: 600,
    sleeps: [2000, 4000, 4000],
    reads: 4,
  },
  {
    name: "three confirmations take three agreeing reads in a row",
    script: "yynyyy",
    confirmations: 3,
    budgetSeconds: 600,
    sleeps: [2000, 2000, 4000, 4000, 4000],
    reads: 6,
  },
  {
    name: "the wait is capped at the policy's max (30 s)",
    script: "nnnnnnnyy",
    budgetSeconds: 600,
    sleeps: [2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000],
    reads: 9,
  },
  {
    name: "a write that never shows fails when the next wait would overrun the budget",
    script: "n",
    budgetSeconds: 30,
    sleeps: [2000, 4000, 8000, 16000],
    reads: 5,
    fails:
      /^Verifying what this run wrote \(Granting FullAccess on a@contoso.com\): Exchange still shows no FullAccess on a@contoso.com \(read 5\) after 5 reads over 30 s, and the run's budget \(exo-oauth:exchange.retryDeadlineSeconds = 30 s\) is spent\. .*run the deployment again.*raise exo-oauth:exchange.retryDeadlineSeconds/,
  },
  {
    name: "a write seen once but not confirmed within the budget fails, saying so",
    script: "nnnny",
    budgetSeconds: 30,
    sleeps: [2000, 4000, 8000, 16000],
    reads: 5,
    fails: /Exchange still shows it on 1 of the 2 reads in a row it needs after 5 reads/,
  },
];

describe("waitForConsistency", () => {
  it(`asks ${CONFIRMING_READS} agreeing reads in a row by default`, () => {
    expect(CONFIRMING_READS).toBe(2);
  });

  it.each(ROWS.map((r) => [r.name, r] as const))("%s", async (_name, row) => {
    const clock = virtualClock();
    const budget = startRunBudget({
      deadlineSeconds: row.budgetSeconds,
      clock,
      baseDelayMs: 2000,
      maxDelayMs: 30_000,
    });
    const { read, seen } = reads(row.script);
    const run = waitForConsistency({ written: "Granting FullAccess on a@contoso.com", read }, budget, {
      confirmations: row.confirmations,
    });
    if (row.fails) {
      const err = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConsistencyError);
      expect((err as Error).message).toMatch(row.fails);
    } else {
      expect(await run).toEqual({ reads: row.reads, waitedMs: row.sleeps.reduce((a, b) => a + b, 0) });
    }
    expect(clock.sleeps).toEqual(row.sleeps);
    expect(seen).toHaveLength(row.reads);
    expect(budget.elapsedMs()).toBeLessThanOrEqual(row.budgetSeconds * 1000);
  });

  it("shares the run's budget: time already spent on retries leaves less for reading back", async () => {
    const clock = virtualClock();
    const budget = startRunBudget({ deadlineSeconds: 30, clock, baseDelayMs: 2000 });
    await clock.sleep(27_000); // the session's retries, earlier in the run
    const { read } = reads("n");
    await expect(waitForConsistency({ written: "x", read }, budget)).rejects.toThrow(
      /after 2 reads over 2000 ms/,
    );
    expect(clock.sleeps).toEqual([27_000, 2000]);
  });

  it("ends at once on a read that throws: an error is never read as 'not yet'", async () => {
    const clock = virtualClock();
    const budget = startRunBudget({ deadlineSeconds: 600, clock });
    let n = 0;
    const read = async (): Promise<Reading> => {
      if (++n === 2) throw new Error("Reading FullAccess on a@contoso.com: access denied");
      return { agrees: false, shows: "stale" };
    };
    await expect(waitForConsistency({ written: "x", read }, budget)).rejects.toThrow(/access denied/);
    expect(n).toBe(2);
  });

  it("counts a write's agreeing answer as the first read: one agreeing read then completes the streak", async () => {
    const budget = startRunBudget({ deadlineSeconds: 600, clock: virtualClock(), baseDelayMs: 2000 });
    const { read, seen } = reads("y");
    const result = await waitForConsistency({ written: "x", read }, budget, { answerAgreed: true });
    expect(seen).toEqual(["y"]);
    expect(result.reads).toBe(1);
  });

  it("still asks two agreeing reads in a row after a read that disagrees, even when the write's answer agreed", async () => {
    const budget = startRunBudget({ deadlineSeconds: 600, clock: virtualClock(), baseDelayMs: 2000 });
    const { read, seen } = reads("nyy");
    await waitForConsistency({ written: "x", read }, budget, { answerAgreed: true });
    expect(seen).toEqual(["n", "y", "y"]);
  });

  it("tells the caller before each wait what the last read said", async () => {
    const budget = startRunBudget({ deadlineSeconds: 600, clock: virtualClock(), baseDelayMs: 5 });
    const events: string[] = [];
    await waitForConsistency({ written: "x", read: reads("nyy").read }, budget, {
      onWait: (e) => events.push(`${e.reading.agrees ? "agrees" : "differs"} ${e.streak} ${e.delayMs}`),
    });
    expect(events).toEqual(["differs 0 5", "agrees 1 5"]);
  });
});
