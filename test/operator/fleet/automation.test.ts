// The Automation API runner with a fake stack (the pulumi CLI cannot run here): which operation each
// command calls, with the stack's environment and the abort signal; the changes it reports; and on
// Ctrl-C the update is cancelled (stack.cancel()) and the stack recorded as failed for the fleet to
// mark cancelled.
import { describe, expect, it } from "vitest";
import { automationRunner, type AutomationStack } from "../../../scripts/operator/fleet/automation";
import { runFleet } from "../../../scripts/operator/fleet/orchestrate";

function fakeStack(
  calls: string[],
  behave: (op: string, signal?: AbortSignal) => Promise<unknown>,
): AutomationStack {
  const op = (name: string) => async (opts?: { signal?: AbortSignal; onOutput?: (s: string) => void }) => {
    calls.push(name);
    opts?.onOutput?.(`${name}ing\nhalf a `);
    opts?.onOutput?.("line\n");
    return behave(name, opts?.signal);
  };
  return {
    preview: op("preview"),
    up: op("up"),
    refresh: op("refresh"),
    cancel: async () => {
      calls.push("cancel");
    },
  } as unknown as AutomationStack;
}

describe("the Automation API runner", () => {
  it("selects each stack in the project folder with its own environment and reports the changes", async () => {
    const selected: unknown[] = [];
    const calls: string[] = [];
    const lines: string[] = [];
    const runner = automationRunner({
      workDir: "/project",
      envFor: (s) => ({ ARM_TENANT_ID: `${s}-tenant` }),
      select: async (name, dir, env) => {
        selected.push([name, dir, env]);
        return fakeStack(calls, async (op) =>
          op === "preview"
            ? { changeSummary: { same: 8, create: 1 } }
            : { summary: { resourceChanges: { same: 9 } } },
        );
      },
    });
    const signal = new AbortController().signal;
    const preview = await runner({
      stack: "contoso",
      command: "preview",
      signal,
      progress: (l) => lines.push(l),
    });
    const up = await runner({ stack: "contoso", command: "up", signal, progress: () => undefined });
    expect(selected[0]).toEqual(["contoso", "/project", { ARM_TENANT_ID: "contoso-tenant" }]);
    expect(calls).toEqual(["preview", "up"]);
    expect(preview).toEqual({ result: "changes", changes: "1 create" });
    expect(up).toEqual({ result: "succeeded" });
    expect(lines).toEqual(["previewing", "half a line"]);
  });

  it("on Ctrl-C cancels the running update with stack.cancel() and the fleet marks it cancelled", async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const runner = automationRunner({
      workDir: "/project",
      envFor: () => ({}),
      select: async () =>
        fakeStack(
          calls,
          (_op, signal) =>
            new Promise((_, fail) =>
              signal?.addEventListener("abort", () => fail(new Error("update canceled by SIGINT"))),
            ),
        ),
    });
    setTimeout(() => controller.abort(), 5);
    const [result] = await runFleet({
      stacks: ["contoso"],
      command: "up",
      parallel: 1,
      runner,
      signal: controller.signal,
    });
    expect(calls).toEqual(["up", "cancel"]);
    expect(result).toMatchObject({
      result: "cancelled",
      cause: "cancelled (Ctrl-C): update canceled by SIGINT",
    });
  });

  it("does not cancel a stack whose update failed on its own", async () => {
    const calls: string[] = [];
    const runner = automationRunner({
      workDir: "/project",
      envFor: () => ({}),
      select: async () => fakeStack(calls, async () => Promise.reject(new Error("Signed in to tenant a"))),
    });
    const [result] = await runFleet({ stacks: ["contoso"], command: "refresh", parallel: 1, runner });
    expect(calls).toEqual(["refresh"]);
    expect(result).toMatchObject({ result: "failed", cause: "Signed in to tenant a" });
  });
});
