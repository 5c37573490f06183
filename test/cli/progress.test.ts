// The CLI kit's progress lines (scripts/cli/progress.ts) on a virtual clock: counters, elapsed
// time and the estimate from the observed rate, at a cadence that never prints a line per item.
import { describe, expect, it } from "vitest";
import { virtualClock } from "../../scripts/exchange-driver/budget";
import { PROGRESS_LINE, eta, progressLine, progressOn, startProgress } from "../../scripts/cli/progress";
import { duration, roughDuration } from "../../scripts/cli/words";

/** Runs `total` items of `msEach` on a virtual clock; returns the lines printed. */
function run(total: number, msEach: number, options: { everyMs?: number } = {}) {
  const clock = virtualClock();
  const lines: string[] = [];
  const p = startProgress({
    what: "reading mailboxes",
    total,
    clock,
    sink: (l) => lines.push(l),
    ...options,
  });
  const labels: string[] = [];
  for (let i = 0; i < total; i++) {
    labels.push(p.label());
    void clock.sleep(msEach);
    p.tick();
  }
  return { lines, labels, done: p.done };
}

describe("progress lines", () => {
  it("reads as a counter, a percentage, the elapsed time and the estimate left", () => {
    expect(progressLine("reading mailboxes", 250, 1000, 4 * 60_000)).toBe(
      "reading mailboxes 250/1000 (25 %), 4 min elapsed, about 12 min left",
    );
  });

  it("are recognisable, to leave out of a transcript", () => {
    expect(PROGRESS_LINE.test(progressLine("reading mailboxes", 250, 1000, 240_000))).toBe(true);
    expect(PROGRESS_LINE.test(progressLine("writing", 3, 3, 0))).toBe(true);
    expect(PROGRESS_LINE.test("[2/3] + Granting FullAccess on a@contoso.com")).toBe(false);
  });

  it("estimates what is left from the observed rate", () => {
    expect(eta(250, 1000, 240_000)).toBe(720_000);
    expect(eta(999, 1000, 999_000)).toBe(1000);
  });

  it("shows the counter alone while the clock has not moved, and the whole time at the end", () => {
    expect(progressLine("writing", 3, 10, 0)).toBe("writing 3/10 (30 %)");
    expect(progressLine("writing", 1000, 1000, 16 * 60_000)).toBe("writing 1000/1000 (100 %) in 16 min");
  });

  it("words durations as the tools do: ms, s, then whole minutes, then hours", () => {
    expect(roughDuration(850)).toBe(duration(850));
    expect(roughDuration(95_000)).toBe("95 s");
    expect(roughDuration(16 * 60_000 + 20_000)).toBe("16 min");
    expect(roughDuration(125 * 60_000)).toBe("2 h 05 min");
  });
});

describe("progress cadence", () => {
  it("1,000 items of 1 s: a line after the first, one per tenth, and one at the end — 11 lines, not 1,000", () => {
    const { lines } = run(1000, 1000, { everyMs: 10 * 60_000 });
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe("reading mailboxes 1/1000 (0 %), 1000 ms elapsed, about 17 min left");
    expect(lines[3]).toBe("reading mailboxes 300/1000 (30 %), 5 min elapsed, about 12 min left");
    expect(lines.at(-1)).toBe("reading mailboxes 1000/1000 (100 %) in 17 min");
  });

  it("adds a line at least every 30 s of the clock, still far fewer than the items", () => {
    const { lines } = run(1000, 1000);
    // 1000 s of work: a line every 30 s (33) plus the tenths falling between them, first and last.
    expect(lines.length).toBeGreaterThanOrEqual(34);
    expect(lines.length).toBeLessThanOrEqual(2 + 10 + Math.ceil(1000 / 30));
    // 30 s after the first line (at 1 s).
    expect(lines[1]).toBe("reading mailboxes 31/1000 (3 %), 31 s elapsed, about 16 min left");
  });

  it("gives each item its own counter for its log line", () => {
    const { labels } = run(3, 0);
    expect(labels).toEqual(["[1/3]", "[2/3]", "[3/3]"]);
  });

  it("below 50 items, no tenths: the first and the last line only (and one each 30 s)", () => {
    expect(run(49, 0).lines).toEqual(["reading mailboxes 1/49 (2 %)", "reading mailboxes 49/49 (100 %)"]);
    expect(run(49, 1000).lines).toHaveLength(3);
  });

  it("without edges (items that print their own counted line): only the tenths and the time", () => {
    const clock = virtualClock();
    const lines: string[] = [];
    const track = progressOn(clock, (l) => lines.push(l));
    const p = track("writing", 100, { edges: false });
    for (let i = 0; i < 100; i++) {
      void clock.sleep(100);
      p.tick();
    }
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("writing 10/100 (10 %), 1000 ms elapsed, about 9000 ms left");
    expect(lines.at(-1)).toBe("writing 100/100 (100 %) in 10 s");
  });

  it("without edges, while the clock has not moved: nothing (the counted item lines say it all)", () => {
    const lines: string[] = [];
    const p = progressOn(virtualClock(), (l) => lines.push(l))("writing", 100, { edges: false });
    p.tick(100);
    expect(lines).toEqual([]);
  });

  it("prints one line for one item, and nothing for none", () => {
    expect(run(1, 500).lines).toEqual(["reading mailboxes 1/1 (100 %) in 500 ms"]);
    expect(run(0, 500).lines).toEqual([]);
  });

  it("never counts past the total", () => {
    const lines: string[] = [];
    const p = startProgress({ what: "x", total: 2, clock: virtualClock(), sink: (l) => lines.push(l) });
    p.tick(5);
    p.tick();
    expect(p.done).toBe(2);
    expect(lines).toEqual(["x 2/2 (100 %)"]);
  });
});
