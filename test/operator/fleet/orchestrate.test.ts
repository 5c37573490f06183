import { describe, expect, it } from "vitest";
import { runFleet, type StackJob, type StackOutcome } from "../../../scripts/operator/fleet/orchestrate";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done, fail) => {
    if (signal?.aborted) return fail(new Error("update cancelled"));
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      fail(new Error("update cancelled"));
    });
  });

const names = (n: number) => Array.from({ length: n }, (_, i) => `tenant-${String(i).padStart(2, "0")}`);

describe("the fleet's orchestration", () => {
  it("runs every stack, never more than --parallel at once", async () => {
    let running = 0;
    let most = 0;
    const results = await runFleet({
      stacks: names(12),
      command: "up",
      parallel: 3,
      runner: async () => {
        most = Math.max(most, ++running);
        await sleep(5);
        running--;
        return { result: "succeeded" };
      },
    });
    expect(most).toBe(3);
    expect(results.map((r) => r.result)).toEqual(Array(12).fill("succeeded"));
  });

  it("isolates a failing stack and a throwing one: the others run and succeed", async () => {
    const results = await runFleet({
      stacks: names(6),
      command: "up",
      parallel: 2,
      runner: async ({ stack }): Promise<StackOutcome> => {
        if (stack === "tenant-01") return { result: "failed", cause: "AADSTS7000215: Invalid client secret" };
        if (stack === "tenant-03") throw new Error("pulumi exited 255\nmore lines");
        return { result: "succeeded", changes: "1 update" };
      },
    });
    expect(results.map((r) => [r.stack, r.result, r.cause])).toEqual([
      ["tenant-00", "succeeded", undefined],
      ["tenant-01", "failed", "AADSTS7000215: Invalid client secret"],
      ["tenant-02", "succeeded", undefined],
      ["tenant-03", "failed", "pulumi exited 255"],
      ["tenant-04", "succeeded", undefined],
      ["tenant-05", "succeeded", undefined],
    ]);
  });

  it("on abort starts no stack any more, cancels the running ones and waits for them", async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const stoppedCleanly: string[] = [];
    const results = await runFleet({
      stacks: names(10),
      command: "up",
      parallel: 3,
      signal: controller.signal,
      runner: async ({ stack, signal }: StackJob) => {
        started.push(stack);
        if (started.length === 5) controller.abort();
        try {
          await sleep(stack < "tenant-02" ? 2 : 1000, signal);
          return { result: "succeeded" };
        } finally {
          stoppedCleanly.push(stack);
        }
      },
    });
    expect(started).toEqual(names(5));
    // every started update ended (released its lock) before runFleet returned
    expect(stoppedCleanly.sort()).toEqual(names(5));
    expect(results.map((r) => r.result)).toEqual([
      ...Array(2).fill("succeeded"),
      ...Array(3).fill("cancelled"),
      ...Array(5).fill("cancelled"),
    ]);
    expect(results[3].cause).toBe("cancelled (Ctrl-C): update cancelled");
    expect(results[9]).toEqual({
      stack: "tenant-09",
      result: "cancelled",
      cause: "not started (Ctrl-C)",
      durationMs: null,
    });
  });

  it("reports each stack's start, progress and end", async () => {
    const events: string[] = [];
    await runFleet({
      stacks: ["a"],
      command: "preview",
      parallel: 1,
      runner: async ({ progress }) => {
        progress("Previewing update (a)");
        return { result: "changes", changes: "1 create" };
      },
      onEvent: (e) => events.push(e.kind === "end" ? `end ${e.result.result} ${e.result.changes}` : e.kind),
    });
    expect(events).toEqual(["start", "progress", "end changes 1 create"]);
  });
});
