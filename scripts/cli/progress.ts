// Progress on long work, for people (stderr), at a cadence a log can keep:
//   reading mailboxes 250/1000 (25 %), 4 min elapsed, about 12 min left
// One line after the first item (the size of the work and a first estimate), one each time
// another tenth of the total is done (from TENTHS_FROM items: fewer need no tenths) or `everyMs` of
// the clock has passed since the last line, and one after the last item — never one per item:
// 1,000 items print at most 2 + 10 + elapsed / everyMs lines. The estimate is the observed rate (elapsed / done) times
// what is left. Time comes from an injected clock (the Exchange driver's RunBudget.clock,
// scripts/exchange-driver/budget.ts): on a virtual clock tests are deterministic, and while it
// has not moved the line shows the counter alone.
//
//   const p = startProgress({ what: "reading mailboxes", total: 1000, clock, sink: log });
//   for (const m of mailboxes) { p.label(); …; p.tick(); }      // label(): "[12/1000]"
import { roughDuration } from "./words";

export interface ProgressOptions {
  /** What is being done, the line's start: "reading mailboxes". */
  what: string;
  /** Items in all (≥ 0). */
  total: number;
  /** Milliseconds, monotonic enough (budget.ts Clock). */
  clock: { now(): number };
  /** Where lines go (one line each, no newline). */
  sink: (line: string) => void;
  /** A line each time this fraction more of the total is done. Default 0.1 (every 10 %). */
  step?: number;
  /** …and when at least this many ms of the clock passed since the last line. Default 30000. */
  everyMs?: number;
  /**
   * The lines after the first and the last item. Default true; false when each item prints its own
   * line with label() (the periodic lines then only add the time and the estimate).
   */
  edges?: boolean;
}

/** Below this many items a line per tenth would be a line every item or two: first, last and time only. */
export const TENTHS_FROM = 50;

/** Starts the progress of `total` items named `what`: ONE clock and sink for a whole run. */
export type TrackProgress = (what: string, total: number, options?: { edges?: boolean }) => Progress;

/** A TrackProgress on `clock` printing to `sink`: what a run hands to its long loops. */
export function progressOn(clock: { now(): number }, sink: (line: string) => void): TrackProgress {
  return (what, total, options) => startProgress({ what, total, clock, sink, ...options });
}

export interface Progress {
  readonly total: number;
  /** Items done so far. */
  readonly done: number;
  /** "[12/1000]": the counter of the item about to be done (done + 1), for an item's own log line. */
  label(): string;
  /** `n` more items done (default 1); prints a line when one is due. */
  tick(n?: number): void;
}

/** The progress of `total` items, started now on `clock`. */
export function startProgress(o: ProgressOptions): Progress {
  const startedAt = o.clock.now();
  const step = o.step ?? 0.1;
  const everyMs = o.everyMs ?? 30_000;
  const edges = o.edges ?? true;
  const tenths = o.total >= TENTHS_FROM;
  let done = 0;
  let lastLineAt = startedAt;
  // The tenth (step) of the total the last line reported.
  let lastBucket = 0;
  const bucket = (n: number) => Math.floor((n / o.total) * (1 / step) + 1e-9);
  return {
    total: o.total,
    get done() {
      return done;
    },
    label: () => `[${Math.min(done + 1, o.total)}/${o.total}]`,
    tick(n = 1) {
      if (n <= 0 || done >= o.total) return;
      done = Math.min(o.total, done + n);
      const now = o.clock.now();
      const due =
        (edges && (done === n || done === o.total)) || // the first item(s), the last
        (tenths && bucket(done) > lastBucket) ||
        now - lastLineAt >= everyMs;
      // Without edges the items print their own counter: a line only adds something with the time.
      if (!due || (!edges && now === startedAt)) return;
      lastBucket = bucket(done);
      lastLineAt = now;
      o.sink(progressLine(o.what, done, o.total, now - startedAt));
    },
  };
}

/**
 * "reading mailboxes 250/1000 (25 %), 4 min elapsed, about 12 min left"; while no time has passed
 * (a virtual clock) the counter alone; at the end "…1000/1000 (100 %) in 16 min".
 */
export function progressLine(what: string, done: number, total: number, elapsedMs: number): string {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  const counter = `${what} ${done}/${total} (${percent} %)`;
  if (elapsedMs <= 0) return counter;
  if (done >= total) return `${counter} in ${roughDuration(elapsedMs)}`;
  return `${counter}, ${roughDuration(elapsedMs)} elapsed, about ${roughDuration(eta(done, total, elapsedMs))} left`;
}

/** A line progressLine() wrote (to leave out of a transcript that shows results only). */
export const PROGRESS_LINE = /^.+ \d+\/\d+ \(\d+ %\)(,| in |$)/;

/** What is left at the observed rate, ms: elapsed / done × (total − done). */
export function eta(done: number, total: number, elapsedMs: number): number {
  if (done <= 0) return Number.POSITIVE_INFINITY;
  return Math.round((elapsedMs / done) * (total - done));
}
