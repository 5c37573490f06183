// The fleet's orchestration, with the runner injected: at most `parallel` stacks at once, each in
// its own runner call (the Automation API's own pulumi process, or a tool's process); a stack that
// fails or throws is recorded and the others go on; on abort (Ctrl-C) no stack is started any more,
// the running ones get the signal (the runner cancels its update: ./automation.ts) and are awaited,
// so none is left mid-update; the stacks never started are `cancelled`. Results in the stacks' order.

export const FLEET_COMMANDS = ["preview", "up", "refresh", "plan", "verify", "check-expiry"] as const;
export type FleetCommand = (typeof FLEET_COMMANDS)[number];

/** What one stack's run gave. `changes`: pending (preview, plan) → "changes"; made (up, refresh) → "succeeded". */
export interface StackOutcome {
  result: "succeeded" | "changes" | "failed";
  /** The changes in words, e.g. "2 create, 1 update" or "3 operations". */
  changes?: string;
  /** Why it failed (one line). */
  cause?: string;
}

export interface StackResult {
  stack: string;
  result: StackOutcome["result"] | "cancelled";
  changes?: string;
  cause?: string;
  /** ms; null for a stack never started. */
  durationMs: number | null;
}

export interface StackJob {
  stack: string;
  command: FleetCommand;
  /** Aborted on Ctrl-C: cancel the update and return. */
  signal: AbortSignal;
  /** One line of the stack's progress. */
  progress: (line: string) => void;
}

export type StackRunner = (job: StackJob) => Promise<StackOutcome>;

export type FleetEvent =
  | { kind: "start"; stack: string }
  | { kind: "progress"; stack: string; line: string }
  | { kind: "end"; result: StackResult };

export interface FleetOptions {
  stacks: readonly string[];
  command: FleetCommand;
  /** Stacks at once, ≥ 1. */
  parallel: number;
  runner: StackRunner;
  signal?: AbortSignal;
  onEvent?: (e: FleetEvent) => void;
  /** ms clock (default performance.now). */
  now?: () => number;
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

export async function runFleet(o: FleetOptions): Promise<StackResult[]> {
  const now = o.now ?? (() => performance.now());
  const signal = o.signal ?? new AbortController().signal;
  const results: (StackResult | undefined)[] = new Array(o.stacks.length);
  let next = 0;
  const worker = async () => {
    while (!signal.aborted && next < o.stacks.length) {
      const i = next++;
      const stack = o.stacks[i];
      o.onEvent?.({ kind: "start", stack });
      const started = now();
      let outcome: StackOutcome;
      try {
        outcome = await o.runner({
          stack,
          command: o.command,
          signal,
          progress: (line) => o.onEvent?.({ kind: "progress", stack, line }),
        });
      } catch (err) {
        outcome = { result: "failed", cause: firstLine(err) };
      }
      const result: StackResult = {
        stack,
        ...outcome,
        ...(signal.aborted && outcome.result === "failed"
          ? { result: "cancelled", cause: `cancelled (Ctrl-C)${outcome.cause ? `: ${outcome.cause}` : ""}` }
          : {}),
        durationMs: Math.round(now() - started),
      };
      results[i] = result;
      o.onEvent?.({ kind: "end", result });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel, o.stacks.length)) }, worker));
  return o.stacks.map(
    (stack, i) =>
      results[i] ?? { stack, result: "cancelled", cause: "not started (Ctrl-C)", durationMs: null },
  );
}
